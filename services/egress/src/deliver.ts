import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BlobStore } from '@switchboard/blob';
import type { Attachment, OutboundJob } from '@switchboard/contracts';
import { getAdapter, type OutboundFile, type Sender } from '@switchboard/channels';
import { claimForSending, loadDelivery, markContactUnreachable, markDeliveryUncertain, markFailed, markRetrying, markSent, type Pool } from '@switchboard/db';
import { AppError, PermanentError, RateLimitedError } from '@switchboard/errors';
import type { Logger } from '@switchboard/log';
import { countInWindow, RetryLaterSignal } from '@switchboard/queue';
import type { InboxCache } from '@switchboard/db';
import type { Registry } from '@switchboard/runtime';
import { timedSend } from './metrics.ts';

export interface DeliverDeps {
  pool: Pool;
  inboxes: InboxCache;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each channel's sender takes its own config shape
  senders: Partial<Record<string, Sender<any, any>>>;
  logger: Logger;
  /** Where the files of agents' replies are; without it a reply with files fails permanently. */
  blobs?: BlobStore;
  /** Counts sends per inbox to pace each account to its platform's published rate (not a worker's blocking connection). */
  paceRedis?: Redis;
  /** Sends are timed and counted here (switchboard_egress_send_duration_seconds, switchboard_egress_sends_total). */
  metrics?: Registry;
}

/** How long a reply waits before checking again whether the one written before it went out. */
const ORDER_WAIT_MS = 250;

/**
 * Delivers one agent reply. The database claim keeps replies of one conversation in the order
 * they were written, across egress replicas; the error's type decides retry or give up.
 * Everything the send needs is read before the claim, so a crash between claim and send is
 * as unlikely as it can be: a reply found still `sending` is taken as possibly sent.
 */
export async function deliverOutbound(deps: DeliverDeps, data: OutboundJob, job: Pick<Job, 'attemptsMade' | 'opts'>): Promise<void> {
  let claim;
  let prepared;
  try {
    prepared = await prepare(deps, data.messageId);
    if (!prepared) return;
    claim = await claimForSending(deps.pool, data.messageId, { resendInterrupted: prepared.resendIsSafe });
  } catch (error) {
    await recordFailure(deps, data, job, error);
    throw error;
  }
  if (claim === 'already_done') return;
  if (claim === 'wait_for_earlier') throw new RetryLaterSignal(ORDER_WAIT_MS, 'an earlier reply in this conversation is still pending');
  if (claim === 'interrupted') {
    await markDeliveryUncertain(deps.pool, data.messageId);
    deps.logger.warn({ messageId: data.messageId, conversationId: prepared.delivery.conversationId }, 'reply not resent: an earlier attempt was interrupted mid-send');
    return;
  }

  const { delivery, inbox, send, config, secrets, sendRatePerSecond } = prepared;
  try {
    await pace(deps, inbox.id, sendRatePerSecond);
    const result = await timedSend(deps.metrics, inbox.channel, job, () =>
      send(
        {
          messageId: delivery.messageId,
          conversationId: delivery.conversationId,
          seq: delivery.seq,
          recipientExternalId: delivery.recipientExternalId,
          threadExternalId: delivery.threadExternalId,
          text: delivery.text,
          files: filesOf(deps.blobs, delivery.attachments),
          template: delivery.template,
          survey: delivery.survey,
        },
        { id: inbox.id, channel: inbox.channel, config, secrets },
      ),
    );
    await markSent(deps.pool, delivery.messageId, result.externalMessageId, result.sentAt);
    deps.logger.info({ messageId: delivery.messageId, conversationId: delivery.conversationId, externalId: result.externalMessageId }, 'reply sent');
  } catch (error) {
    await recordFailure(deps, data, job, error);
    throw error;
  }
}

