import { callbackQueryIdOf, isBotBlockedUpdate, parseJsonLossless, telegramAdapter, telegramClient, type InboxContext } from '@switchboard/channels';
import { markContactUnreachable, parkRejected, type Pool } from '@switchboard/db';
import { PayloadError } from '@switchboard/errors';
import type { Logger } from '@switchboard/log';
import { jobIdFor, type Producer } from '@switchboard/queue';

export interface AcceptDeps {
  pool: Pool;
  producer: Producer;
  logger: Logger;
  /** Bot API root for answering callback queries (default https://api.telegram.org); tests aim it at the fake. */
  apiRoot?: string;
}

export type AcceptOutcome = { kind: 'queued'; count: number } | { kind: 'ignored' } | { kind: 'parked'; reason: string };

/** Raw payloads above this are replaced by a marker in the event; the full body is not needed downstream. */
const MAX_RAW_BYTES = 64 * 1024;

/**
 * Takes one authenticated Telegram update (from the webhook or from polling) to the inbound
 * queue. Resolves only once every event is durably queued; an enqueue failure rejects with a
 * RetryableError so the webhook answers 503 (Telegram retries) or the poller keeps its offset.
 */
export async function acceptUpdate(deps: AcceptDeps, inbox: InboxContext, body: Buffer, headers: Record<string, unknown> = {}): Promise<AcceptOutcome> {
  let raw: unknown;
  try {
    raw = parseJsonLossless(body.toString('utf8'));
  } catch (error) {
    return park(deps, inbox, body, headers, `invalid JSON: ${(error as Error).message}`);
  }
  let events;
  try {
    events = telegramAdapter.normalize(raw, inbox as never, new Date());
  } catch (error) {
    if (error instanceof PayloadError) return park(deps, inbox, body, headers, error.message);
    throw error;
  }

  const blockedBy = isBotBlockedUpdate(raw);
  if (blockedBy) await markContactUnreachable(deps.pool, inbox.id, blockedBy);
  for (const event of events) {
    const sized = body.length > MAX_RAW_BYTES ? { ...event, raw: { truncated: true, bytes: body.length } } : event;
    await deps.producer.add('inbound', sized, { jobId: jobIdFor(inbox.id, event.eventId) });
  }
  const callbackQueryId = callbackQueryIdOf(raw);
  if (callbackQueryId) await answerCallbackQuery(deps, inbox, callbackQueryId);
  return events.length === 0 ? { kind: 'ignored' } : { kind: 'queued', count: events.length };
}

/**
 * Stops the client's spinner on the pressed button, once the press is queued (whether the
 * router then accepts it is not known yet, so the answer says nothing about it). Best effort:
 * unanswered, the spinner stops by itself after a while; failing the update would redeliver it.
 */
async function answerCallbackQuery(deps: AcceptDeps, inbox: InboxContext, id: string): Promise<void> {
  try {
    await telegramClient(inbox, { ...(deps.apiRoot && { apiRoot: deps.apiRoot }), timeoutMs: 5_000 }).answerCbQuery(id, 'Thank you!');
  } catch (error) {
    deps.logger.warn({ err: error, inboxId: inbox.id }, 'could not answer a Telegram callback query');
  }
}

async function park(deps: AcceptDeps, inbox: InboxContext, body: Buffer, headers: Record<string, unknown>, reason: string): Promise<AcceptOutcome> {
  const id = await parkRejected(deps.pool, { inboxId: inbox.id, channel: 'telegram', reason, headers, body });
  deps.logger.warn({ inboxId: inbox.id, rejectedId: id, reason }, 'telegram update parked');
  return { kind: 'parked', reason };
}
