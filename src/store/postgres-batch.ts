/**
 * PostgreSQL group commit: document writes and deletes of several callers, and their audit entries, in one statement
 * (one round trip, one commit), each caller's writes all or nothing and answered with its own outcome.
 */
import { StoreConflictError } from './errors';
import type { DeleteOutcome, DocumentWrite } from './document-store';
import type { AuditRecord } from './validate';

/** One caller's write: its documents (all or none) and audit entries. */
export interface PendingWrite {
  kind: 'write';
  namespace: string;
  writes: DocumentWrite[];
  /** The store's clock when the write was issued: `updated_at`, and what "expired" means for ifAbsent. */
  at: Date;
  conflictMessage?: (key: string) => string;
  audit?: { records: AuditRecord[]; at: Date };
}

/** One caller's delete of a document, compared with `expected` when given. */
export interface PendingDelete {
  kind: 'delete';
  namespace: string;
  key: string;
  expected?: string;
  at: Date;
}

export type GroupOp = PendingWrite | PendingDelete;

/** Each op's answer: a write's is undefined, a delete's its outcome; or the error its caller gets. */
export type GroupOutcome = { ok: true; value: DeleteOutcome | undefined } | { ok: false; error: Error };

/** The documents an op touches, as `namespace \0 key`: a statement may change a row only once. */
export function rowsOf(op: GroupOp): string[] {
  return op.kind === 'delete' ? [`${op.namespace}\0${op.key}`] : op.writes.map((w) => `${op.namespace}\0${w.key}`);
}

/** How a row's check reads the stored document (see GROUP_WRITE). */
type Mode = 'create' | 'put' | 'cas' | 'cas-or-create' | 'delete' | 'delete-cas';

function writeMode(w: DocumentWrite): Mode {
  if (w.ifAbsent === true) return 'create';
  if (w.expected === undefined) return 'put';
  return w.createIfMissing ? 'cas-or-create' : 'cas';
}

/**
 * The statement. Every input row belongs to one op (`grp`); ops touch distinct documents.
 * - `current` locks every existing document of the statement, in key order (two statements sharing documents lock
 *   them in the same order), and reads its committed etag and expiry: READ COMMITTED re-reads a row changed
 *   meanwhile, and nobody changes a locked row before this statement commits. Compare-and-set across connections.
 * - `verdict` checks each row as the statement-per-write path does: 'create' (ifAbsent) needs no live document,
 *   'put' overwrites, 'cas' needs the stored etag, 'cas-or-create' the stored etag or no document (botbuilder),
 *   'delete' takes any, 'delete-cas' the stored etag (a missing document is 'missing', not a conflict).
 * - An op with a failed check writes nothing (`failed`), its audit entries neither; the others are applied: existing
 *   rows updated or deleted, missing ones inserted, audit entries inserted in order. The update and the delete
 *   match rows by key only: they read the statement's snapshot, older than the version `current` locked when
 *   another connection committed a change between the two, and READ COMMITTED re-checks their condition on the
 *   locked version (an etag condition would be false on the old one, and the row silently skipped).
 * - A document missing at the check but created by another connection before the insert fails the insert on the
 *   primary key (no ON CONFLICT on purpose): the whole statement is rolled back, and the caller redoes each op on its
 *   own (see retryAlone).
 * The answer is one row per input row, in order: whether its check passed and whether the document existed.
 */
export const GROUP_WRITE = `
WITH input AS (
  SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                       $8::timestamptz[], $9::timestamptz[])
    WITH ORDINALITY AS t(grp, namespace, key, value, etag, expected, mode, expires_at, now, ord)
),
current AS (
  SELECT d.namespace, d.key, d.etag, d.expires_at
  FROM documents d JOIN input i ON d.namespace = i.namespace AND d.key = i.key
  ORDER BY d.namespace, d.key
  FOR UPDATE OF d
),
verdict AS (
  SELECT i.*, c.key IS NOT NULL AS present, c.etag AS seen,
    coalesce(CASE i.mode
      WHEN 'create' THEN c.key IS NULL OR (c.expires_at IS NOT NULL AND c.expires_at <= i.now)
      WHEN 'put' THEN true
      WHEN 'cas' THEN c.etag = i.expected
      WHEN 'cas-or-create' THEN c.key IS NULL OR c.etag = i.expected
      WHEN 'delete' THEN true
      WHEN 'delete-cas' THEN c.key IS NULL OR c.etag = i.expected
    END, false) AS ok
  FROM input i LEFT JOIN current c ON c.namespace = i.namespace AND c.key = i.key
),
failed AS (
  SELECT DISTINCT grp FROM verdict WHERE NOT ok
),
chosen AS (
  SELECT * FROM verdict WHERE grp NOT IN (SELECT grp FROM failed)
),
updated AS (
  UPDATE documents d SET value = c.value, etag = c.etag, updated_at = c.now, expires_at = c.expires_at
  FROM chosen c
  WHERE c.present AND c.mode NOT IN ('delete', 'delete-cas') AND d.namespace = c.namespace AND d.key = c.key
  RETURNING 1
),
inserted AS (
  INSERT INTO documents (namespace, key, value, etag, updated_at, expires_at)
  SELECT c.namespace, c.key, c.value, c.etag, c.now, c.expires_at FROM chosen c
  WHERE NOT c.present AND c.mode NOT IN ('delete', 'delete-cas')
  ORDER BY c.namespace, c.key
  RETURNING 1
),
deleted AS (
  DELETE FROM documents d USING chosen c
  WHERE c.present AND c.mode IN ('delete', 'delete-cas') AND d.namespace = c.namespace AND d.key = c.key
  RETURNING 1
),
audited AS (
  INSERT INTO audit_log (at, actor, action, target, outcome, details)
  SELECT a.at, a.actor, a.action, a.target, a.outcome, a.details
  FROM unnest($10::int[], $11::timestamptz[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[])
    WITH ORDINALITY AS a(grp, at, actor, action, target, outcome, details, ord)
  WHERE a.grp NOT IN (SELECT grp FROM failed)
  ORDER BY a.ord
  RETURNING 1
)
SELECT ok, present FROM verdict ORDER BY ord`;

