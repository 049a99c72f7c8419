/**
 * `TEST_DATABASE_URL=… npx tsx bench/pg-turns.ts [--roots /work/main,.] [--rounds 3] [--conversations 100]
 *  [--concurrency 1]`
 *
 * What a turn costs on PostgreSQL, in measures a shared machine moves little: round trips and commits per turn
 * (counted inside the product's process by bench/pg-count.cjs), CPU milliseconds per turn of the product's process
 * and of its PostgreSQL backends (from /proc), and turns/s for reference. One product server per checkout given in
 * `--roots` (e.g. the main branch's and this one), each on a fresh schema of its own, against one shared
 * `tva emulator` process; rows are interleaved round by round (A, B, A, B …), Send SMS then OTP (Verify Phone
 * Number), every dialog checked as in `npm run bench`.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { BotClient } from '../src/chat';
import { DialogInstaller, defaultTemplatesDir } from '../src/templates';
import { keepAliveFetch } from './http';
import { freePort, REPO_ROOT, spawnServer, type ServerProcess } from './processes';
import { RemoteOutbox, sendSmsScenario, VerificationNumbers, verifyPhoneNumberScenario, type Scenario } from './scenarios';

const SENDER = '+15005550006';
const READY = /Chat:\s+(http:\/\/127\.0\.0\.1:\d+)\//;

interface Counts {
  queries: number;
  commits: number;
  transactions: number;
  kinds: Record<string, number>;
  texts: Record<string, number>;
  cpuUs: number;
}

interface Product {
  root: string;
  server: ServerProcess;
  countFile: string;
  applicationName: string;
}

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? String(process.argv[at + 1]) : fallback;
}

/** The product's counts right now: SIGUSR2 makes bench/pg-count.cjs write them. */
async function countsOf(product: Product): Promise<Counts> {
  await rm(product.countFile, { force: true });
  product.server.process.kill('SIGUSR2');
  for (let i = 0; i < 200; i++) {
    try {
      return JSON.parse(await readFile(product.countFile, 'utf8')) as Counts;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  throw new Error(`${product.root}: no counts written`);
}

/** CPU time (ms) of every PostgreSQL backend serving this product, summed; backends are found by application_name. */
async function backendCpuMs(admin: pg.Client, applicationName: string): Promise<Map<number, number>> {
  const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
  const ticks = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      // utime and stime are fields 14 and 15 of stat, 12 and 13 after "pid (comm) ", in clock ticks (100 Hz).
      ticks.set(pid, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // The backend ended meanwhile.
    }
  }
  return ticks;
}

function backendDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

async function drive(url: string, scenario: Scenario, count: number, concurrency: number, fetchImpl: typeof fetch, tag: string): Promise<number> {
  let next = 0;
  let turns = 0;
  const user = async (seat: number) => {
    for (let seq = 1; next < count; seq++) {
      next++;
      const client = new BotClient({ baseUrl: url, channelId: 'bench', userId: `pg-user-${seat}`, conversationId: `pg-${tag}-${seat}-${seq}-${next}`, timeoutMs: 15_000, fetch: fetchImpl });
      const script = scenario.script({ user: seat, seq });
      for (const step of script.steps) {
        const said = typeof step.say === 'string' ? step.say : await step.say();
        const texts = (await client.say(said)).map((r) => r.text ?? '').join('\n');
        turns++;
        const missing = step.expect.find((pattern) => !pattern.test(texts));
        if (missing) throw new Error(`${tag}: expected ${String(missing)}, got ${JSON.stringify(texts)}`);
      }
      const problem = await script.after?.();
      if (problem) throw new Error(`${tag}: ${problem}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, seat) => user(seat)));
  return turns;
}

async function main(): Promise<void> {
  const databaseUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('Set TEST_DATABASE_URL (or DATABASE_URL) to a PostgreSQL database the benchmark may create schemas in.');
  const roots = option('roots', `/work/main,${REPO_ROOT}`).split(',').map((r) => path.resolve(r));
  const rounds = Number(option('rounds', '3'));
  const conversations = Number(option('conversations', '100'));
  const concurrency = Number(option('concurrency', '1'));
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'tva-pg-turns-'));
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const dialogsDir = path.join(tempDir, 'dialogs');
    const installer = new DialogInstaller({ templatesDir: defaultTemplatesDir(), dialogsDir });
    for (const id of ['send-sms', 'start-verification', 'check-verification', 'verify-phone-number']) await installer.install(id);
    const base: NodeJS.ProcessEnv = {};
    for (const [name, value] of Object.entries(process.env)) {
      if (!/^(TWILIO_|EMULATOR|DATABASE_URL|TEST_DATABASE_URL|SECRETS_KEY|ADMIN_TOKEN|PUBLIC_BASE_URL|Microsoft|LOG_LEVEL|PORT|HOST|DATA_DIR|DIALOGS_DIR|BENCH_|NODE_OPTIONS)/.test(name)) base[name] = value;
    }
    const emulator = await spawnServer(path.join('bench', 'serve.ts'), ['emulator', '--port', String(await freePort()), '--quiet'], base, /Outbox\s+(http:\/\/\S+)\/emulator\/messages/);
    cleanups.push(() => emulator.stop());
    const accountSid = /Account SID\s+(AC[0-9a-f]{32})/i.exec(emulator.output())?.[1] ?? '';
    const authToken = /Auth Token\s+([0-9a-f]{32})/i.exec(emulator.output())?.[1] ?? '';
    const created = await fetch(`${emulator.url}/v2/Services`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'FriendlyName=Benchmark',
    });
    const serviceSid = ((await created.json()) as { sid: string }).sid;

    const products: Product[] = [];
    for (const [i, root] of roots.entries()) {
      const schema = `pgturns_${process.pid}_${i}`;
      await admin.query(`CREATE SCHEMA ${schema}`);
      cleanups.push(() => admin.query(`DROP SCHEMA ${schema} CASCADE`));
      const applicationName = `tva-pg-turns-${process.pid}-${i}`;
      const url = new URL(databaseUrl);
      url.searchParams.set('options', `-c search_path=${schema}${process.env.BENCH_PG_OPTIONS ? ` ${process.env.BENCH_PG_OPTIONS}` : ''}`);
      url.searchParams.set('application_name', applicationName);
      const countFile = path.join(tempDir, `counts-${i}.json`);
      const server = await spawnServer(path.join(root, 'src', 'main.ts'), [], {
        ...base,
        NODE_OPTIONS: `--require ${path.join(REPO_ROOT, 'bench', 'pg-count.cjs')}`,
        BENCH_PG_COUNT_FILE: countFile,
        HOST: '127.0.0.1',
        PORT: String(await freePort()),
        DATA_DIR: path.join(tempDir, `data-${i}`),
        DIALOGS_DIR: dialogsDir,
        ADMIN_TOKEN: 'bench-admin-token-0123456789abcdef',
        LOG_LEVEL: 'warn',
        DATABASE_URL: url.toString(),
        TWILIO_ACCOUNT_SID: accountSid,
        TWILIO_AUTH_TOKEN: authToken,
        TWILIO_BASE_URL: emulator.url,
        TWILIO_VERIFY_SERVICE_SID: serviceSid,
        TWILIO_SENDER: SENDER,
      }, READY);
      cleanups.push(() => server.stop());
      products.push({ root, server, countFile, applicationName });
      process.stdout.write(`${root}: ${server.url} (pid ${server.process.pid ?? '?'})\n`);
    }
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency * 2 });
    cleanups.push(async () => agent.destroy());
    const fetchImpl = keepAliveFetch(agent);
    const outbox = new RemoteOutbox(emulator.url, fetchImpl);
    const numbers = new VerificationNumbers();
    const flows = [() => sendSmsScenario(outbox), () => verifyPhoneNumberScenario(outbox, numbers)];
    // Warm-up: a few dialogs of each flow per product, unmeasured (JIT, pool connections, prepared statements).
    for (const product of products) for (const flow of flows) await drive(product.server.url, flow(), 10, Math.min(concurrency, 5), fetchImpl, 'warmup');
    process.stdout.write('root\tflow\tround\tturns\tround trips/turn\tcommits/turn\ttransactions/turn\tbot CPU ms/turn\tPostgreSQL CPU ms/turn\tturns/s\tkinds/turn\n');
    for (let round = 1; round <= rounds; round++) {
      for (const flow of flows) {
        for (const product of products) {
          const scenario = flow();
          const before = await countsOf(product);
          const pgBefore = await backendCpuMs(admin, product.applicationName);
          const t0 = process.hrtime.bigint();
          const turns = await drive(product.server.url, scenario, conversations, concurrency, fetchImpl, `${round}`);
          const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
          const after = await countsOf(product);
          const pgMs = backendDelta(pgBefore, await backendCpuMs(admin, product.applicationName));
          const per = (n: number) => (n / turns).toFixed(2);
          const kinds = Object.entries(after.kinds)
            .map(([kind, n]) => [kind, n - (before.kinds[kind] ?? 0)] as const)
            .filter(([, n]) => n > 0)
            .map(([kind, n]) => `${kind} ${per(n)}`)
            .join(', ');
          if (process.env.BENCH_PG_TEXTS) {
            for (const [text, n] of Object.entries(after.texts)) {
              const d = n - (before.texts[text] ?? 0);
              if (d > 0) process.stdout.write(`    ${per(d)}  ${text}\n`);
            }
          }
          process.stdout.write(
            [product.root, scenario.id, round, turns, per(after.queries - before.queries), per(after.commits - before.commits), per(after.transactions - before.transactions),
              ((after.cpuUs - before.cpuUs) / 1000 / turns).toFixed(3), (pgMs / turns).toFixed(3), (turns / seconds).toFixed(0), kinds].join('\t') + '\n',
          );
        }
      }
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await admin.end();
    await rm(tempDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/pg-turns: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});

