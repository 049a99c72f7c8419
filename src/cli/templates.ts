import type { Command } from 'commander';

/** Placeholder until this capability lands. */
export function registerTemplateCommands(_program: Command): void {}
