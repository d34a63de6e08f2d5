import type { Redis } from 'ioredis';
import type { Worker } from 'bullmq';
import type { InboundEvent } from '@switchboard/contracts';
import { queuesWithWaitingWork, recordInbound, withTransaction, type Pool } from '@switchboard/db';
import type { Logger } from '@switchboard/log';
import { runPeriodically } from '@switchboard/runtime';
import { RetryLaterSignal, startWorker, type Producer } from '@switchboard/queue';
import { dispatchQueue } from '@switchboard/routing';

export interface RouterDeps {
  pool: Pool;
  /** Blocking connection for the workers. */
  connection: Redis;
  producer: Producer;
  prefix: string;
  logger: Logger;
  concurrency?: number;
  sweepIntervalMs?: number;
  batch?: number;
}

export interface Router {
  workers: Worker[];
  /** One sweep now: re-dispatch every queue with waiting work. */
  sweep(): Promise<void>;
  close(): Promise<void>;
}

/** Persists one inbound event, then dispatches its queue if the conversation waits for an agent. */
export async function handleInbound(deps: Pick<RouterDeps, 'pool' | 'producer' | 'logger' | 'batch'>, event: InboundEvent): Promise<void> {
  const outcome = await withTransaction(deps.pool, (tx) => recordInbound(tx, event));
  deps.logger.debug({ eventId: event.eventId, outcome }, 'inbound recorded');
  if (outcome.kind === 'stored' && outcome.needsRouting && outcome.queueId) {
    const queueId = outcome.queueId;
    // the message is stored: a failed dispatch must not fail (and redeliver) the inbound job
    await runDispatch(deps, queueId).catch(async (error) => {
      deps.logger.warn({ err: error, queueId }, 'dispatch after inbound failed; handing it to the routing queue');
      await requestDispatch(deps, queueId, 'inbound_retry').catch(() => {});
    });
  }
}

/** Passes coalesce: triggers within this window become one pass that runs after all of them. */
const COALESCE_MS = 200;

/** Asks for a dispatch pass soon; the periodic sweep covers the case where even this fails. */
export async function requestDispatch(deps: Pick<RouterDeps, 'producer'>, queueId: string, reason: string): Promise<void> {
  await deps.producer.add('routing', { queueId, reason }, { delay: COALESCE_MS, coalesce: { id: `dispatch-${queueId}`, ttlMs: COALESCE_MS } });
}

/**
 * Runs dispatch passes until the queue has nothing more to give. If another router holds the
 * queue, a delayed trigger makes sure this change is looked at after that pass.
 */
export async function runDispatch(deps: Pick<RouterDeps, 'pool' | 'producer' | 'logger' | 'batch'>, queueId: string): Promise<void> {
  const batch = deps.batch ?? 100;
  for (;;) {
    const result = await dispatchQueue(deps.pool, queueId, { batch });
    if (result.busy) {
      // another router is mid-pass and may have read the queue before our commit
      await requestDispatch(deps, queueId, 'retry_busy');
      return;
    }
    for (const a of result.assigned) deps.logger.info({ conversationId: a.conversationId, agentId: a.agentId, queueId }, 'conversation assigned');
    if (result.scanned < batch || result.assigned.length === 0) return;
  }
}

export function startRouter(deps: RouterDeps): Router {
  const base = { connection: deps.connection, prefix: deps.prefix, logger: deps.logger, concurrency: deps.concurrency ?? 8 };
  const inbound = startWorker('inbound', (event) => handleInbound(deps, event), base);
  const routing = startWorker(
    'routing',
    async ({ queueId }) => {
      const result = await dispatchQueue(deps.pool, queueId, { batch: deps.batch ?? 100 });
      if (result.busy) throw new RetryLaterSignal(200, 'queue busy in another router');
      if (result.scanned === (deps.batch ?? 100) && result.assigned.length > 0) await runDispatch(deps, queueId);
    },
    base,
  );

  const sweep = async () => {
    for (const queueId of await queuesWithWaitingWork(deps.pool)) await runDispatch(deps, queueId);
  };
  const stopSweeping = runPeriodically('routing sweep', sweep, deps.sweepIntervalMs ?? 30_000, deps.logger);

  return {
    workers: [inbound, routing],
    sweep,
    async close() {
      stopSweeping();
      // Worker.close() waits for in-flight jobs to finish: nothing is cut off mid-transaction.
      await Promise.all([inbound.close(), routing.close()]);
    },
  };
}
