/**
 * Stress check of the PostgreSQL store against dropped connections: 50 concurrent writers run a turn's store
 * calls (lease, read, two-document state write with an audit entry, release) while this script terminates the
 * store's connections every 150 ms (only its own: a unique application_name). Writes in flight fail; the process
 * must live on. Exits 1 on an uncaught error (what a connection dropped while checked out of the pool used to do).
 *
 *   TEST_DATABASE_URL=postgres://… npx tsx bench/pg-drop.ts [rounds]
 */
import pg from 'pg';
import { openStore } from '../src/store';

async function main(): Promise<void> {
  const base = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (!base) throw new Error('Set TEST_DATABASE_URL (or DATABASE_URL) to a PostgreSQL database this may create a schema in.');
  const rounds = Number(process.argv[2] ?? 30);
  const name = `tva-pg-drop-${process.pid}`;
  const schema = `tva_drop_${process.pid}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  process.on('uncaughtException', (error) => {
    process.stderr.write(`UNCAUGHT: ${error.stack ?? String(error)}\n`);
    process.exit(1);
  });
  const url = new URL(base);
  url.searchParams.set('application_name', name);
  const store = await openStore({ databaseUrl: url.toString(), schema, onBackgroundError: () => undefined });
  let stop = false;
  let turns = 0;
  let failed = 0;
  const writers = Array.from({ length: 50 }, async (_, i) => {
    while (!stop) {
      try {
        const lease = await store.put('turnlocks', `c${i}`, { owner: 'me' }, { ifAbsent: true });
        await store.get('botstate', `c${i}`);
        await store.putMany('botstate', [{ key: `c${i}`, value: { turns } }, { key: `u${i}`, value: { turns } }], {
          audit: [{ actor: 'pg-drop', action: 'sms.send', outcome: 'ok' }],
        });
        await store.delete('turnlocks', `c${i}`, { etag: lease });
        turns++;
      } catch {
        failed++;
        await store.delete('turnlocks', `c${i}`).catch(() => undefined);
      }
    }
  });
  for (let round = 0; round < rounds; round++) {
    await new Promise((resolve) => setTimeout(resolve, 150));
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [name]);
  }
  stop = true;
  await Promise.all(writers);
  process.stdout.write(`${turns} turns, ${failed} failed by ${rounds} rounds of terminated connections; the process lived on\n`);
  await store.close();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
