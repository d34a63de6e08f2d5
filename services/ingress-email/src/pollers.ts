import type { Redis } from 'ioredis';
import type { BlobStore } from '@switchboard/blob';
import { emailAdapter, type EmailInboxConfig, type EmailSecrets, type InboxContext } from '@switchboard/channels';
import { listInboxes, type InboxCache, type Pool } from '@switchboard/db';
import type { Logger } from '@switchboard/log';
import type { Producer } from '@switchboard/queue';
import { acceptMail } from './accept-mail.ts';
import { startLeasedPoller, type LeasedPoller } from './leased-poller.ts';
import type { Mailbox } from './mailbox-poller.ts';

export interface EmailPollersDeps {
  pool: Pool;
  redis: Redis;
  producer: Producer;
  inboxes: InboxCache;
  logger: Logger;
  blobs?: BlobStore;
  pollIntervalMs?: number;
  idleDelayMs?: number;
  leaseTtlMs?: number;
  retryMs?: number;
  /** How often the list of email inboxes is re-read. */
  refreshMs?: number;
}

export interface EmailPollers {
  /** Inbox ids whose mailbox this replica is watching right now. */
  active(): string[];
  close(): Promise<void>;
}

/** An email inbox's IMAP account as the poller needs it. */
export function mailboxOf(inbox: InboxContext<EmailInboxConfig, EmailSecrets>): Mailbox {
  const { imap } = inbox.config;
  return {
    inboxId: inbox.id,
    host: imap.host,
    port: imap.port,
    secure: imap.secure,
    user: imap.user,
    password: inbox.secrets.imapPassword,
    ...(imap.folder ? { folder: imap.folder } : {}),
    processed: imap.moveTo ? { action: 'move', folder: imap.moveTo } : { action: 'seen' },
  };
}

/**
 * A leased poller per email inbox, started as inboxes appear. A poller keeps the settings it
 * started with; an inbox whose config is invalid is logged and skipped until it is fixed.
 */
export function startEmailPollers(deps: EmailPollersDeps): EmailPollers {
  const running = new Map<string, LeasedPoller>();
  const controller = new AbortController();

  const start = async (id: string) => {
    const stored = await deps.inboxes.get(id);
    if (!stored || stored.channel !== 'email') return;
    const config = emailAdapter.configSchema.safeParse(stored.config);
    const secrets = emailAdapter.secretsSchema.safeParse(stored.secrets);
    if (!config.success || !secrets.success) {
      deps.logger.warn({ inboxId: id }, 'email inbox has invalid IMAP settings; not polling it');
      return;
    }
    const inbox = { id, channel: 'email' as const, config: config.data, secrets: secrets.data };
    const accept = async (raw: Buffer) => { await acceptMail(deps, inbox, raw); };
    running.set(id, startLeasedPoller({ ...deps, accept }, mailboxOf(inbox), {
      pollIntervalMs: deps.pollIntervalMs, idleDelayMs: deps.idleDelayMs, leaseTtlMs: deps.leaseTtlMs, retryMs: deps.retryMs,
    }));
  };

  const refresh = async () => {
    for (const inbox of await listInboxes(deps.pool, { channel: 'email' })) {
      if (!running.has(inbox.id) && !controller.signal.aborted) await start(inbox.id);
    }
  };
  const loop = (async () => {
    while (!controller.signal.aborted) {
      await refresh().catch((error) => deps.logger.warn({ err: error }, 'could not list email inboxes'));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, deps.refreshMs ?? 60_000);
        controller.signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
      });
    }
  })();

  return {
    active: () => [...running].filter(([, p]) => p.active()).map(([id]) => id),
    async close() {
      controller.abort();
      await loop;
      await Promise.all([...running.values()].map((p) => p.close()));
    },
  };
}
