import { describe, expect, it } from '@jest/globals';
import { createTtlCache } from './ttl-cache.ts';

function counting(values: Record<string, string | undefined>) {
  const loads: string[] = [];
  return { loads, load: async (key: string) => (loads.push(key), values[key]) };
}

describe('ttl cache', () => {
  it('serves a loaded value until its time to live has passed', async () => {
    let now = 0;
    const source = counting({ a: 'A' });
    const cache = createTtlCache({ ...source, ttlMs: 30_000, now: () => now });
    expect(await cache.get('a')).toBe('A');
    now = 29_999;
    expect(await cache.get('a')).toBe('A');
    expect(source.loads).toEqual(['a']);
    now = 30_000;
    expect(await cache.get('a')).toBe('A');
    expect(source.loads).toEqual(['a', 'a']);
  });

  it('shares one load between concurrent misses and caches unknown keys too', async () => {
    const source = counting({});
    const cache = createTtlCache({ ...source, ttlMs: 1_000 });
    expect(await Promise.all([cache.get('x'), cache.get('x'), cache.get('x')])).toEqual([undefined, undefined, undefined]);
    await cache.get('x');
    expect(source.loads).toEqual(['x']);
  });

  it('does not cache a failed load', async () => {
    let fail = true;
    const cache = createTtlCache({ ttlMs: 1_000, load: async () => {
      if (fail) throw new Error('database down');
      return 'ok';
    } });
    await expect(cache.get('k')).rejects.toThrow('database down');
    fail = false;
    expect(await cache.get('k')).toBe('ok');
  });

  it('evicts the oldest entry beyond its size bound', async () => {
    const source = counting({ a: 'A', b: 'B', c: 'C' });
    const cache = createTtlCache({ ...source, ttlMs: 60_000, maxEntries: 2 });
    for (const key of ['a', 'b', 'c', 'b', 'a']) await cache.get(key);
    expect(source.loads).toEqual(['a', 'b', 'c', 'a']);
  });

  it('forgets an invalidated key', async () => {
    const source = counting({ a: 'A' });
    const cache = createTtlCache({ ...source, ttlMs: 60_000 });
    await cache.get('a');
    cache.invalidate('a');
    await cache.get('a');
    expect(source.loads).toEqual(['a', 'a']);
  });
});
