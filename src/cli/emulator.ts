/**
 * `tva emulator`: runs the local Twilio emulator alone, on loopback, until SIGINT/SIGTERM.
 * Prints its base URL, credentials and outbox URL, then every "delivered" SMS and code (unless --quiet).
 */
import { Command, Option } from 'commander';
import { createEmulator, isLoopbackHost } from '../emulator';
import { createService, createTwilioClient, isAccountSid } from '../twilio';
import { configureActionForEmulator } from './action';
import { processIo } from './cli-io';

/** Twilio's magic test number that always sends. */
const EMULATOR_SENDER = '+15005550006';

interface EmulatorCommandOptions {
  port: string;
  host: string;
  accountSid?: string;
  authToken?: string;
  quiet?: boolean;
  configureAction?: boolean;
}

const USAGE = { exitCode: 2, code: 'tva.usage' } as const;

/** Adds `tva emulator [--port 3979] [--host 127.0.0.1] [--account-sid AC…] [--auth-token …] [--quiet]`. */
export function registerEmulatorCommand(program: Command): void {
  program
    .command('emulator')
    .description('Run the local Twilio emulator (Messages and Verify) on loopback')
    .addOption(new Option('--port <port>', 'port to listen on (0 picks a free one)').default('3979'))
    .addOption(new Option('--host <host>', 'loopback address to bind: 127.0.0.1, ::1 or localhost').default('127.0.0.1'))
    .addOption(new Option('--account-sid <sid>', 'Account SID to accept (AC + 32 hex); generated when omitted').env('TWILIO_EMULATOR_ACCOUNT_SID'))
    .addOption(new Option('--auth-token <token>', 'Auth Token to accept (32 hex); generated when omitted').env('TWILIO_EMULATOR_AUTH_TOKEN'))
    .option('--quiet', 'do not print outbox entries')
    .option('--configure-action', "point the action in DATA_DIR's store at this emulator (authorized, configured, enabled): a bot on that store runs against it")
    .action(async function (this: Command, opts: EmulatorCommandOptions) {
      await runEmulator(this, opts);
    });
}

async function runEmulator(cmd: Command, opts: EmulatorCommandOptions): Promise<void> {
  const port = Number(opts.port);
  if (!/^\d+$/.test(opts.port) || port > 65535) {
    cmd.error(`error: --port must be a whole number from 0 to 65535, got "${opts.port}"`, USAGE);
  }
  if (!isLoopbackHost(opts.host)) {
    cmd.error(
      `error: --host must be a loopback address (127.0.0.1, ::1 or localhost), got "${opts.host}": the emulator accepts its own credentials and must not face a network`,
      USAGE,
    );
  }
  if (opts.accountSid !== undefined && !isAccountSid(opts.accountSid)) {
    cmd.error('error: --account-sid (or TWILIO_EMULATOR_ACCOUNT_SID) must be AC followed by 32 hex digits', USAGE);
  }
  if (opts.authToken !== undefined && !/^[0-9a-fA-F]{32}$/.test(opts.authToken)) {
    cmd.error('error: --auth-token (or TWILIO_EMULATOR_AUTH_TOKEN) must be 32 hex digits, like a Twilio Auth Token', USAGE);
  }

  const print = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  const emulator = createEmulator({
    accountSid: opts.accountSid,
    authToken: opts.authToken,
    dev: !opts.quiet,
    log: print,
  });
  let url: string;
  try {
    url = await emulator.listen(port, opts.host);
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === 'EADDRINUSE'
        ? `port ${port} is in use; pick another with --port`
        : err instanceof Error
          ? err.message
          : String(err);
    // A failure, not a usage error: no "run tva --help" hint after it (cmd.error would add one).
    process.stderr.write(`tva: the emulator could not start: ${reason}\n`);
    process.exitCode = 1;
    return;
  }

  // Handlers go in before the banner: whoever reads the banner may signal at once.
  const stopped = new Promise<void>((resolve, reject) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      print(`Received ${signal}, stopping the Twilio emulator.`);
      emulator.close().then(() => {
        print('Twilio emulator stopped.');
        resolve();
      }, reject);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

  // A Verify Service to point the action at: an action configured against another emulator would otherwise keep a
  // service SID this one has never heard of, and every code would fail with "I couldn't find the Verify Service".
  const gateway = createTwilioClient({ kind: 'auth-token', accountSid: emulator.accountSid, authToken: emulator.authToken }, { baseUrl: url });
  const service = await createService(gateway, { friendlyName: 'Twilio Verify Action' });

  print(`Twilio emulator listening on ${url}`);
  print(`  Account SID     ${emulator.accountSid}`);
  print(`  Auth Token      ${emulator.authToken}`);
  print(`  Verify Service  ${service.sid}`);
  print(`  Sender          ${EMULATOR_SENDER} (Twilio's test number that always sends)`);
  print(`  Outbox          ${url}/emulator/messages`);
  if (opts.configureAction === true) {
    const target = { accountSid: emulator.accountSid, authToken: emulator.authToken, baseUrl: url, verifyServiceSid: service.sid, sender: EMULATOR_SENDER };
    try {
      const status = await configureActionForEmulator(processIo(), target);
      print(`The action in ${process.env.DATABASE_URL ? 'DATABASE_URL' : (process.env.DATA_DIR ?? './data')} now uses this emulator:`);
      for (const line of status.trimEnd().split('\n')) print(`  ${line.trim()}`);
    } catch (err) {
      process.stderr.write(`tva: the action could not be pointed at the emulator: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
      await emulator.close();
      return;
    }
  } else {
    print(`Use ${url} as the Twilio base URL with these credentials, e.g. (the Auth Token is asked for):`);
    print(
      `  tva action configure --account-sid ${emulator.accountSid} --base-url ${url} ` +
        `--verify-service-sid ${service.sid} --sender ${EMULATOR_SENDER}`,
    );
  }
  print('Press Ctrl+C to stop.');
  await stopped;
}
