import type { Redis } from 'ioredis';
import { Telegram } from 'telegraf';
import { listInboxes, type InboxCache, type Pool } from '@switchboard/db';
import type { Logger } from '@switchboard/log';
import { createLease, type Lease, type Producer } from '@switchboard/queue';
import { acceptUpdate } from './accept-update.ts';
import { loadTelegramInbox } from './app.ts';

export interface PollerDeps {
  pool: Pool;
  redis: Redis;
  producer: Producer;
  inboxes: InboxCache;
  logger: Logger;
  apiRoot: string;
  /** getUpdates long-poll timeout, seconds. */
  pollTimeoutS: number;
  leaseTtlMs?: number;
  /** How often the list of polling inboxes is re-read. */
  refreshMs?: number;
}

export interface Pollers {
  /** Inbox ids this replica is polling right now. */
  active(): string[];
  close(): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });

/**
 * Long polling for inboxes whose config says `mode: polling` (installs without a public URL).
 * A Redis lease per bot makes one replica poll it; the others stand by and take over when the
 * lease lapses. The offset only advances after the updates are queued, so a crash re-reads
 * them (and the queue and database drop the duplicates).
 */
export function startPollers(deps: PollerDeps): Pollers {
  const controller = new AbortController();
  const running = new Map<string, Promise<void>>();
  const active = new Set<string>();

  const pollInbox = async (inboxId: string) => {
    const lease = createLease(deps.redis, `sb-lease-telegram-poll-${inboxId}`, deps.leaseTtlMs ?? 30_000);
    while (!controller.signal.aborted) {
      const acquired = await lease.acquire().catch(() => false);
      if (!acquired) {
        await sleep((deps.leaseTtlMs ?? 30_000) / 3, controller.signal);
        continue;
      }
      active.add(inboxId);
      try {
        await pollWhileLeased(deps, inboxId, lease, controller.signal);
      } catch (error) {
        deps.logger.warn({ err: error, inboxId }, 'telegram polling interrupted');
        await sleep(2_000, controller.signal);
      } finally {
        active.delete(inboxId);
        await lease.release().catch(() => {});
      }
    }
  };

  const refresh = async () => {
    const inboxes = await listInboxes(deps.pool, { channel: 'telegram' });
    for (const inbox of inboxes) {
      if (inbox.config.mode !== 'polling' || running.has(inbox.id)) continue;
      running.set(inbox.id, pollInbox(inbox.id));
    }
  };
  const loop = (async () => {
    while (!controller.signal.aborted) {
      await refresh().catch((error) => deps.logger.warn({ err: error }, 'could not list telegram inboxes'));
      await sleep(deps.refreshMs ?? 60_000, controller.signal);
    }
  })();

  return {
    active: () => [...active],
    async close() {
      controller.abort();
      await loop;
      await Promise.all(running.values());
    },
  };
}

async function pollWhileLeased(deps: PollerDeps, inboxId: string, lease: Lease, signal: AbortSignal): Promise<void> {
  const inbox = await loadTelegramInbox(deps.inboxes, inboxId);
  if (!inbox) return;
  const { botToken } = inbox.secrets as { botToken: string };
  const telegram = new Telegram(botToken, { apiRoot: deps.apiRoot });
  // getUpdates answers 409 while a webhook is set; polling mode owns the bot
  await telegram.deleteWebhook({ drop_pending_updates: false });

  // renew on a timer, not between polls: one long poll may last most of the lease
  const lost = new AbortController();
  const stop = AbortSignal.any([signal, lost.signal]);
  const ttl = deps.leaseTtlMs ?? 30_000;
  const renewer = setInterval(() => {
    lease.renew().then((ok) => ok || lost.abort(), () => lost.abort());
  }, ttl / 3);
  try {
    let offset = 0;
    while (!stop.aborted) {
      const updates = await telegram
        .callApi('getUpdates', { timeout: deps.pollTimeoutS, limit: 100, offset }, { signal: stop as never })
        .catch((error: unknown) => {
          if (stop.aborted) return [];
          throw error;
        });
      for (const update of updates) {
        await acceptUpdate(deps, inbox, Buffer.from(JSON.stringify(update)));
        offset = update.update_id + 1;
      }
    }
  } finally {
    clearInterval(renewer);
  }
}
