// A real admin stack for tests: the in-process Twilio emulator, a SQLite store in a temp dir, the server on port 0,
// every log line and every response body captured (for the secret scan).
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Server } from 'restify';
import { IntegrationAction, loadSecrets } from '../../src/auth';
import { createEmulator, type ApiKey, type TwilioEmulator } from '../../src/emulator';
import { REDACTED_PATHS } from '../../src/main';
import { createServer, type BackoffOptions } from '../../src/server';
import { openStore, type Store } from '../../src/store';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: unknown;
}

export interface RequestOptions {
  token?: string | null;
  /** A JSON value (serialized) or a raw string body. */
  body?: unknown;
  raw?: string;
  contentType?: string | null;
  headers?: Record<string, string>;
}

/** A manual clock for the admin backoff. */
export class TestClock {
  private ms = Date.parse('2025-06-01T12:00:00Z');
  now = (): Date => new Date(this.ms);
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

/** Log lines and response bodies seen by every harness, for the secret scan. */
export const captured = { logs: [] as string[], bodies: [] as string[] };

export function tempDataDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'tva-admin-'));
}

export interface Harness {
  dataDir: string;
  emulator: TwilioEmulator;
  emulatorUrl: string;
  store: Store;
  action: IntegrationAction;
  server: Server;
  baseUrl: string;
  clock: TestClock;
  request(method: string, urlPath: string, options?: RequestOptions): Promise<Reply>;
  /** Closes server and store (not the emulator), e.g. to restart on the same data dir. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

export async function startStack(options: {
  dataDir?: string;
  emulator?: TwilioEmulator;
  apiKeys?: ApiKey[];
  env?: NodeJS.ProcessEnv;
  backoff?: BackoffOptions;
  bodyLimitBytes?: number;
} = {}): Promise<Harness> {
  const dataDir = options.dataDir ?? tempDataDir();
  const emulator = options.emulator ?? createEmulator({ ...(options.apiKeys ? { apiKeys: options.apiKeys } : {}) });
  const emulatorUrl = emulator.url ?? (await emulator.listen(0, '127.0.0.1'));
  const store = await openStore({ dataDir });
  const secrets = await loadSecrets({ env: options.env ?? {}, dataDir, store });
  const clock = new TestClock();
  const action = new IntegrationAction({ store, secrets: secrets.box });
  const logStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      captured.logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  const logger = pino({ level: 'trace', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, logStream);
  const server = createServer({
    store,
    action,
    logger,
    adminToken: ADMIN_TOKEN,
    now: clock.now,
    ...(options.backoff ? { adminBackoff: options.backoff } : {}),
    ...(options.bodyLimitBytes ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const baseUrl = `http://127.0.0.1:${address.port}`;

  const request = (method: string, urlPath: string, opts: RequestOptions = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? ADMIN_TOKEN}`;
      const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
      if (payload !== undefined) {
        if (opts.contentType !== null) headers['content-type'] = opts.contentType ?? 'application/json';
        headers['content-length'] = String(Buffer.byteLength(payload));
      }
      const req = http.request({ host: '127.0.0.1', port: address.port, method, path: urlPath, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          captured.bodies.push(text);
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });

  const stop = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await store.close();
  };
  return {
    dataDir,
    emulator,
    emulatorUrl,
    store,
    action,
    server,
    baseUrl,
    clock,
    request,
    stop,
    async close() {
      await stop();
      if (!options.emulator) await emulator.close();
    },
  };
}

/** A well-formed Auth Token Twilio will reject. */
export const WRONG_TOKEN = 'f'.repeat(32);

/** The `error` object of an error reply. */
export function errorOf(reply: Reply): { code: string; message: string; details: Array<{ path: string; message: string }> } {
  const body = reply.json as { error?: { code: string; message: string; details: Array<{ path: string; message: string }> } };
  if (!body?.error) throw new Error(`not an error reply: ${reply.status} ${reply.text}`);
  return body.error;
}
