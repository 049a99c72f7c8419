/** What `npm start` tells the operator: the secrets key's state in the log, and the banner on stdout. */
import type { Logger } from 'pino';
import type { LoadedSecrets } from '../auth';
import type { BotAuthSettings } from '../bot';
import type { DialogTask } from '../dialogs';
import type { TwilioEmulator } from '../emulator';
import type { AdminToken } from '../server';

/** Logs what the operator should know about the secrets key (generated, a warning, an unfinished rotation). */
export function reportSecrets(secrets: LoadedSecrets, logger: Logger): void {
  for (const warning of secrets.warnings) logger.warn(warning);
  if (secrets.created && secrets.keyFile) logger.info(`Generated the secrets key file ${secrets.keyFile} (keep it with the data).`);
  if (secrets.pendingKey) logger.warn('A secrets key rotation did not finish; run: tva secrets rotate');
}

export interface Banner {
  /** Which Twilio: "using …". */
  mode: string;
  url: string;
  botAuth: BotAuthSettings;
  admin: AdminToken;
  emulator?: TwilioEmulator;
  dialogs: readonly DialogTask[];
  dialogsDir: string;
  /** The one-time console sign-in link (zero-config start), or undefined: then the console asks for the token. */
  consoleSignInLink?: string;
}

/** Prints where everything is (README.md, "Quick start"). */
export function printBanner(print: (line: string) => void, banner: Banner): void {
  const { url, admin, emulator } = banner;
  print('');
  print(`Twilio Verify Action is running, using ${banner.mode}.`);
  print(`  Chat:       ${url}/`);
  print(`  Bot:        ${url}/api/messages (Bot Framework${banner.botAuth.MicrosoftAppId ? '' : ', anonymous: loopback only'})`);
  print(`  Console:    ${banner.consoleSignInLink ?? `${url}/admin`}${banner.consoleSignInLink ? ' (one-time sign-in link, 10 minutes)' : ''}`);
  print(`  Admin API:  ${url}/api/admin (Bearer token ${admin.file ? `in ${admin.file}` : 'from ADMIN_TOKEN'})`);
  if (emulator?.url) print(`  Outbox:     ${emulator.url}/emulator/messages (codes "sent" by the emulator; also beside the chat)`);
  print(`  Dialogs:    ${banner.dialogs.map((t) => t.id).join(', ') || 'none'} (from ${banner.dialogsDir})`);
  print('');
}
