/**
 * `tva action …`, `tva profiles …` and `tva secrets rotate`: the admin operations straight on the store
 * (DATA_DIR, DATABASE_URL, SECRETS_KEY), through the same service as the admin API.
 */
import os from 'node:os';
import type { Command } from 'commander';
import {
  ACTION_ID,
  ActionError,
  parseSecretKey,
  generateSecretKey,
  rotateSecretsKey,
  type ActionConfig,
  type ActionView,
  type CredentialCheckResult,
  type IntegrationAction,
  type LoadedSecrets,
} from '../auth';
import { assemble, type Assembly } from '../assembly';
import type { Store } from '../store';
import { CliError, processIo, readSecret, type CliIo } from './cli-io';

interface Session {
  store: Store;
  loaded: LoadedSecrets;
  action: IntegrationAction;
  dataDir: string;
  actor: string;
}

/** Who runs the CLI, as the audit log records it. */
export function cliActor(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** Opens the store and the secrets, runs `fn`, closes; domain errors become CLI refusals with their details. */
export async function withSession<T>(io: CliIo, fn: (s: Session) => Promise<T>): Promise<T> {
  const dataDir = io.env.DATA_DIR ?? './data';
  let core: Assembly | undefined;
  try {
    core = await assemble({ dataDir, ...(io.env.DATABASE_URL ? { databaseUrl: io.env.DATABASE_URL } : {}), secretsEnv: io.env });
    for (const warning of core.secrets.warnings) io.stderr.write(`warning: ${warning}\n`);
    return await fn({ store: core.store, loaded: core.secrets, action: core.action, dataDir, actor: cliActor() });
  } catch (err) {
    if (err instanceof ActionError) {
      const details = err.details.map((d) => `\n  ${d.path || '(input)'}: ${d.message}`).join('');
      throw new CliError(`${err.message}${details}`);
    }
    throw err;
  } finally {
    await core?.close();
  }
}

/** What `tva action delete --confirm` must be given: the action id. */
const DELETE_CONFIRMATION = ACTION_ID;

function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function describeAction(view: ActionView): string {
  const lines = [`Action ${view.id}: ${view.state}`];
  const auth = view.authorization;
  if (!auth) lines.push('  authorization: none (tva action configure --account-sid AC… or --profile <name>)');
  else if (auth.type === 'user-authorized') {
    lines.push(`  authorization: user-authorized with profile ${auth.profile} (${auth.usersAuthorized} user(s) authorized)`);
  } else if (auth.method === 'auth-token') {
    lines.push(`  authorization: pre-authorized, Account SID ${auth.accountSid}, Auth Token ${auth.authToken}`);
  } else {
    lines.push(`  authorization: pre-authorized, Account SID ${auth.accountSid}, API Key ${auth.apiKeySid} (secret ${auth.apiKeySecret})`);
  }
  if (auth && auth.type === 'pre-authorized' && auth.baseUrl) lines.push(`  base URL: ${auth.baseUrl}`);
  if (view.config.verifyServiceSid) lines.push(`  Verify Service: ${view.config.verifyServiceSid}`);
  if (view.config.sender) lines.push(`  sender: ${view.config.sender}`);
  lines.push(
    view.config.otpMode === 'messageTemplates'
      ? `  codes: message templates (${view.config.codeLength ?? 6} digits, texted from the sender)`
      : '  codes: Twilio Verify',
  );
  for (const [usage, text] of Object.entries(view.config.messageTemplates ?? {})) lines.push(`  template ${usage}: ${text}`);
  if (view.lastTest) {
    lines.push(`  last test: ${view.lastTest.ok ? 'passed' : `failed (${view.lastTest.code}: ${view.lastTest.message})`} at ${view.lastTest.at}`);
    if (view.lastTest.warning) lines.push(`  warning: ${view.lastTest.warning}`);
  }
  if (view.error) lines.push(`  error: Twilio ${view.error.code} at ${view.error.at}: ${view.error.message}`);
  if (view.next) lines.push(`  next: ${view.next.step.toLowerCase()}: ${view.next.cli}`);
  return `${lines.join('\n')}\n`;
}

function reportCheck(io: CliIo, result: CredentialCheckResult, what: string): void {
  if (!result.ok) throw new CliError(`${what} failed: Twilio answered ${result.code}: ${result.message}`);
  io.stdout.write(result.checked === undefined ? `${what} passed.\n` : `${what} passed: ${result.checked}.\n`);
}

interface ConfigureOptions {
  accountSid?: string;
  authTokenStdin?: boolean;
  apiKeySid?: string;
  apiKeySecretStdin?: boolean;
  baseUrl?: string;
  profile?: string;
  createProfile?: string;
  profileDescription?: string;
  profileTenancy?: boolean;
  profileBaseUrl?: string;
  profileCheckUrl?: string;
  verifyServiceSid?: string;
  sender?: string;
  templateRegister?: string;
  templateSignIn?: string;
  templateTest?: string;
  otpMode?: string;
  codeLength?: string;
}

/** `--code-length`: a whole number (the range is the configuration schema's, 4 to 10). */
function parseCodeLength(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,2}$/.test(text.trim())) throw new CliError(`--code-length must be a whole number from 4 to 10, not "${text}".`);
  return Number(text.trim());
}

