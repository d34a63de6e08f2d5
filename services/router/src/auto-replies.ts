import { ChannelId, outboundQueueFor } from '@switchboard/contracts';
import type { Logger } from '@switchboard/log';
import { jobIdFor, type Producer } from '@switchboard/queue';
import type { AutoReply } from '@switchboard/routing';

/**
 * Hands the auto-replies a routing transaction wrote (after-hours, queue full, abandoned) to
 * egress, after commit. Best effort: a message whose job is lost stays `queued`, and egress's
 * sweeper sends it; the job id is the one egress uses, so both paths send it once.
 */
export async function deliverAutoReplies(deps: { producer: Producer; logger: Logger }, replies: readonly AutoReply[]): Promise<void> {
  for (const reply of replies) {
    try {
      const channel = ChannelId.parse(reply.channel);
      await deps.producer.add(outboundQueueFor(channel), { messageId: reply.messageId, channel }, { jobId: jobIdFor('out', reply.messageId) });
    } catch (error) {
      deps.logger.warn({ err: error, messageId: reply.messageId, kind: reply.kind }, 'could not enqueue an auto-reply; the egress sweeper will send it');
    }
  }
}
