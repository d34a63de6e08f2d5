import { z } from 'zod';
import { blobEnv, databaseEnv, httpEnv, logEnv, redisEnv, secretKeyEnv } from '@switchboard/config';

export const ingressWebchatEnv = {
  ...databaseEnv,
  ...redisEnv,
  ...logEnv,
  ...secretKeyEnv,
  ...httpEnv(3002),
  ...blobEnv,
  /** Requests per minute per IP address, over all widget routes (offices behind one NAT share an address). */
  WEBCHAT_RATE_LIMIT_PER_IP: z.coerce.number().int().min(1).default(600),
  /** New visitor sessions per minute per IP address. */
  WEBCHAT_SESSIONS_PER_IP: z.coerce.number().int().min(1).default(60),
  /** Messages, uploads and forms per minute per visitor. */
  WEBCHAT_RATE_LIMIT_PER_VISITOR: z.coerce.number().int().min(1).default(60),
  /** Behind a reverse proxy: trust its X-Forwarded-For (true, or the proxies' addresses/CIDRs, comma-separated), so limits count visitors, not the proxy. */
  TRUST_PROXY: z.string().default('false'),
  /** Serves `GET /demo/:inboxId`, a pretend shop with the widget embedded (`pnpm start` turns it on). */
  WEBCHAT_DEMO: z.stringbool({ error: 'must be true or false' }).default(false),
};