async function configure(io: CliIo, opts: ConfigureOptions): Promise<void> {
  const authorizing = opts.accountSid !== undefined || opts.profile !== undefined || opts.createProfile !== undefined;
  const templates = { register: opts.templateRegister, signIn: opts.templateSignIn, test: opts.templateTest };
  const codeLength = parseCodeLength(opts.codeLength);
  const configuring =
    opts.verifyServiceSid !== undefined ||
    opts.sender !== undefined ||
    opts.otpMode !== undefined ||
    codeLength !== undefined ||
    Object.values(templates).some((t) => t !== undefined);
  if (!authorizing && !configuring) {
    throw new CliError(
      'Nothing to configure. Give --account-sid (with the Auth Token on a prompt or --auth-token-stdin, or --api-key-sid), ' +
        'or --profile <name>, and/or --verify-service-sid, --sender, --template-*, --otp-mode, --code-length.',
    );
  }
  if ([opts.accountSid, opts.profile, opts.createProfile].filter((o) => o !== undefined).length > 1) {
    throw new CliError('Give one of --account-sid (pre-authorized), --profile or --create-profile (user-authorized).');
  }
  let authorization: Record<string, unknown> | undefined;
  if (opts.createProfile !== undefined) {
    // Kore.ai's "Create New": the profile is created in the same request that switches to user-authorized.
    authorization = {
      type: 'user-authorized',
      profile: {
        name: opts.createProfile,
        tenancy: opts.profileTenancy === true,
        ...(opts.profileDescription !== undefined ? { description: opts.profileDescription } : {}),
        ...(opts.profileBaseUrl !== undefined ? { baseUrl: opts.profileBaseUrl } : {}),
        ...(opts.profileCheckUrl !== undefined ? { authorizationCheckUrl: opts.profileCheckUrl } : {}),
      },
    };
  } else if (opts.profile !== undefined) {
    authorization = { type: 'user-authorized', profile: opts.profile };
  } else if (opts.accountSid !== undefined) {
    const base = { type: 'pre-authorized', accountSid: opts.accountSid, ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}) };
    authorization =
      opts.apiKeySid !== undefined
        ? {
            ...base,
            apiKeySid: opts.apiKeySid,
            apiKeySecret: await readSecret(io, {
              label: 'API Key secret',
              fromStdin: opts.apiKeySecretStdin === true,
              flag: '--api-key-secret-stdin',
            }),
          }
        : {
            ...base,
            authToken: await readSecret(io, { label: 'Auth Token', fromStdin: opts.authTokenStdin === true, flag: '--auth-token-stdin' }),
          };
  }
  await withSession(io, async ({ action, actor }) => {
    let view: ActionView | undefined;
    if (authorization) view = await action.authorize(authorization, actor);
    if (configuring) {
      const current = (await action.status()).config;
      const messageTemplates = { ...current.messageTemplates };
      for (const [usage, text] of Object.entries(templates)) {
        if (text !== undefined) Object.assign(messageTemplates, { [usage]: text });
      }
      const config: ActionConfig = {
        ...current,
        ...(opts.verifyServiceSid !== undefined ? { verifyServiceSid: opts.verifyServiceSid } : {}),
        ...(opts.sender !== undefined ? { sender: opts.sender } : {}),
        ...(Object.keys(messageTemplates).length > 0 ? { messageTemplates } : {}),
        // Checked with the rest by the configuration schema (a clear error names a wrong mode or what the mode lacks).
        ...(opts.otpMode !== undefined ? { otpMode: opts.otpMode as NonNullable<ActionConfig['otpMode']> } : {}),
        ...(codeLength !== undefined ? { codeLength } : {}),
      };
      view = await action.setConfig(config, actor);
    }
    if (view) io.stdout.write(describeAction(view));
    if (view && view.state === 'available') io.stdout.write('Next: tva action test, then tva action enable\n');
  });
}

