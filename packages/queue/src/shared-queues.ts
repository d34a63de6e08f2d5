import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * Closes queue handles opened on a connection their caller owns and ends itself.
 *
 * On a shared connection a queue's close only detaches its listeners. While Redis is
 * unreachable, BullMQ's readiness check is still pending and fails once the connection ends;
 * on a detached queue that failure is an unhandled error that crashes the process. Such
 * handles are left attached (each has an error listener that absorbs it): they hold nothing of
 * their own, and ending the connection ends them.
 */
export async function closeQueuesOn(connection: Redis, queues: Iterable<Queue>): Promise<void> {
  if (connection.status !== 'ready') return;
  await Promise.all(
    [...queues].map(async (queue) => {
      await queue.waitUntilReady().catch(() => {});
      await queue.close();
    }),
  );
}
