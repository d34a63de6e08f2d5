import { z } from 'zod';
import { CountryCode } from '@switchboard/contracts';
import { databaseEnv, httpEnv, logEnv, redisEnv } from '@switchboard/config';

export const routerEnv = {
  ...databaseEnv,
  ...redisEnv,
  ...logEnv,
  ...httpEnv(3003),
  ROUTER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  /** How often queues with waiting work are re-dispatched, healing any lost trigger. */
  ROUTER_SWEEP_INTERVAL_MS: z.coerce.number().int().min(1000).default(30_000),
  /** Silence after which an agent client that sends heartbeats is taken offline. */
  ROUTER_HEARTBEAT_GRACE_S: z.coerce.number().int().min(5).default(60),
  /** How often capacity counters are recomputed from conversations and offers (drift is logged and healed). */
  ROUTER_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(10_000).default(300_000),
  /** Outbox events older than this are deleted (every 10 minutes): how far back SSE resumes and webhook replays reach. */
  EVENT_RETENTION_HOURS: z.coerce.number().int().min(1).default(72),
  /** Lets national phone numbers (no `+`) give a contact's country, e.g. `RU` for `8 916 …`; unset: international numbers only. */
  DEFAULT_PHONE_REGION: CountryCode.optional(),
};
