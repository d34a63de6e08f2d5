import { ChannelId, outboundQueueFor } from '@switchboard/contracts';
import type { Logger } from '@switchboard/log';
import { jobIdFor, type Producer } from '@switchboard/queue';
import type { AutoReply } from '@switchboard/routing';

type Deps = { producer: Producer; logger: Logger };

/**
 * Hands the auto-replies a routing transaction wrote (after-hours, queue full, abandoned) to
 * egress, after commit. Best effort: a message whose job is lost stays `queued`, and egress's
 * sweeper sends it; the job id is the one egress uses, so both paths send it once.
 */
export async function deliverAutoReplies(deps: Deps, replies: readonly AutoReply[]): Promise<void> {
  for (const reply of replies) await enqueueOutbound(deps, reply, { kind: reply.kind }, 'an auto-reply');
}

/** A survey's next question or comment prompt (see openSurveyFollowUp): enqueued after commit, best effort like an auto-reply. */
export async function deliverSurveyFollowUp(deps: Deps, followUp: { messageId: string; channel: string }): Promise<void> {
  await enqueueOutbound(deps, followUp, {}, 'a survey follow-up');
}

async function enqueueOutbound(deps: Deps, message: { messageId: string; channel: string }, logFields: Record<string, unknown>, what: string): Promise<void> {
  try {
    const channel = ChannelId.parse(message.channel);
    await deps.producer.add(outboundQueueFor(channel), { messageId: message.messageId, channel }, { jobId: jobIdFor('out', message.messageId) });
  } catch (error) {
    deps.logger.warn({ err: error, messageId: message.messageId, ...logFields }, `could not enqueue ${what}; the egress sweeper will send it`);
  }
}