function registerAction(program: Command, io: CliIo): void {
  const action = program.command('action').description('Authorize, configure, test, enable, disable or delete the Twilio Verify action');

  action
    .command('status')
    .description('Show the state, the authorization (secrets masked) and the configuration')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withSession(io, async (s) => {
        const view = await s.action.status();
        if (opts.json) printJson(io, view);
        else io.stdout.write(describeAction(view));
      });
    });

  action
    .command('configure')
    .description('Authorize the action and/or set its configuration (secrets: prompt without echo, or stdin)')
    .option('--account-sid <sid>', 'pre-authorized: the Account SID (AC…)')
    .option('--auth-token-stdin', 'read the Auth Token from stdin instead of a prompt')
    .option('--api-key-sid <sid>', 'use an API Key (SK…) instead of the Auth Token')
    .option('--api-key-secret-stdin', 'read the API Key secret from stdin instead of a prompt')
    .option('--base-url <url>', 'base URL override (region, edge, or the local emulator, e.g. http://127.0.0.1:3979)')
    .option('--profile <name>', 'user-authorized: end users authorize with this auth profile')
    .option('--create-profile <name>', 'user-authorized with a new auth profile, created in the same step (see --profile-*)')
    .option('--profile-description <text>', 'with --create-profile: what the profile is for')
    .option('--profile-tenancy', 'with --create-profile: users also give a tenant')
    .option('--profile-base-url <url>', 'with --create-profile: base URL of API calls, may hold {tenant}')
    .option('--profile-check-url <url>', 'with --create-profile: authorization check URL')
    .option('--verify-service-sid <sid>', 'default Verify Service SID (VA…)')
    .option('--sender <from>', 'default sender: a number in E.164 or a Messaging Service SID (MG…)')
    .option('--template-register <text>', 'SMS template for usage Register (must contain {{code}})')
    .option('--template-sign-in <text>', 'SMS template for usage SignIn (must contain {{code}})')
    .option('--template-test <text>', 'SMS template for usage Test (must contain {{code}})')
    .option(
      '--otp-mode <mode>',
      'how codes are sent: verify (Twilio Verify, the default and recommended: Twilio\'s fraud guard) or messageTemplates (the action makes the codes and texts them with the templates above from --sender)',
    )
    .option('--code-length <digits>', 'digits per code in the messageTemplates mode, 4 to 10 (default 6)')
    .action(async (opts: ConfigureOptions) => configure(io, opts));

  action
    .command('test')
    .description('Run the authorization check against Twilio')
    .action(async () => {
      await withSession(io, async (s) => reportCheck(io, await s.action.test(s.actor), 'The authorization check'));
    });

  action
    .command('enable')
    .description('Enable the action (only after a passing authorization check)')
    .action(async () => {
      await withSession(io, async (s) => {
        const result = await s.action.enable(s.actor);
        io.stdout.write(`${result.message}.\nNext: ${result.next.step.toLowerCase()}: ${result.next.cli}\n`);
      });
    });

  action
    .command('disable')
    .description('Disable the action, keeping its configuration')
    .action(async () => {
      await withSession(io, async (s) => io.stdout.write(describeAction(await s.action.disable(s.actor))));
    });

  action
    .command('delete')
    .description('Delete the action and erase every stored credential (needs --confirm twilio-verify)')
    .option('--confirm <id>', 'the action id, twilio-verify, to confirm')
    .action(async (opts: { confirm?: string }) => {
      // Said in the CLI's words (the service's refusal names the API body field, /confirm).
      if (opts.confirm !== DELETE_CONFIRMATION) {
        throw new CliError(`Deleting erases every stored credential; run again with --confirm ${DELETE_CONFIRMATION}`);
      }
      await withSession(io, async (s) => {
        const result = await s.action.delete({ confirm: opts.confirm }, s.actor);
        io.stdout.write(
          `Deleted. Erased ${result.erased.userCredentials} user credential(s) and ${result.erased.authLinks} authorization link(s).\n`,
        );
      });
    });
}

