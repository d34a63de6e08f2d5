import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

// Renew or release only while we still own the key: a lease that lapsed and was taken by
// another replica must not be extended or deleted by the old owner.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface Lease {
  readonly key: string;
  readonly owner: string;
  acquire(): Promise<boolean>;
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

/** A Redis lease: at most one holder at a time across replicas, lapsing after `ttlMs` if the holder dies. */
export function createLease(redis: Redis, key: string, ttlMs: number): Lease {
  const owner = randomUUID();
  return {
    key,
    owner,
    async acquire() {
      return (await redis.set(key, owner, 'PX', ttlMs, 'NX')) === 'OK';
    },
    async renew() {
      return (await redis.eval(RENEW, 1, key, owner, String(ttlMs))) === 1;
    },
    async release() {
      await redis.eval(RELEASE, 1, key, owner);
    },
  };
}
