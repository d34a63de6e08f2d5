import type { FastifyBaseLogger } from 'fastify';
import { ChannelId, outboundQueueFor } from '@switchboard/contracts';
import type { Producer } from '@switchboard/queue';
import { jobIdFor } from '@switchboard/queue';

/**
 * Enqueueing happens after commit and is best effort: the database already holds the truth,
 * and the router's and egress's sweepers re-derive any job lost here. So a Redis outage
 * degrades latency, not correctness, and never fails the request.
 */

export async function requestDispatch(producer: Producer, log: FastifyBaseLogger, queueIds: string[], reason: string): Promise<void> {
  await Promise.all(
    queueIds.map(async (queueId) => {
      try {
        await producer.add('routing', { queueId, reason });
      } catch (error) {
        log.warn({ err: error, queueId, reason }, 'could not enqueue a dispatch; the router sweeper will retry it');
      }
    }),
  );
}

export async function requestDelivery(producer: Producer, log: FastifyBaseLogger, messageId: string, channel: string): Promise<boolean> {
  try {
    const id = ChannelId.parse(channel);
    await producer.add(outboundQueueFor(id), { messageId, channel: id }, { jobId: jobIdFor('out', messageId) });
    return true;
  } catch (error) {
    log.warn({ err: error, messageId, channel }, 'could not enqueue an outbound message; the egress sweeper will send it');
    return false;
  }
}
