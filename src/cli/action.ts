import type { Command } from 'commander';

/** Placeholder until this capability lands. */
export function registerActionCommands(_program: Command): void {}
