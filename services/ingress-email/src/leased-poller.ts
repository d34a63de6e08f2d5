import type { Redis } from 'ioredis';
import { createLease } from '@switchboard/queue';
import { watchMailbox, type Mailbox, type PollerDeps, type WatchOptions } from './mailbox-poller.ts';

export interface LeasedPollerDeps extends PollerDeps {
  redis: Redis;
}

export interface LeasedPollerOptions extends WatchOptions {
  leaseTtlMs?: number;
  /** Wait after a failed connection or pass before trying again. */
  retryMs?: number;
}

export interface LeasedPoller {
  /** Whether this replica holds the mailbox's lease and is watching it. */
  active(): boolean;
  close(): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });

/**
 * Watches a mailbox from at most one replica: the one holding its Redis lease. The others
 * stand by and take over when the lease lapses (a dead holder stops renewing it). Two
 * concurrent pollers would both hand over each new mail and race on flags and moves.
 */
export function startLeasedPoller(deps: LeasedPollerDeps, mailbox: Mailbox, options: LeasedPollerOptions = {}): LeasedPoller {
  const ttl = options.leaseTtlMs ?? 30_000;
  const lease = createLease(deps.redis, `sb-lease-email-poll-${mailbox.inboxId}`, ttl);
  const controller = new AbortController();
  let active = false;

  const loop = (async () => {
    while (!controller.signal.aborted) {
      if (!(await lease.acquire().catch(() => false))) {
        await sleep(ttl / 3, controller.signal);
        continue;
      }
      active = true;
      // renew on a timer: one pass over a large folder may outlast the lease
      const lost = new AbortController();
      const renewer = setInterval(() => {
        lease.renew().then((ok) => ok || lost.abort(), () => lost.abort());
      }, ttl / 3);
      try {
        await watchMailbox(deps, mailbox, AbortSignal.any([controller.signal, lost.signal]), options);
      } catch (error) {
        deps.logger.warn({ err: error, inboxId: mailbox.inboxId }, 'IMAP polling interrupted');
        await sleep(options.retryMs ?? 5_000, controller.signal);
      } finally {
        clearInterval(renewer);
        active = false;
        await lease.release().catch(() => {});
      }
    }
  })();

  return {
    active: () => active,
    async close() {
      controller.abort();
      await loop;
    },
  };
}