function registerProfiles(program: Command, io: CliIo): void {
  const profiles = program.command('profiles').description('Auth profiles for user-authorized actions (Basic Auth)');

  profiles
    .command('list')
    .description('List auth profiles')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withSession(io, async (s) => {
        const list = await s.action.listProfiles();
        if (opts.json) return printJson(io, list);
        if (list.length === 0) io.stdout.write('No auth profiles. Create one with: tva profiles create <name>\n');
        for (const p of list) {
          io.stdout.write(`${p.name}${p.tenancy ? ' (tenancy)' : ''}${p.description ? `: ${p.description}` : ''}\n`);
        }
      });
    });

  profiles
    .command('create <name>')
    .description('Create an auth profile')
    .option('--description <text>', 'what the profile is for')
    .option('--tenancy', 'users also give a tenant ({tenant} in the URLs)')
    .option('--base-url <url>', 'base URL of API calls, may hold {tenant}')
    .option('--check-url <url>', 'authorization check URL, may hold {tenant} and {{accountSid}}')
    .action(async (name: string, opts: { description?: string; tenancy?: boolean; baseUrl?: string; checkUrl?: string }) => {
      await withSession(io, async (s) => {
        const profile = await s.action.createProfile(
          {
            name,
            tenancy: opts.tenancy === true,
            ...(opts.description !== undefined ? { description: opts.description } : {}),
            ...(opts.baseUrl !== undefined ? { baseUrl: opts.baseUrl } : {}),
            ...(opts.checkUrl !== undefined ? { authorizationCheckUrl: opts.checkUrl } : {}),
          },
          s.actor,
        );
        io.stdout.write(`Created auth profile ${profile.name}; users will give: ${profile.fields.join(', ')}.\n`);
      });
    });

  profiles
    .command('test <name>')
    .description("Run a profile's authorization check with sample credentials (stores nothing)")
    .requiredOption('--account-sid <sid>', 'the Account SID (AC…)')
    .option('--tenant <tenant>', 'the tenant, for a profile with tenancy')
    .option('--auth-token-stdin', 'read the Auth Token from stdin instead of a prompt')
    .action(async (name: string, opts: { accountSid: string; tenant?: string; authTokenStdin?: boolean }) => {
      const authToken = await readSecret(io, { label: 'Auth Token', fromStdin: opts.authTokenStdin === true, flag: '--auth-token-stdin' });
      await withSession(io, async (s) => {
        const input = { accountSid: opts.accountSid, authToken, ...(opts.tenant !== undefined ? { tenant: opts.tenant } : {}) };
        reportCheck(io, await s.action.testProfile(name, input, s.actor), `The check of profile ${name}`);
      });
    });

  profiles
    .command('delete <name>')
    .description('Delete an auth profile and its users’ credentials')
    .action(async (name: string) => {
      await withSession(io, async (s) => {
        await s.action.deleteProfile(name, s.actor);
        io.stdout.write(`Deleted auth profile ${name}.\n`);
      });
    });
}

function registerSecrets(program: Command, io: CliIo): void {
  const secrets = program.command('secrets').description('The key that encrypts stored secrets');
  secrets
    .command('rotate')
    .description('Re-encrypt every stored secret with a new key (all or nothing); stop other instances first')
    .option('--new-key-stdin', 'read the new key (base64 of 32 bytes) from stdin instead of generating one')
    .action(async (opts: { newKeyStdin?: boolean }) => {
      const newKey = opts.newKeyStdin
        ? parseSecretKey(await readSecret(io, { label: 'new secrets key', fromStdin: true, flag: '--new-key-stdin' }), 'the new key')
        : undefined;
      await withSession(io, async (s) => {
        let key = newKey;
        if (s.loaded.source === 'env' && !key) {
          key = generateSecretKey();
          // Printed before any record depends on it, so the operator holds the key even if the rotation is interrupted.
          io.stdout.write(
            `New secrets key (set SECRETS_KEY to it and SECRETS_KEY_PREVIOUS to the old key, then restart every instance):\n` +
              `${key.key.toString('base64')}\n`,
          );
        }
        const result = await rotateSecretsKey({ store: s.store, loaded: s.loaded, dataDir: s.dataDir, ...(key ? { newKey: key } : {}) });
        io.stdout.write(
          `Rotated the secrets key ${result.previousKeyId} -> ${result.keyId}; re-encrypted ${result.resealed} secret(s).\n` +
            (result.keyFile ? `The new key is in ${result.keyFile}. Restart every instance.\n` : ''),
        );
      });
    });
}

/** Registers `tva action …`, `tva profiles …` and `tva secrets rotate`. */
export function registerActionCommands(program: Command, io: CliIo = processIo()): void {
  registerAction(program, io);
  registerProfiles(program, io);
  registerSecrets(program, io);
}

/** An emulator the action can be pointed at (`tva emulator --configure-action`). */
export interface EmulatorTarget {
  accountSid: string;
  authToken: string;
  baseUrl: string;
  verifyServiceSid: string;
  sender: string;
}

/**
 * Authorizes, configures and enables the action in the store (DATA_DIR / DATABASE_URL) against an emulator, keeping
 * its message templates: a developer's own bot on that store then runs against the emulator. Returns the status text.
 */
export async function configureActionForEmulator(io: CliIo, target: EmulatorTarget): Promise<string> {
  return withSession(io, async (s) => {
    await s.action.authorize({ type: 'pre-authorized', accountSid: target.accountSid, authToken: target.authToken, baseUrl: target.baseUrl }, s.actor);
    const current = await s.action.status();
    await s.action.setConfig({ ...current.config, verifyServiceSid: target.verifyServiceSid, sender: target.sender }, s.actor);
    await s.action.enable(s.actor);
    return describeAction(await s.action.status());
  });
}
