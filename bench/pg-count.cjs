/**
 * Preloaded into a product server by bench/pg-turns.ts (`NODE_OPTIONS=--require bench/pg-count.cjs`): counts the
 * round trips the process makes to PostgreSQL. node-postgres sends a client's next query only after the previous
 * one's ReadyForQuery, so each `Client#query` call is one round trip. Counted per kind (the statement's first word),
 * and commits: each COMMIT, plus each statement run outside a transaction that is not a plain SELECT (a read-only
 * statement commits nothing to the WAL). On SIGUSR2 it writes the counts and the process's CPU time to the file
 * named by BENCH_PG_COUNT_FILE. Instrumentation of the benchmark only: the product never loads it.
 */
'use strict';
const { writeFileSync } = require('node:fs');
const pg = require('pg');

const counts = { queries: 0, commits: 0, transactions: 0, kinds: {}, texts: {} };
const inTransaction = new WeakSet();
const original = pg.Client.prototype.query;

pg.Client.prototype.query = function countedQuery(config, ...rest) {
  const text = typeof config === 'string' ? config : config && typeof config.text === 'string' ? config.text : '';
  const kind = (/^\s*([A-Za-z]+)/.exec(text)?.[1] ?? 'other').toUpperCase();
  counts.queries++;
  counts.kinds[kind] = (counts.kinds[kind] ?? 0) + 1;
  const values = Array.isArray(rest[0]) ? rest[0] : config && Array.isArray(config.values) ? config.values : [];
  // The statement's start and, for a documents statement, its namespace (the first string parameter naming one).
  const namespace = values.find((v) => typeof v === 'string' && /^[a-z]+$/.test(v));
  const head = `${text.replace(/\s+/g, ' ').trim().slice(0, 70)}${namespace ? ` [${namespace}]` : ''}`;
  counts.texts[head] = (counts.texts[head] ?? 0) + 1;
  if (kind === 'BEGIN') {
    inTransaction.add(this);
    counts.transactions++;
  } else if (kind === 'COMMIT' || kind === 'ROLLBACK') {
    inTransaction.delete(this);
    if (kind === 'COMMIT') counts.commits++;
  } else if (!inTransaction.has(this) && kind !== 'SELECT') {
    counts.commits++;
  }
  return original.call(this, config, ...rest);
};

const file = process.env.BENCH_PG_COUNT_FILE;
if (file) {
  process.on('SIGUSR2', () => {
    const cpu = process.cpuUsage();
    writeFileSync(file, JSON.stringify({ ...counts, cpuUs: cpu.user + cpu.system }));
  });
}
