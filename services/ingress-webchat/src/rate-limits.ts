import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { verifyVisitorToken } from '@switchboard/channels';
import { HttpError } from '@switchboard/errors';
import type { Logger } from '@switchboard/log';
import { countInWindow } from '@switchboard/queue';
import type { WebchatInboxes } from './inboxes.ts';

/** Requests per minute; counted in Redis, so the limits hold across replicas. */
export interface RateLimits {
  redis: Redis;
  /** Every widget request of one IP address (a whole office behind one NAT shares it: keep it generous). */
  perIp: number;
  /** New sessions of one IP: minting sessions must not dodge the per-visitor limit. */
  sessionsPerIp: number;
  /** Writes (messages, uploads, forms) of one visitor. */
  perVisitor: number;
  /** QUEUE_PREFIX: installs (and test runs) sharing a Redis keep their own counts. */
  keyPrefix: string;
}

const WINDOW_MS = 60_000;
const WRITES = new Set(['messages', 'uploads', 'callbacks', 'offline']);

/**
 * Per-IP and per-visitor limits on the visitor routes, each a fixed one-minute window counted
 * in Redis (countInWindow); a request over any limit gets 429 with Retry-After. (@fastify/rate-limit
 * applies one limiter per request; these are several on the same request.) Health checks and
 * the widget script are not limited. If Redis cannot count, the request goes through: the
 * sends themselves answer 503 while Redis is down.
 */
export function registerRateLimits(app: FastifyInstance, limits: RateLimits, inboxes: WebchatInboxes, logger: Logger): void {
  const hit = async (bucket: string, max: number): Promise<void> => {
    let counted;
    try {
      counted = await countInWindow(limits.redis, `${limits.keyPrefix}:webchat-rl:${bucket}`, WINDOW_MS);
    } catch (error) {
      logger.warn({ err: error }, 'rate limit not counted: Redis unavailable');
      return;
    }
    if (counted.count > max) {
      const retryAfterS = Math.max(1, Math.ceil(counted.retryAfterMs / 1000));
      throw Object.assign(new HttpError(429, 'rate_limited', `too many requests; retry in ${retryAfterS} s`), { retryAfterS });
    }
  };

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const resource = /^\/webchat\/[^/]+\/([a-z]+)/.exec(req.url)?.[1];
    if (!resource || req.method === 'OPTIONS') return;
    try {
      await hit(`ip:${req.ip}`, limits.perIp);
      if (req.method !== 'POST') return;
      if (resource === 'sessions') await hit(`session:${req.ip}`, limits.sessionsPerIp);
      else if (WRITES.has(resource)) await hit(await visitorBucket(req, inboxes), limits.perVisitor);
    } catch (error) {
      const retryAfterS = (error as { retryAfterS?: number }).retryAfterS;
      if (retryAfterS !== undefined) void reply.header('retry-after', String(retryAfterS));
      throw error;
    }
  });
}

/** The verified visitor; a request without a valid token is counted by IP (the route answers it 401). */
async function visitorBucket(req: FastifyRequest, inboxes: WebchatInboxes): Promise<string> {
  const inboxId = /^\/webchat\/([^/]+)\//.exec(req.url)?.[1] ?? '';
  const token = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  try {
    const inbox = await inboxes.require(inboxId);
    return `visitor:${inbox.id}:${verifyVisitorToken(token ?? '', inbox.tokenKey, { inboxId: inbox.id }).visitorId}`;
  } catch {
    return `visitor-ip:${req.ip}`;
  }
}
