/**
 * The words that cancel and ask for help, everywhere: at the bot's router, while it asks which dialog was meant,
 * and inside a dialog at any question. Compared after `normalizeWords` / `normalizeUtterance` (lower case, no
 * punctuation), so "Never mind!" and "nevermind" both cancel.
 */
export const CANCEL_WORDS: ReadonlySet<string> = new Set(['cancel', 'stop', 'quit', 'exit', 'cancel that', 'never mind', 'nevermind']);

export const HELP_WORDS: ReadonlySet<string> = new Set([
  'help',
  'help me',
  'what can i say',
  'what can you do',
  'what do you need',
  'what',
  'menu',
  'options',
]);
