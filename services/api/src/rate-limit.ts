import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { HttpError } from '@switchboard/errors';
import type { Logger } from '@switchboard/log';
import { countInWindow } from '@switchboard/queue';
import { principalOf } from './auth.ts';
import type { ApiDeps, ZodApp } from './deps.ts';

export const DEFAULT_RATE_LIMIT_PER_MIN = 600;
const MINUTE_MS = 60_000;

/** 429 with Retry-After (whole seconds, at least 1). */
export function rateLimited(reply: FastifyReply, retryAfterMs: number, message: string): HttpError {
  const retryAfterS = Math.max(1, Math.ceil(retryAfterMs / 1000));
  void reply.header('retry-after', String(retryAfterS));
  return new HttpError(429, 'rate_limited', `${message}; retry in ${retryAfterS} s`);
}

/**
 * Counts one hit of `bucket` in a fixed window in Redis (so every replica counts together);
 * throws 429 when over `max`. When Redis cannot count, the request goes through: a limiter
 * must not turn a Redis hiccup into an outage of the API.
 */
export async function hitLimit(
  limits: { redis: Redis; logger: Logger },
  reply: FastifyReply,
  bucket: string,
  max: number,
  windowMs: number,
  message: string,
): Promise<void> {
  let counted;
  try {
    counted = await countInWindow(limits.redis, bucket, windowMs);
  } catch (error) {
    limits.logger.warn({ err: error, bucket: bucket.split(':')[0] }, 'rate limit not counted: Redis unavailable');
    return;
  }
  if (counted.count > max) throw rateLimited(reply, counted.retryAfterMs, message);
}

/**
 * Per-token limit on every authenticated API route: N requests a minute (API_RATE_LIMIT_PER_MIN).
 * Added after `authenticate`, so it counts only callers it can name; the bootstrap admin token
 * is one bucket. Buckets are namespaced by QUEUE_PREFIX: installs sharing one Redis never share
 * a bootstrap admin's budget.
 */
export function registerRateLimit(deps: ApiDeps, app: ZodApp): void {
  const { redis } = deps;
  if (!redis) return;
  const max = deps.rateLimitPerMin ?? DEFAULT_RATE_LIMIT_PER_MIN;
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const { tokenId } = principalOf(request);
    const bucket = `${deps.queuePrefix ?? 'sb'}:api-rl:${tokenId ?? 'bootstrap-admin'}`;
    await hitLimit({ redis, logger: deps.logger }, reply, bucket, max, MINUTE_MS, `more than ${max} requests a minute with this token`);
  });
}
