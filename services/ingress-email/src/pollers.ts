import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { BlobStore } from '@switchboard/blob';
import { emailAdapter, type EmailInboxConfig, type EmailSecrets, type InboxContext } from '@switchboard/channels';
import { listInboxes, type InboxCache, type Pool } from '@switchboard/db';
import type { Logger } from '@switchboard/log';
import type { Producer } from '@switchboard/queue';
import type { Registry } from '@switchboard/runtime';
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
  /** Accepted and parked mail is counted here (see accept-mail.ts). */
  metrics?: Registry;
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

/** Identifies a mailbox's settings, so a changed host, folder or password restarts its poller. */
function fingerprintOf(mailbox: Mailbox): string {
  return createHash('sha256').update(JSON.stringify(mailbox)).digest('hex');
}

/**
 * A leased poller per email inbox, started as inboxes appear, restarted when an admin changes
 * the inbox's IMAP settings or password, and stopped when the inbox goes away (picked up within
 * `refreshMs` plus the inbox cache's TTL). An inbox whose config is invalid is logged and not
 * polled until it is fixed.
 */
export function startEmailPollers(deps: EmailPollersDeps): EmailPollers {
  const running = new Map<string, { poller: LeasedPoller; fingerprint: string }>();
  const controller = new AbortController();

  const load = async (id: string) => {
    const stored = await deps.inboxes.get(id);
    if (!stored || stored.channel !== 'email') return undefined;
    const config = emailAdapter.configSchema.safeParse(stored.config);
    const secrets = emailAdapter.secretsSchema.safeParse(stored.secrets);
    if (!config.success || !secrets.success) {
      deps.logger.warn({ inboxId: id }, 'email inbox has invalid IMAP settings; not polling it');
      return undefined;
    }
    return { id, channel: 'email' as const, config: config.data, secrets: secrets.data };
  };

  const stop = async (id: string) => {
    const current = running.get(id);
    if (!current) return;
    running.delete(id);
    await current.poller.close();
  };

  const sync = async (id: string) => {
    const inbox = await load(id);
    if (!inbox) return stop(id);
    const mailbox = mailboxOf(inbox);
    const fingerprint = fingerprintOf(mailbox);
    const current = running.get(id);
    if (current?.fingerprint === fingerprint) return;
    if (current) {
      deps.logger.info({ inboxId: id }, 'email inbox settings changed: restarting its poller');
      await stop(id);
    }
    if (controller.signal.aborted) return;
    const accept = async (raw: Buffer) => { await acceptMail(deps, inbox, raw); };
    const poller = startLeasedPoller({ ...deps, accept }, mailbox, {
      pollIntervalMs: deps.pollIntervalMs, idleDelayMs: deps.idleDelayMs, leaseTtlMs: deps.leaseTtlMs, retryMs: deps.retryMs,
    });
    running.set(id, { poller, fingerprint });
  };

  const refresh = async () => {
    const ids = new Set((await listInboxes(deps.pool, { channel: 'email' })).map((i) => i.id));
    for (const id of [...running.keys()]) if (!ids.has(id)) await stop(id);
    for (const id of ids) if (!controller.signal.aborted) await sync(id);
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
    active: () => [...running].filter(([, r]) => r.poller.active()).map(([id]) => id),
    async close() {
      controller.abort();
      await loop;
      await Promise.all([...running.values()].map((r) => r.poller.close()));
    },
  };
}
