import type { Command } from 'commander';

/** Placeholder until this capability lands. */
export function registerChatCommand(_program: Command): void {}
