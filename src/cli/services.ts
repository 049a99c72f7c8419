/**
 * `tva services list|create|show|update|delete`: the account's Verify Services with the action's pre-authorized
 * credentials, through the same service as `/api/admin/services…` (so the same schemas validate the settings).
 */
import type { Command } from 'commander';
import type { IntegrationAction } from '../auth';
import type { VerifyService } from '../twilio';
import { withSession } from './action';
import { CliError, processIo, type CliIo } from './cli-io';

/** The settings flags, shared by `create` and `update`; commander's camelCase names are the operations' field names. */
interface SettingsOptions {
  friendlyName?: string;
  codeLength?: string;
  lookup?: boolean;
  skipSmsToLandlines?: boolean;
  dtmf?: boolean;
  ttsName?: string;
  psd2?: boolean;
  doNotShareWarning?: boolean;
  customCode?: boolean;
  defaultTemplateSid?: string;
  pushIncludeDate?: boolean;
  pushApnCredentialSid?: string;
  pushFcmCredentialSid?: string;
  json?: boolean;
}

function withSettingsOptions(command: Command): Command {
  return command
    .option('--code-length <digits>', 'length of generated codes, 4 to 10')
    .option('--lookup', 'look up the carrier before sending')
    .option('--no-lookup', 'do not look up the carrier')
    .option('--skip-sms-to-landlines', 'refuse SMS to landlines up front (60205)')
    .option('--no-skip-sms-to-landlines', 'attempt SMS to landlines')
    .option('--dtmf', 'voice calls ask the user to press a key first')
    .option('--no-dtmf', 'voice calls read the code at once')
    .option('--tts-name <name>', 'the name spoken in voice calls')
    .option('--psd2', 'verifications carry a PSD2 amount and payee')
    .option('--no-psd2', 'no PSD2 amount and payee')
    .option('--do-not-share-warning', 'messages add "do not share this code"')
    .option('--no-do-not-share-warning', 'no "do not share" warning')
    .option('--custom-code', 'verifications may bring their own code')
    .option('--no-custom-code', 'Twilio generates every code')
    .option('--default-template-sid <HJ…>', 'the default message template')
    .option('--push-include-date', 'push challenges include the date')
    .option('--no-push-include-date', 'push challenges without the date')
    .option('--push-apn-credential-sid <CR…>', 'the Apple Push credential')
    .option('--push-fcm-credential-sid <CR…>', 'the Firebase credential')
    .option('--json', 'print JSON');
}

/**
 * The flags given as the operations' settings. A `--no-x` flag defines `x` as true by default in commander, so a
 * boolean counts only when the user typed it (`getOptionValueSource` is 'cli').
 */
function settingsOf(command: Command, opts: SettingsOptions): Record<string, unknown> {
  const given = (name: keyof SettingsOptions): boolean => command.getOptionValueSource(name) === 'cli';
  const settings: Record<string, unknown> = {};
  if (opts.friendlyName !== undefined) settings.friendlyName = opts.friendlyName;
  if (opts.codeLength !== undefined) {
    const n = Number(opts.codeLength);
    settings.codeLength = Number.isInteger(n) ? n : opts.codeLength;
  }
  const booleans: Array<[keyof SettingsOptions, string]> = [
    ['lookup', 'lookupEnabled'],
    ['skipSmsToLandlines', 'skipSmsToLandlines'],
    ['dtmf', 'dtmfInputRequired'],
    ['psd2', 'psd2Enabled'],
    ['doNotShareWarning', 'doNotShareWarningEnabled'],
    ['customCode', 'customCodeEnabled'],
    ['pushIncludeDate', 'pushIncludeDate'],
  ];
  for (const [flag, field] of booleans) if (given(flag)) settings[field] = opts[flag] === true;
  const strings: Array<[keyof SettingsOptions, string]> = [
    ['ttsName', 'ttsName'],
    ['defaultTemplateSid', 'defaultTemplateSid'],
    ['pushApnCredentialSid', 'pushApnCredentialSid'],
    ['pushFcmCredentialSid', 'pushFcmCredentialSid'],
  ];
  for (const [flag, field] of strings) {
    const value = opts[flag];
    if (typeof value === 'string') settings[field] = value;
  }
  return settings;
}

