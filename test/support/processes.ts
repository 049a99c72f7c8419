/**
 * Server processes for end-to-end tests that stop or kill them: `src/main.ts` run as `npm start` runs it, in a
 * child process, configured through the environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { ADMIN_TOKEN, freePort } from './http';
import { REPO_DIALOGS, REPO_ROOT, tempDir } from './world';
import type { TwilioEmulator } from '../../src/emulator';

export interface Child {
  process: ChildProcess;
  url: string;
  output: () => string;
}

const STARTUP_LIMIT_MS = 30_000;

/** Environment of the test process without anything that would change how main.ts configures itself. */
export function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(TWILIO_|EMULATOR|DATABASE_URL|SECRETS_KEY|ADMIN_TOKEN|PUBLIC_BASE_URL|Microsoft|LOG_LEVEL|PORT|HOST|DATA_DIR|DIALOGS_DIR)/.test(name)) continue;
    env[name] = value;
  }
  return env;
}

/** Spawns `node -r tsx/cjs src/main.ts` and resolves once its banner prints the chat URL. */
export function spawnServer(env: NodeJS.ProcessEnv): Promise<Child> {
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', path.join('src', 'main.ts')], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const output = () => out;
  return new Promise<Child>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not print its banner within ${STARTUP_LIMIT_MS} ms:\n${out}`));
    }, STARTUP_LIMIT_MS);
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const chat = /Chat:\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (chat?.[1]) {
        clearTimeout(timer);
        resolve({ process: child, url: chat[1], output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the server exited early (code ${code}, signal ${signal}):\n${out}`));
    });
  });
}

/** Sends SIGTERM and resolves with the exit code once the process is gone. */
export function stop(child: Child): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.process.exitCode !== null) {
      resolve(child.process.exitCode);
      return;
    }
    child.process.once('exit', (code) => resolve(code));
    child.process.kill('SIGTERM');
  });
}

/** A Verify service created at the emulator over its HTTP API, as an admin would at Twilio. */
export async function createVerifyService(emulator: TwilioEmulator): Promise<string> {
  const res = await fetch(`${emulator.url}/v2/Services`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ FriendlyName: 'Restart test' }).toString(),
  });
  const body = (await res.json()) as { sid?: string };
  if (res.status !== 201 || !body.sid) throw new Error(`creating a Verify service answered ${res.status}`);
  return body.sid;
}

/** The TWILIO_* variables of a server process that treats `emulator` as real Twilio, and where it keeps its data. */
export function twilioEnv(emulator: TwilioEmulator, serviceSid: string): NodeJS.ProcessEnv {
  return {
    TWILIO_ACCOUNT_SID: emulator.accountSid,
    TWILIO_AUTH_TOKEN: emulator.authToken,
    TWILIO_BASE_URL: emulator.url ?? '',
    TWILIO_VERIFY_SERVICE_SID: serviceSid,
    TWILIO_SENDER: '+15005550006',
  };
}

/**
 * What a server process needs to run against `emulator` as if it were real Twilio: a data directory, a copy of the
 * repository's dialogs, a Verify Service there, and the environment (a free port on every call to `env`).
 */
export async function processSetup(
  emulator: TwilioEmulator,
  name: string,
  extra: NodeJS.ProcessEnv = {},
): Promise<{ env: () => Promise<NodeJS.ProcessEnv>; dirs: string[] }> {
  const serviceSid = await createVerifyService(emulator);
  const dataDir = await tempDir(`${name}-data`);
  const dialogsDir = await tempDir(`${name}-dialogs`);
  await cp(REPO_DIALOGS, dialogsDir, { recursive: true });
  const env = async (): Promise<NodeJS.ProcessEnv> => ({
    ...baseEnv(),
    DATA_DIR: dataDir,
    DIALOGS_DIR: dialogsDir,
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    ADMIN_TOKEN,
    LOG_LEVEL: 'warn',
    ...twilioEnv(emulator, serviceSid),
    ...extra,
  });
  return { env, dirs: [dataDir, dialogsDir] };
}

/** Kills (SIGKILL) every child still running: the after-hook of tests that spawn servers. */
export function killAll(children: readonly Child[]): void {
  for (const child of children) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
}
