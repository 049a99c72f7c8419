import type { Command } from 'commander';

/** Placeholder until this capability lands. */
export function registerEmulatorCommand(_program: Command): void {}