/** Runs `fn` with the action assembled from DATA_DIR (or DATABASE_URL), as every `tva action` command does. */
export function withAction<T>(io: CliIo, fn: (action: IntegrationAction, actor: string) => Promise<T>): Promise<T> {
  return withSession(io, (session) => fn(session.action, session.actor));
}

const onOff = (value: boolean | null | undefined): string => (value === true ? 'on' : value === false ? 'off' : '-');

function describeService(s: VerifyService): string {
  const lines = [
    `${s.sid}  ${s.friendlyName}`,
    `  code length: ${s.codeLength}`,
    `  lookup: ${onOff(s.lookupEnabled)}, skip SMS to landlines: ${onOff(s.skipSmsToLandlines)}, DTMF: ${onOff(s.dtmfInputRequired)}`,
    `  TTS name: ${s.ttsName ?? '-'}`,
    `  PSD2: ${onOff(s.psd2Enabled)}, do-not-share warning: ${onOff(s.doNotShareWarningEnabled)}, custom code: ${onOff(s.customCodeEnabled)}`,
    `  default template: ${s.defaultTemplateSid ?? '-'}`,
  ];
  if (s.push) {
    lines.push(
      `  push: include date ${onOff(s.push.includeDate)}, APN credential ${s.push.apnCredentialSid ?? '-'}, FCM credential ${s.push.fcmCredentialSid ?? '-'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function print(io: CliIo, service: VerifyService, json: boolean | undefined): void {
  io.stdout.write(json ? `${JSON.stringify(service, null, 2)}\n` : describeService(service));
}

/** Registers `tva services …`. */
export function registerServicesCommands(program: Command, io: CliIo = processIo()): void {
  const services = program.command('services').description("The Twilio account's Verify Services (with the action's credentials)");

  services
    .command('list')
    .description('List the Verify Services')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withAction(io, async (action) => {
        const list = await action.listVerifyServices();
        if (opts.json) return void io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        if (list.length === 0) io.stdout.write('No Verify Services. Create one with: tva services create "<name>"\n');
        for (const s of list) io.stdout.write(`${s.sid}  ${s.friendlyName} (code length ${s.codeLength})\n`);
      });
    });

  withSettingsOptions(services.command('create <friendlyName>').description('Create a Verify Service')).action(
    async (friendlyName: string, opts: SettingsOptions, command: Command) => {
      await withAction(io, async (action, actor) => {
        const service = await action.createVerifyService({ ...settingsOf(command, opts), friendlyName }, actor);
        print(io, service, opts.json);
      });
    },
  );

  services
    .command('show <serviceSid>')
    .description('Show a Verify Service and its settings')
    .option('--json', 'print JSON')
    .action(async (serviceSid: string, opts: { json?: boolean }) => {
      await withAction(io, async (action) => print(io, await action.showVerifyService(serviceSid), opts.json));
    });

  withSettingsOptions(
    services.command('update <serviceSid>').description('Change settings of a Verify Service').option('--friendly-name <name>', 'the name shown in messages'),
  ).action(async (serviceSid: string, opts: SettingsOptions, command: Command) => {
    const settings = settingsOf(command, opts);
    if (Object.keys(settings).length === 0) throw new CliError('Nothing to change. Give at least one setting, e.g. --code-length 8 or --psd2.');
    await withAction(io, async (action, actor) => print(io, await action.updateVerifyService(serviceSid, settings, actor), opts.json));
  });

  services
    .command('delete <serviceSid>')
    .description('Delete a Verify Service (needs --confirm with the same SID)')
    .option('--confirm <serviceSid>', 'the SID again, to confirm')
    .action(async (serviceSid: string, opts: { confirm?: string }) => {
      if (opts.confirm !== serviceSid) throw new CliError(`Deleting a Verify Service cannot be undone. Repeat its SID: tva services delete ${serviceSid} --confirm ${serviceSid}`);
      await withAction(io, async (action, actor) => {
        await action.deleteVerifyService(serviceSid, actor);
        io.stdout.write(`Deleted Verify Service ${serviceSid}.\n`);
      });
    });
}
