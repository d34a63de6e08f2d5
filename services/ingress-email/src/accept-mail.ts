import { attachmentContents, autoSubmission, bounceOf, normalizeEmail, parseEmail, type InboxContext } from '@switchboard/channels';
import type { BlobStore } from '@switchboard/blob';
import { markBounced, parkRejected, type Pool } from '@switchboard/db';
import { PayloadError } from '@switchboard/errors';
import type { Logger } from '@switchboard/log';
import { jobIdFor, type Producer } from '@switchboard/queue';
import { webhookCounter, type Registry } from '@switchboard/runtime';
import { storeAttachments } from './store-attachments.ts';
import { resolveThread } from './thread-lookup.ts';

export interface AcceptMailDeps {
  pool: Pool;
  producer: Producer;
  logger: Logger;
  /** Where attachment bytes go; without one, events carry attachment metadata only. */
  blobs?: BlobStore;
  /** Mail is counted in `switchboard_webhooks_total{channel="email"}`: accepted, parked, or unavailable (fetched again). */
  metrics?: Registry;
}

export type MailOutcome =
  | { kind: 'queued'; eventId: string }
  | { kind: 'bounced'; messageId: string }
  | { kind: 'ignored'; reason: string }
  | { kind: 'parked'; reason: string };

/**
 * One raw mail from the mailbox to the inbound queue. Resolves once it is durable (queued,
 * parked, or deliberately dropped) so the poller may acknowledge it; rejects on an outage so the
 * poller fetches it again. Idempotent: the job id is derived from the Message-ID.
 */
export async function acceptMail(deps: AcceptMailDeps, inbox: InboxContext, raw: Buffer): Promise<MailOutcome> {
  const counter = deps.metrics && webhookCounter(deps.metrics);
  try {
    const outcome = await acceptOne(deps, inbox, raw);
    // bounces and machine-written mail were handled as meant: accepted, like a webhook with nothing to queue
    counter?.inc({ channel: 'email', outcome: outcome.kind === 'parked' ? 'parked' : 'accepted' });
    return outcome;
  } catch (error) {
    counter?.inc({ channel: 'email', outcome: 'unavailable' });
    throw error;
  }
}

async function acceptOne(deps: AcceptMailDeps, inbox: InboxContext, raw: Buffer): Promise<MailOutcome> {
  try {
    const parsed = await parseEmail(raw);
    const bounce = bounceOf(parsed);
    if (bounce?.permanent && bounce.originalMessageId) {
      const { rows } = await deps.pool.query<{ id: string }>(
        `select id from messages where inbox_id = $1 and external_id = $2 and direction = 'out'`,
        [inbox.id, bounce.originalMessageId],
      );
      if (rows[0]) {
        const reason = [bounce.status, bounce.diagnostic ?? bounce.action].filter(Boolean).join(' ') || 'bounced';
        await markBounced(deps.pool, rows[0].id, reason);
        deps.logger.info({ inboxId: inbox.id, messageId: rows[0].id, status: bounce.status }, 'reply bounced');
        return { kind: 'bounced', messageId: rows[0].id };
      }
    }
    // loop protection: machine-written mail never opens a conversation, so nothing answers it
    const auto = autoSubmission(parsed);
    if (auto) {
      deps.logger.info({ inboxId: inbox.id, reason: auto, messageId: parsed.messageId }, 'auto-submitted mail ignored');
      return { kind: 'ignored', reason: auto };
    }
    const [event] = normalizeEmail(parsed, raw, inbox, new Date());
    if (!event) return { kind: 'ignored', reason: 'no_sender' };
    const { decision, threadKey } = await resolveThread(deps.pool, inbox.id, parsed);
    // a new conversation is keyed by the mail's own id: an unknown References root alone must
    // not merge mail of different senders
    const attachments = deps.blobs
      ? await storeAttachments(deps.blobs, event.content.attachments, attachmentContents(parsed))
      : event.content.attachments;
    const threaded = {
      ...event,
      content: { ...event.content, attachments },
      thread: { ...event.thread, externalId: threadKey ?? event.externalMessageId },
      raw: { ...(event.raw as object), threading: decision },
    };
    await deps.producer.add('inbound', threaded, { jobId: jobIdFor(inbox.id, event.eventId) });
    return { kind: 'queued', eventId: event.eventId };
  } catch (error) {
    if (!(error instanceof PayloadError)) throw error;
    const id = await parkRejected(deps.pool, { inboxId: inbox.id, channel: 'email', reason: error.message, headers: {}, body: raw });
    deps.logger.warn({ inboxId: inbox.id, rejectedId: id, reason: error.message }, 'mail parked');
    return { kind: 'parked', reason: error.message };
  }
}
