import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ImapFlow } from 'imapflow';
import { silentLogger } from '@switchboard/log';
import { createRedis } from '@switchboard/queue';
import { createTestDatabase, fixtureText, seedDesk, startDovecot, testRedisUrl, waitFor, type TestDatabase, type TestDovecot } from '@switchboard/testkit';
import { startLeasedPoller } from './leased-poller.ts';
import { pollMailbox, watchMailbox, type Mailbox, type PollerDeps } from './mailbox-poller.ts';
import { loadProgress } from './progress.ts';

const MAILS = ['reply_in_reply_to_references.eml', 'html_only.eml', 'gmail_reply_with_quote.eml'];
const messageId = (raw: Buffer | string) => /^Message-ID:\s*(<[^>]+>)/im.exec(raw.toString())?.[1];

let db: TestDatabase;
let dovecot: TestDovecot;
let imap: ImapFlow;
let mailbox: Mailbox;
const redis = createRedis(testRedisUrl(), 'producer');

function recorder(options: { failOnCall?: number } = {}) {
  const got: { uid: number; messageId: string | undefined }[] = [];
  let calls = 0;
  const deps: PollerDeps = {
    pool: db.pool,
    logger: silentLogger(),
    async accept(raw, uid) {
      if (++calls === options.failOnCall) throw new Error('crash while queueing');
      got.push({ uid, messageId: messageId(raw) });
    },
  };
  return { deps, got };
}

async function deliver(...names: string[]): Promise<number[]> {
  const uids: number[] = [];
  for (const name of names) {
    const result = await imap.append('INBOX', fixtureText(`email/${name}`));
    if (result && result.uid) uids.push(result.uid);
  }
  return uids;
}

const seen = async (uid: number) => {
  const lock = await imap.getMailboxLock('INBOX');
  try {
    const msg = await imap.fetchOne(String(uid), { flags: true }, { uid: true });
    return msg && msg.flags?.has('\\Seen');
  } finally {
    lock.release();
  }
};

beforeAll(async () => {
  [db, dovecot] = await Promise.all([createTestDatabase(), startDovecot()]);
  imap = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false, disableAutoIdle: true });
  await imap.connect();
});
afterAll(async () => {
  await imap.logout().catch(() => {});
  redis.disconnect();
  await Promise.all([db.drop(), dovecot.stop()]);
});
beforeEach(async () => {
  // a fresh inbox per test, and an empty INBOX, so each test sees only its own mail
  const desk = await seedDesk(db.pool, { channel: 'email', config: {}, secrets: {} });
  await imap.mailboxOpen('INBOX');
  await imap.messageDelete('1:*').catch(() => {});
  mailbox = { inboxId: desk.inbox.id, host: dovecot.host, port: dovecot.port, secure: false, user: dovecot.user, password: dovecot.password, processed: { action: 'seen' } };
});

