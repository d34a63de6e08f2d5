import { ImapFlow } from 'imapflow';
import type { Pool } from '@switchboard/db';
import type { Logger } from '@switchboard/log';
import { loadProgress, resumePoint, saveProgress } from './progress.ts';

/** One email inbox's IMAP account, as the poller needs it (credentials decrypted by the caller). */
export interface Mailbox {
  inboxId: string;
  host: string;
  port: number;
  /** TLS from the first byte (993); false uses STARTTLS when the server offers it. */
  secure: boolean;
  user: string;
  password: string;
  /** The folder new mail arrives in. Default INBOX. */
  folder?: string;
  /** What marks a queued message on the server: the \Seen flag, or a move to another folder. */
  processed: { action: 'seen' } | { action: 'move'; folder: string };
}

export interface PollerDeps {
  pool: Pool;
  logger: Logger;
  /**
   * Takes one raw RFC 5322 message and makes it durable (normalise and enqueue, or park it).
   * Must be idempotent: a message is handed over again after a crash before its UID was saved.
   */
  accept(raw: Buffer, uid: number): Promise<void>;
}

export function createImapClient(mailbox: Mailbox, options: { idleDelayMs?: number } = {}): ImapFlow {
  return new ImapFlow({
    host: mailbox.host,
    port: mailbox.port,
    secure: mailbox.secure,
    auth: { user: mailbox.user, pass: mailbox.password },
    logger: false,
    autoIdleDelay: options.idleDelayMs ?? 15_000,
    // RFC 2177 servers may drop an IDLE after 30 minutes
    maxIdleTime: 25 * 60_000,
  });
}

/**
 * Fetches every message above the saved UID on an open connection, oldest first, one at a time:
 * hand it over, save its UID, then mark it processed on the server. A failure stops the pass
 * with the progress at the last message handed over, so the next pass starts with the failed
 * one: nothing is lost, at most handed over twice. Returns the number of messages handed over.
 */
export async function fetchNewMail(deps: PollerDeps, client: ImapFlow, mailbox: Mailbox): Promise<number> {
  const lock = await client.getMailboxLock(mailbox.folder ?? 'INBOX');
  try {
    if (!client.mailbox) throw new Error(`IMAP folder ${lock.path} is not selected`);
    const uidValidity = String(client.mailbox.uidValidity);
    const { lastUid, resync } = resumePoint(await loadProgress(deps.pool, mailbox.inboxId), uidValidity);
    if (resync) deps.logger.warn({ inboxId: mailbox.inboxId, uidValidity }, 'UIDVALIDITY changed: fetching the folder again from the start');
    // `n:*` always matches the highest UID, even below n (RFC 3501 §6.4.8), hence the filter
    const uids = ((await client.search({ uid: `${lastUid + 1}:*` }, { uid: true })) || [])
      .filter((uid) => uid > lastUid)
      .sort((a, b) => a - b);
    let handed = 0;
    for (const uid of uids) {
      const message = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
      // expunged between SEARCH and FETCH: nothing to hand over, but move past it
      if (message && message.source) {
        await deps.accept(message.source, uid);
        handed++;
      }
      await saveProgress(deps.pool, mailbox.inboxId, { uidValidity, lastUid: uid });
      await markProcessed(deps, client, mailbox, uid);
    }
    return handed;
  } finally {
    lock.release();
  }
}

// Progress is already saved, so a failure here only leaves the mail looking unread in the
// folder; it is logged and never fetched again.
async function markProcessed(deps: PollerDeps, client: ImapFlow, mailbox: Mailbox, uid: number): Promise<void> {
  try {
    if (mailbox.processed.action === 'seen') await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
    else await client.messageMove(String(uid), mailbox.processed.folder, { uid: true });
  } catch (error) {
    deps.logger.warn({ err: error, inboxId: mailbox.inboxId, uid }, 'could not mark a queued mail as processed');
  }
}

/** One pass over a mailbox on its own connection: connect, fetch what is new, log out. */
export async function pollMailbox(deps: PollerDeps, mailbox: Mailbox): Promise<number> {
  const client = createImapClient(mailbox);
  await client.connect();
  try {
    return await fetchNewMail(deps, client, mailbox);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

export interface WatchOptions {
  /** Fallback poll, for servers or proxies whose IDLE never reports new mail. */
  pollIntervalMs?: number;
  /** Inactivity before imapflow enters IDLE. */
  idleDelayMs?: number;
}

/**
 * Keeps one connection open until `signal` aborts: a pass at once, then one whenever IDLE
 * reports a new message count (`exists`) and every `pollIntervalMs`. Passes never overlap; a
 * trigger during a pass runs one more pass after it. Rejects when the connection fails or a
 * pass fails, so the caller reconnects with backoff.
 */
export async function watchMailbox(deps: PollerDeps, mailbox: Mailbox, signal: AbortSignal, options: WatchOptions = {}): Promise<void> {
  if (signal.aborted) return;
  const client = createImapClient(mailbox, { idleDelayMs: options.idleDelayMs });
  await client.connect();
  let running: Promise<void> | undefined;
  let again = false;
  let failure: (error: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => { failure = reject; });
  failed.catch(() => {});

  const pass = (): void => {
    if (running) { again = true; return; }
    running = (async () => {
      do {
        again = false;
        await fetchNewMail(deps, client, mailbox);
      } while (again && !signal.aborted);
    })().then(() => { running = undefined; }, failure);
  };

  const timer = setInterval(pass, options.pollIntervalMs ?? 60_000);
  const stopped = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  client.on('exists', pass);
  client.on('error', failure);
  client.on('close', () => failure(new Error('IMAP connection closed')));
  try {
    pass();
    await Promise.race([stopped, failed]);
  } finally {
    clearInterval(timer);
    client.off('exists', pass);
    await running?.catch(() => {});
    await client.logout().catch(() => client.close());
  }
}