/** The reply, its inbox and sender, read and checked before claiming it; undefined when it is no longer pending. */
async function prepare(deps: DeliverDeps, messageId: string) {
  const delivery = await loadDelivery(deps.pool, messageId);
  if (!delivery) throw new PermanentError('message_not_found', `outbound message ${messageId} has no deliverable recipient`);
  if (delivery.status !== 'queued' && delivery.status !== 'sending') return undefined;
  const inbox = await deps.inboxes.get(delivery.inboxId);
  if (!inbox) throw new PermanentError('inbox_not_found', `inbox ${delivery.inboxId} no longer exists`);
  const send = deps.senders[delivery.channel];
  if (!send) throw new PermanentError('channel_not_supported', `no sender for channel ${delivery.channel}`);
  const adapter = getAdapter(inbox.channel);
  const config = adapter.configSchema.safeParse(inbox.config);
  const secrets = adapter.secretsSchema.safeParse(inbox.secrets);
  // a broken inbox will not mend itself between retries: an operator must fix it
  if (!config.success || !secrets.success) throw new PermanentError('inbox_misconfigured', `inbox ${inbox.id} has an invalid config or secrets`);
  return {
    delivery,
    inbox,
    send,
    config: config.data,
    secrets: secrets.data,
    sendRatePerSecond: adapter.capabilities.sendRatePerSecond,
    resendIsSafe: adapter.resendIsSafe?.(config.data) ?? false,
  };
}

/**
 * Keeps each sending account under its platform's published rate (WhatsApp 80/s, a Twilio long
 * code 1/s, ...) across every egress replica: over the rate, the job waits for the next second
 * without spending an attempt. Redis unavailable: send anyway, a 429 is still honoured.
 */
export async function pace(deps: Pick<DeliverDeps, 'paceRedis' | 'logger'>, inboxId: string, perSecond: number | undefined, now = Date.now()): Promise<void> {
  if (!perSecond || !deps.paceRedis) return;
  let counted;
  try {
    counted = await countInWindow(deps.paceRedis, `sb-egress-pace:${inboxId}`, 1_000, now);
  } catch (error) {
    deps.logger.warn({ err: error, inboxId }, 'send not paced: Redis unavailable');
    return;
  }
  if (counted.count > perSecond) throw new RateLimitedError('paced', `over ${perSecond} sends/s for this inbox`, Math.max(counted.retryAfterMs, 50));
}

/** A reply's files (`blob:<key>` references, as the API stores uploads), read only by senders that upload them. */
function filesOf(blobs: BlobStore | undefined, attachments: readonly Attachment[]): OutboundFile[] {
  if (attachments.length === 0) return [];
  if (!blobs) throw new PermanentError('attachments_not_configured', 'the reply has files but egress has no blob store');
  return attachments.map((a) => {
    const blobKey = a.externalId?.startsWith('blob:') ? a.externalId.slice('blob:'.length) : '';
    const name = a.fileName ?? 'file';
    return {
      kind: a.kind,
      fileName: name,
      contentType: a.mimeType ?? 'application/octet-stream',
      size: a.size ?? 0,
      blobKey,
      async read() {
        const blob = blobKey ? await blobs.get(blobKey) : undefined;
        if (!blob) throw new PermanentError('attachment_missing', `the file ${name} is not in the blob store`);
        return blob.bytes;
      },
    };
  });
}

async function recordFailure(deps: DeliverDeps, data: OutboundJob, job: Pick<Job, 'attemptsMade' | 'opts'>, error: unknown): Promise<void> {
  const code = error instanceof AppError ? error.code : 'send_failed';
  const message = error instanceof Error ? error.message : String(error);
  // a rate limit delays the job without spending an attempt (see startWorker), so even on the
  // last attempt it is not the end: marking the reply failed here would make the delayed run
  // find it `already_done` and drop it unsent
  const spendsAttempt = !(error instanceof RateLimitedError || error instanceof RetryLaterSignal);
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  if (error instanceof PermanentError || (lastAttempt && spendsAttempt)) {
    await markFailed(deps.pool, data.messageId, error instanceof PermanentError ? code : 'retries_exhausted', message);
    if (code === 'recipient_blocked') {
      const delivery = await loadDelivery(deps.pool, data.messageId);
      if (delivery) await markContactUnreachable(deps.pool, delivery.inboxId, delivery.recipientExternalId);
    }
    deps.logger.warn({ messageId: data.messageId, code }, 'reply failed');
  } else {
    await markRetrying(deps.pool, data.messageId, code, message, { notify: spendsAttempt });
  }
}
