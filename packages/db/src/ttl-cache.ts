/**
 * A small read-through cache with a time to live, so a chatty widget does not hit PostgreSQL
 * on every message. Concurrent misses for one key share a single load; misses (unknown keys)
 * are cached too, and the entry count is bounded so random keys cannot grow memory.
 */
export interface TtlCache<V> {
  get(key: string): Promise<V | undefined>;
  /** Forgets one key (or everything), e.g. after an admin changed an inbox. */
  invalidate(key?: string): void;
}

export function createTtlCache<V>(options: {
  load: (key: string) => Promise<V | undefined>;
  ttlMs: number;
  maxEntries?: number;
  now?: () => number;
}): TtlCache<V> {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 10_000;
  const entries = new Map<string, { value: V | undefined; expiresAt: number }>();
  const loading = new Map<string, Promise<V | undefined>>();

  const store = (key: string, value: V | undefined) => {
    entries.delete(key);
    // Map iteration follows insertion order: the first key is the oldest entry
    while (entries.size >= maxEntries) {
      const oldest = entries.keys().next();
      if (oldest.done) break;
      entries.delete(oldest.value);
    }
    entries.set(key, { value, expiresAt: now() + options.ttlMs });
  };

  return {
    async get(key) {
      const hit = entries.get(key);
      if (hit && hit.expiresAt > now()) return hit.value;
      const pending = loading.get(key);
      if (pending) return pending;
      const load = options
        .load(key)
        .then((value) => {
          store(key, value);
          return value;
        })
        .finally(() => loading.delete(key));
      loading.set(key, load);
      return load;
    },
    invalidate(key) {
      if (key === undefined) entries.clear();
      else entries.delete(key);
    },
  };
}
