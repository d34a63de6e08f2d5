import type { FastifyInstance } from 'fastify';
import type { Pool } from '@switchboard/db';
import { queueAvailability, systemClock, type Clock } from '@switchboard/routing';
import type { WebchatInboxes } from './inboxes.ts';
import { inboxFor } from './visitor-request.ts';

export interface SettingsRouteDeps {
  pool: Pool;
  inboxes: WebchatInboxes;
  /** The blob store's own limit caps the inbox's upload limit; 0 when there is no store. */
  maxBlobBytes: number;
  clock?: Clock;
}

/** What the widget reads before it shows anything: chat or offline form, upload limits, callbacks. */
export interface WidgetSettings {
  online: boolean;
  offlineReason: 'outside_business_hours' | 'no_agents_online' | 'no_queue' | null;
  uploads: { maxBytes: number; allowedTypes: string[] };
  callback: { enabled: boolean };
}

/** `GET /webchat/:inboxId/settings`: no token needed, the widget asks before the visitor writes. */
export function registerSettingsRoute(app: FastifyInstance, deps: SettingsRouteDeps): void {
  const clock = deps.clock ?? systemClock;
  app.get<{ Params: { inboxId: string } }>('/webchat/:inboxId/settings', async (req, reply): Promise<WidgetSettings> => {
    const inbox = await inboxFor(deps.inboxes, req, reply);
    const { rows } = await deps.pool.query<{ queueId: string | null }>(`select default_queue_id as "queueId" from inboxes where id = $1`, [inbox.id]);
    const availability = await queueAvailability(deps.pool, rows[0]?.queueId ?? null, 'webchat', clock);
    // a few seconds stale is fine, and it spares the database a query per page view
    void reply.header('cache-control', 'private, max-age=5');
    return {
      online: availability.online,
      offlineReason: availability.reason,
      uploads: { maxBytes: Math.min(inbox.config.uploads.maxBytes, deps.maxBlobBytes), allowedTypes: inbox.config.uploads.allowedTypes },
      callback: { enabled: inbox.config.callbacks },
    };
  });
}
