import type { Redis } from 'ioredis';
import type { BlobStore } from '@switchboard/blob';
import { Queue, type Worker } from 'bullmq';
import { ENABLED_CHANNELS, outboundQueueFor, type ChannelId } from '@switchboard/contracts';
import type { MediaFetcher, Sender } from '@switchboard/channels';
import { staleOutbound, type Pool } from '@switchboard/db';
import type { Logger } from '@switchboard/log';
import { runPeriodically } from '@switchboard/runtime';
import { closeQueuesOn, jobIdFor, startWorker, type Producer } from '@switchboard/queue';
import { deliverOutbound } from './deliver.ts';
import { startMediaWorker } from './media.ts';
import type { InboxCache } from '@switchboard/db';
import type { Registry } from '@switchboard/runtime';

export interface EgressDeps {
  pool: Pool;
  connection: Redis;
  producer: Producer;
  prefix: string;
  logger: Logger;
  inboxes: InboxCache;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each channel's sender takes its own config shape
  senders: Partial<Record<string, Sender<any, any>>>;
  /** The files of agents' replies (uploads through the API), and where inbound platform media goes. */
  blobs?: BlobStore;
  /** Per channel: downloads inbound media (WhatsApp media ids, Twilio media URLs); needs `blobs`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each channel's fetcher takes its own config shape
  fetchers?: Partial<Record<string, MediaFetcher<any, any>>>;
  /** Counts sends per inbox for pacing (a plain connection, not a worker's). */
  paceRedis?: Redis;
  concurrency?: number;
  sweepIntervalMs?: number;
  /** Replies still pending this long are re-enqueued by the sweeper. */
  staleAfterMs?: number;
  /** Sends and job runs are recorded here (see metrics.ts and startWorker). */
  metrics?: Registry;
}

/** The queues egress consumes (their depth is on its /metrics): one per enabled channel, and media fetches. */
export const EGRESS_QUEUES = [...ENABLED_CHANNELS.map((channel) => outboundQueueFor(channel)), 'media-fetch'] as const;

export interface Egress {
  workers: Worker[];
  sweep(): Promise<number>;
  close(): Promise<void>;
}

/** One worker per channel queue, so a slow platform never delays another channel's replies. */
export function startEgress(deps: EgressDeps): Egress {
  const workers = ENABLED_CHANNELS.map((channel) =>
    startWorker(outboundQueueFor(channel), (data, job) => deliverOutbound(deps, data, job), {
      connection: deps.connection,
      prefix: deps.prefix,
      logger: deps.logger,
      concurrency: deps.concurrency ?? 8,
      ...(deps.metrics && { metrics: deps.metrics }),
    }),
  );

  // Heals replies whose enqueue was lost after the API committed them (Redis blip, crash), and
  // replies whose job died without recording it (PostgreSQL down through every attempt, a
  // worker killed mid-send twice): that dead job keeps the reply's job id for 14 days, so a
  // plain add would be dropped as a duplicate and the reply, and every later reply of its
  // conversation, would wait that long.
  const queues = new Map(
    ENABLED_CHANNELS.map((channel) => {
      const queue = new Queue(outboundQueueFor(channel), { connection: deps.connection, prefix: deps.prefix });
      queue.on('error', (error) => deps.logger.warn({ err: error }, 'outbound queue error'));
      return [channel as string, queue] as const;
    }),
  );
  const requeue = async (m: { id: string; channel: string }) => {
    const jobId = jobIdFor('out', m.id);
    const job = await queues.get(m.channel)?.getJob(jobId);
    const state = job ? await job.getState() : undefined;
    if (job && (state === 'failed' || state === 'completed')) {
      await job.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
      deps.logger.warn({ messageId: m.id, jobId, state }, 'revived the finished job of a pending reply');
      return;
    }
    const channel = m.channel as ChannelId;
    await deps.producer.add(outboundQueueFor(channel), { messageId: m.id, channel }, { jobId });
  };
  const sweep = async () => {
    const stale = await staleOutbound(deps.pool, deps.staleAfterMs ?? 60_000);
    for (const m of stale) {
      // one reply that cannot be requeued (e.g. its job changed state meanwhile) must not hold up the rest
      await requeue(m).catch((error) => deps.logger.warn({ err: error, messageId: m.id }, 'could not requeue a pending reply'));
    }
    return stale.length;
  };
  const stopSweeping = runPeriodically('outbound sweep', sweep, deps.sweepIntervalMs ?? 30_000, deps.logger);

  const media = deps.blobs
    ? startMediaWorker({ ...deps, blobs: deps.blobs, fetchers: deps.fetchers ?? {}, ...(deps.concurrency && { concurrency: deps.concurrency }) })
    : undefined;

  return {
    workers: media ? [...workers, media] : workers,
    sweep,
    async close() {
      stopSweeping();
      await Promise.all([...workers, ...(media ? [media] : [])].map((w) => w.close()));
      await closeQueuesOn(deps.connection, queues.values());
    },
  };
}
