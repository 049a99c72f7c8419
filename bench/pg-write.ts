/**
 * `TEST_DATABASE_URL=… npx tsx bench/pg-write.ts [--roots /work/main,.] [--rounds 3] [--writes 1000] [--concurrency 1]
 *  [--states 2] [--audit 1]`
 *
 * The store's writes of a turn on their own, without the bot: per checkout in `--roots` (its src/store loaded
 * in this process), `--writes` times a conversation lease taken, both bot states (`--states`) written with an audit
 * entry (`--audit`), and
 * the lease released, `--concurrency` conversations at once. Prints CPU ms per turn of this process and of the
 * store's PostgreSQL backends (from /proc), rounds interleaved (A, B, A, B …).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Store, StoreOptions } from '../src/store';
import { REPO_ROOT } from './processes';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? String(process.argv[at + 1]) : fallback;
}

async function backendCpuMs(admin: pg.Client, applicationName: string): Promise<number> {
  const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
  let total = 0;
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      total += (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      // Ended meanwhile.
    }
  }
  return total;
}

async function turns(store: Store, count: number, concurrency: number, tag: string, shape = { states: 2, audit: 1 }): Promise<void> {
  let next = 0;
  const conversation = async (seat: number) => {
    const key = `${tag}-${seat}`;
    let etags: [string | undefined, string | undefined] = [undefined, undefined];
    while (next < count) {
      const n = next++;
      const lease = await store.put('turnlocks', key, { owner: 'bench' }, { ifAbsent: true, expiresAt: new Date(Date.now() + 30_000), ephemeral: true });
      const options = (etag: string | undefined) => (etag === undefined ? { ifAbsent: true } : { etag });
      const items = [
        { key: `c/${key}`, value: { turn: n, dialogStack: [{ id: 'send-sms', state: { step: n % 3 } }] }, options: options(etags[0]) },
        { key: `u/${key}`, value: { name: 'Ada', seen: n }, options: options(etags[1]) },
      ].slice(0, shape.states);
      const audit = [{ actor: `bench:${seat}`, action: 'sms.send', target: '…0123', outcome: 'queued' }].slice(0, shape.audit);
      const saving = store.putMany('botstate', items, audit.length > 0 ? { audit } : undefined);
      // As the bot's turn guard does: with group commit the release is issued in the same tick as the state write.
      const releasing = store.groupCommit ? store.delete('turnlocks', key, { etag: lease }) : undefined;
      const written = await saving;
      etags = [written[0], written[1]];
      await (releasing ?? store.delete('turnlocks', key, { etag: lease }));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, seat) => conversation(seat)));
}

async function main(): Promise<void> {
  const databaseUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('Set TEST_DATABASE_URL (or DATABASE_URL).');
  const roots = option('roots', `/work/main,${REPO_ROOT}`).split(',').map((r) => path.resolve(r));
  const rounds = Number(option('rounds', '3'));
  const writes = Number(option('writes', '1000'));
  const concurrency = Number(option('concurrency', '1'));
  const shape = { states: Number(option('states', '2')), audit: Number(option('audit', '1')) };
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  const opened: Array<{ root: string; store: Store; applicationName: string; schema: string }> = [];
  try {
    for (const [i, root] of roots.entries()) {
      const { openStore } = (await import(path.join(root, 'src', 'store', 'index.ts'))) as { openStore: (o: StoreOptions) => Promise<Store> };
      const schema = `pgwrite_${process.pid}_${i}`;
      const applicationName = `tva-pg-write-${process.pid}-${i}`;
      const url = new URL(databaseUrl);
      url.searchParams.set('application_name', applicationName);
      const store = await openStore({ databaseUrl: url.toString(), schema });
      opened.push({ root, store, applicationName, schema });
      await turns(store, 50, concurrency, 'warmup', shape);
    }
    process.stdout.write('root\tround\tturns\tprocess CPU ms/turn\tPostgreSQL CPU ms/turn\tturns/s\n');
    for (let round = 1; round <= rounds; round++) {
      for (const { root, store, applicationName } of opened) {
        const cpu0 = process.cpuUsage();
        const pg0 = await backendCpuMs(admin, applicationName);
        const t0 = process.hrtime.bigint();
        await turns(store, writes, concurrency, `r${round}`, shape);
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        const cpu = process.cpuUsage(cpu0);
        const pgMs = (await backendCpuMs(admin, applicationName)) - pg0;
        process.stdout.write(`${root}\t${round}\t${writes}\t${((cpu.user + cpu.system) / 1000 / writes).toFixed(3)}\t${(pgMs / writes).toFixed(3)}\t${(writes / seconds).toFixed(0)}\n`);
      }
    }
  } finally {
    for (const { store, schema } of opened) {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
    await admin.end();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/pg-write: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
