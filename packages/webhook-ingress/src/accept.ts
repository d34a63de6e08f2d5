import { parseJsonLossless, type ChannelAdapter, type InboundRequest, type InboxContext } from '@switchboard/channels';
import { parkRejected, type Pool } from '@switchboard/db';
import { PayloadError } from '@switchboard/errors';
import type { Logger } from '@switchboard/log';
import { jobIdFor, type Producer } from '@switchboard/queue';

export interface AcceptDeps {
  pool: Pool;
  producer: Producer;
  logger: Logger;
}

export type AcceptOutcome = { kind: 'queued'; count: number } | { kind: 'ignored' } | { kind: 'parked'; reason: string };

/** Raw payloads above this are replaced by a marker in the event; the full body is parked or not needed downstream. */
const MAX_RAW_BYTES = 64 * 1024;

/**
 * Takes one verified webhook to the inbound queue. Resolves once every event is durably queued;
 * an enqueue failure rejects so the webhook answers 503 and the platform retries. A payload the
 * adapter cannot read is parked in `inbound_rejected` and acknowledged: retrying would not help.
 */
export async function acceptWebhook(deps: AcceptDeps, adapter: ChannelAdapter, inbox: InboxContext, req: InboundRequest): Promise<AcceptOutcome> {
  let events;
  try {
    const raw = adapter.parse ? adapter.parse(req) : parseJsonLossless(req.rawBody.toString('utf8'));
    events = adapter.normalize(raw, inbox, new Date());
  } catch (error) {
    if (error instanceof PayloadError || error instanceof SyntaxError) return park(deps, inbox, req, error.message);
    throw error;
  }
  if (events.length === 0) return { kind: 'ignored' };
  for (const event of events) {
    const sized = req.rawBody.length > MAX_RAW_BYTES ? { ...event, raw: { truncated: true, bytes: req.rawBody.length } } : event;
    await deps.producer.add('inbound', sized, { jobId: jobIdFor(inbox.id, event.eventId) });
  }
  return { kind: 'queued', count: events.length };
}

async function park(deps: AcceptDeps, inbox: InboxContext, req: InboundRequest, reason: string): Promise<AcceptOutcome> {
  const headers = { 'content-type': req.headers['content-type'] };
  const id = await parkRejected(deps.pool, { inboxId: inbox.id, channel: inbox.channel, reason, headers, body: req.rawBody });
  deps.logger.warn({ inboxId: inbox.id, channel: inbox.channel, rejectedId: id, reason }, 'webhook parked');
  return { kind: 'parked', reason };
}