/** The parameters of GROUP_WRITE for `ops`. */
export function groupWriteParams(ops: readonly GroupOp[]): unknown[] {
  const rows = {
    grp: [] as number[],
    namespace: [] as string[],
    key: [] as string[],
    value: [] as Array<string | null>,
    etag: [] as Array<string | null>,
    expected: [] as Array<string | null>,
    mode: [] as Mode[],
    expiresAt: [] as Array<Date | null>,
    now: [] as Date[],
  };
  const audit = {
    grp: [] as number[],
    at: [] as Date[],
    actor: [] as string[],
    action: [] as string[],
    target: [] as Array<string | null>,
    outcome: [] as string[],
    details: [] as Array<string | null>,
  };
  const push = (grp: number, namespace: string, key: string, mode: Mode, at: Date, row: { value?: string; etag?: string; expected?: string; expiresAt?: Date | null }) => {
    rows.grp.push(grp);
    rows.namespace.push(namespace);
    rows.key.push(key);
    rows.value.push(row.value ?? null);
    rows.etag.push(row.etag ?? null);
    rows.expected.push(row.expected ?? null);
    rows.mode.push(mode);
    rows.expiresAt.push(row.expiresAt ?? null);
    rows.now.push(at);
  };
  for (const [i, op] of ops.entries()) {
    const grp = i + 1;
    if (op.kind === 'delete') {
      push(grp, op.namespace, op.key, op.expected === undefined ? 'delete' : 'delete-cas', op.at, { expected: op.expected });
      continue;
    }
    for (const w of op.writes) {
      push(grp, op.namespace, w.key, writeMode(w), op.at, { value: w.json, etag: w.etag, expected: w.expected, expiresAt: w.expiresAt });
    }
    for (const r of op.audit?.records ?? []) {
      audit.grp.push(grp);
      audit.at.push(op.audit?.at ?? op.at);
      audit.actor.push(r.actor);
      audit.action.push(r.action);
      audit.target.push(r.target);
      audit.outcome.push(r.outcome);
      audit.details.push(r.details);
    }
  }
  return [
    rows.grp,
    rows.namespace,
    rows.key,
    rows.value,
    rows.etag,
    rows.expected,
    rows.mode,
    rows.expiresAt,
    rows.now,
    audit.grp,
    audit.at,
    audit.actor,
    audit.action,
    audit.target,
    audit.outcome,
    audit.details,
  ];
}

/** Each op's outcome from GROUP_WRITE's rows (one per input row, in order). */
export function groupOutcomes(ops: readonly GroupOp[], rows: ReadonlyArray<{ ok: boolean; present: boolean }>): GroupOutcome[] {
  let next = 0;
  return ops.map((op): GroupOutcome => {
    if (op.kind === 'delete') {
      const row = rows[next++];
      if (row === undefined) return { ok: false, error: new Error('PostgreSQL answered fewer rows than the write had.') };
      return { ok: true, value: !row.present ? 'missing' : row.ok ? 'deleted' : 'conflict' };
    }
    let failed: string | undefined;
    for (const w of op.writes) {
      const row = rows[next++];
      if (row === undefined) return { ok: false, error: new Error('PostgreSQL answered fewer rows than the write had.') };
      if (!row.ok && failed === undefined) failed = w.key;
    }
    if (failed === undefined) return { ok: true, value: undefined };
    return { ok: false, error: new StoreConflictError(op.namespace, failed, op.conflictMessage?.(failed)) };
  });
}

/**
 * Errors after which GROUP_WRITE committed nothing and each op may simply be redone on its own: a document created
 * meanwhile by another connection (unique_violation), or this statement chosen as a deadlock's victim.
 */
export function retryAlone(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === '23505' || code === '40P01';
}