describe('IMAP mailbox poller', () => {
  it('hands over new mail in UID order, saves the last UID and flags it \\Seen', async () => {
    const uids = await deliver(...MAILS);
    const { deps, got } = recorder();
    expect(await pollMailbox(deps, mailbox)).toBe(3);
    expect(got).toEqual([
      { uid: uids[0], messageId: '<473FFE27.20003@xxx.org>' },
      { uid: uids[1], messageId: messageId(fixtureText('email/html_only.eml')) },
      { uid: uids[2], messageId: messageId(fixtureText('email/gmail_reply_with_quote.eml')) },
    ]);
    expect((await loadProgress(db.pool, mailbox.inboxId))?.lastUid).toBe(uids[2]);
    for (const uid of uids) expect(await seen(uid)).toBe(true);
    // nothing new: a second pass hands over nothing
    expect(await pollMailbox(deps, mailbox)).toBe(0);
  });

  it('after a crash mid-batch, a restarted poller fetches the failed and later mails, never the first again', async () => {
    const uids = await deliver(...MAILS);
    const crashing = recorder({ failOnCall: 2 });
    await expect(pollMailbox(crashing.deps, mailbox)).rejects.toThrow('crash while queueing');
    expect(crashing.got.map((m) => m.uid)).toEqual([uids[0]]);
    expect((await loadProgress(db.pool, mailbox.inboxId))?.lastUid).toBe(uids[0]);
    // not queued, so not acknowledged either
    expect(await seen(uids[1]!)).toBe(false);

    const restarted = recorder();
    expect(await pollMailbox(restarted.deps, mailbox)).toBe(2);
    expect(restarted.got.map((m) => m.uid)).toEqual([uids[1], uids[2]]);
  });

  it('moves processed mail to the configured folder when told to', async () => {
    await imap.mailboxCreate('Processed').catch(() => {});
    await deliver(MAILS[0]!);
    const { deps, got } = recorder();
    await pollMailbox(deps, { ...mailbox, processed: { action: 'move', folder: 'Processed' } });
    expect(got).toHaveLength(1);
    // this session still has INBOX selected: NOOP brings in the poller's EXPUNGE
    await imap.noop();
    const inInbox = await imap.status('INBOX', { messages: true });
    const moved = await imap.status('Processed', { messages: true });
    expect(inInbox && inInbox.messages).toBe(0);
    expect(moved && moved.messages).toBe(1);
  });

  it('resyncs from the start when the folder UIDVALIDITY changes', async () => {
    const [uid] = await deliver(MAILS[1]!);
    const first = recorder();
    await pollMailbox(first.deps, mailbox);
    const before = await loadProgress(db.pool, mailbox.inboxId);
    expect(before?.lastUid).toBe(uid);

    await imap.mailboxClose();
    const renumbered = String(Number(before!.uidValidity) + 1000);
    await dovecot.doveadm('mailbox', 'update', '-u', dovecot.user, '--uid-validity', renumbered, 'INBOX');
    await imap.mailboxOpen('INBOX');

    const again = recorder();
    expect(await pollMailbox(again.deps, mailbox)).toBe(1);
    expect(again.got[0]?.messageId).toBe(first.got[0]?.messageId);
    expect(await loadProgress(db.pool, mailbox.inboxId)).toEqual({ uidValidity: renumbered, lastUid: uid });
  });

  it('fetches mail that arrives while watching, through IDLE', async () => {
    await deliver(MAILS[1]!);
    const { deps, got } = recorder();
    const controller = new AbortController();
    // the fallback poll is far away: only the server's EXISTS can trigger the second fetch in time
    const watching = watchMailbox(deps, mailbox, controller.signal, { pollIntervalMs: 600_000, idleDelayMs: 100 });
    try {
      await waitFor(() => got.length === 1, { what: 'the first pass' });
      const [uid] = await deliver(MAILS[0]!);
      await waitFor(() => got.length === 2, { what: 'the new mail to be handed over' });
      expect(got[1]).toEqual({ uid, messageId: '<473FFE27.20003@xxx.org>' });
    } finally {
      controller.abort();
      await watching;
    }
  });

  it('with two replicas, only the one holding the lease fetches', async () => {
    const replicas = [recorder(), recorder()].map((r) => ({
      ...r,
      poller: startLeasedPoller({ ...r.deps, redis }, mailbox, { leaseTtlMs: 3_000, pollIntervalMs: 200, idleDelayMs: 100, retryMs: 200 }),
    }));
    try {
      await waitFor(() => replicas.some((r) => r.poller.active()), { what: 'a replica to take the lease' });
      await deliver(...MAILS);
      await waitFor(() => replicas.reduce((n, r) => n + r.got.length, 0) >= 3, { what: 'three mails to be handed over' });
      expect(replicas.filter((r) => r.poller.active())).toHaveLength(1);
      expect(replicas.map((r) => r.got.length).sort()).toEqual([0, 3]);
    } finally {
      await Promise.all(replicas.map((r) => r.poller.close()));
    }
  });
});
