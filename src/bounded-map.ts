/**
 * A Map of at most `limit` entries: adding a new key to a full map first drops the oldest one (insertion order).
 * For the small caches of a process (opened secrets, read phone numbers, reused clients).
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (this.size >= this.limit && !this.has(key)) {
      const oldest = this.keys().next();
      if (oldest.done !== true) this.delete(oldest.value);
    }
    return super.set(key, value);
  }
}
