import type { Queryable } from '@switchboard/db';

/** How far an inbox's IMAP folder has been processed: every UID up to `lastUid` under `uidValidity`. */
export interface MailboxProgress {
  uidValidity: string;
  lastUid: number;
}

/**
 * Where to resume. A UIDVALIDITY other than the stored one means the server renumbered the
 * folder (RFC 3501 §2.3.1.1): the stored UID says nothing any more, so everything is fetched
 * again and the queue's job ids drop what was already delivered.
 */
export function resumePoint(stored: MailboxProgress | undefined, uidValidity: string): { lastUid: number; resync: boolean } {
  if (!stored) return { lastUid: 0, resync: false };
  if (stored.uidValidity !== uidValidity) return { lastUid: 0, resync: true };
  return { lastUid: stored.lastUid, resync: false };
}

export async function loadProgress(db: Queryable, inboxId: string): Promise<MailboxProgress | undefined> {
  const { rows } = await db.query<{ uid_validity: string; last_uid: string }>(
    'select uid_validity, last_uid from mailbox_progress where inbox_id = $1',
    [inboxId],
  );
  const row = rows[0];
  return row && { uidValidity: row.uid_validity, lastUid: Number(row.last_uid) };
}

/**
 * Records one more processed message. Within one UIDVALIDITY it never moves backwards, so a
 * stale poller that lost its lease cannot rewind the progress of the one that took over.
 */
export async function saveProgress(db: Queryable, inboxId: string, progress: MailboxProgress): Promise<void> {
  await db.query(
    `insert into mailbox_progress(inbox_id, uid_validity, last_uid, updated_at) values ($1, $2, $3, now())
     on conflict (inbox_id) do update set uid_validity = excluded.uid_validity, last_uid = excluded.last_uid, updated_at = now()
     where mailbox_progress.uid_validity <> excluded.uid_validity or mailbox_progress.last_uid < excluded.last_uid`,
    [inboxId, progress.uidValidity, progress.lastUid],
  );
}
