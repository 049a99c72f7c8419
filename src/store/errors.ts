/** An etag did not match: the document changed (or vanished) since it was read. Read it again and retry. */
export class StoreConflictError extends Error {
  override readonly name = 'StoreConflictError';
  readonly namespace: string;
  readonly key: string;

  constructor(namespace: string, key: string, message?: string) {
    super(
      message ??
        `Conflict on "${key}" in "${namespace}": it changed since it was read (stale etag). Read it again and retry.`,
    );
    this.namespace = namespace;
    this.key = key;
  }
}

/** A caller passed something the store cannot keep (bad namespace, key, value, limit or cursor). */
export class StoreValidationError extends Error {
  override readonly name = 'StoreValidationError';
}

/** The database cannot be used by this version of the code (newer schema, failed migration, unreachable). */
export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError';
}

/**
 * The store stopped in this process after a failure it cannot recover from safely (a failed flush to disk): nothing
 * more is read or written until the server is restarted.
 */
export class StoreStoppedError extends Error {
  override readonly name = 'StoreStoppedError';
}
