import type { Redis } from 'ioredis';
import type { Worker } from 'bullmq';
import { ENABLED_CHANNELS, outboundQueueFor } from '@switchboard/contracts';
import type { Sender } from '@switchboard/channels';
import { staleOutbound, type Pool } from '@switchboard/db';
import type { Logger } from '@switchboard/log';
import { jobIdFor, startWorker, type Producer } from '@switchboard/queue';
import { deliverOutbound } from './deliver.ts';
import type { InboxCache } from '@switchboard/db';

export interface EgressDeps {
  pool: Pool;
  connection: Redis;
  producer: Producer;
  prefix: string;
  logger: Logger;
  inboxes: InboxCache;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each channel's sender takes its own config shape
  senders: Partial<Record<string, Sender<any, any>>>;
  concurrency?: number;
  sweepIntervalMs?: number;
  /** Replies still pending this long are re-enqueued by the sweeper. */
  staleAfterMs?: number;
}

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
    }),
  );

  // Heals replies whose enqueue was lost after the API committed them (Redis blip, crash).
  const sweep = async () => {
    const stale = await staleOutbound(deps.pool, deps.staleAfterMs ?? 60_000);
    for (const m of stale) {
      await deps.producer.add(outboundQueueFor(m.channel as never), { messageId: m.id, channel: m.channel as never }, { jobId: jobIdFor('out', m.id) });
    }
    return stale.length;
  };
  const timer = setInterval(() => {
    sweep().catch((error) => deps.logger.warn({ err: error }, 'outbound sweep failed'));
  }, deps.sweepIntervalMs ?? 30_000);
  timer.unref();

  return {
    workers,
    sweep,
    async close() {
      clearInterval(timer);
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
