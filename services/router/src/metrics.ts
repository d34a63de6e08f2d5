import { performance } from 'node:perf_hooks';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { InboundEvent } from '@switchboard/contracts';
import type { InboundOutcome, Pool } from '@switchboard/db';
import type { Logger } from '@switchboard/log';
import { systemClock, type Clock, type DispatchResult, type LoadDrift } from '@switchboard/routing';
import { observeSurveyAnswer, supportMetrics, type SupportMetrics } from '@switchboard/runtime';
import { registerSnapshotMetrics } from './metrics-gauges.ts';
import { snapshotSource } from './metrics-snapshot.ts';

/**
 * What this router replica observed itself, around the engine calls it makes (the engine
 * stays free of metrics). Counted per replica: dashboards `sum` them across replicas.
 */
export interface RouterMetrics {
  /** The service registry: the workers record their job metrics on it too. */
  registry: Registry;
  dispatchPasses: Counter<'queue'>;
  dispatchConflicts: Counter;
  dispatchPassDuration: Histogram;
  loadDrift: Counter;
  inboundLatency: Histogram<'channel' | 'stage'>;
  /** The live support figures this replica sees: conversations opened, survey answers (runtime/support-metrics.ts). */
  support: SupportMetrics;
}

/** Stages of an inbound message's way: the platform sent it → stored → its conversation first assigned. */
export type InboundStage = 'platform_to_stored' | 'stored_to_assigned';

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

export interface RouterMetricsDeps {
  registry: Registry;
  /** With a pool, the scrape-time metrics read from PostgreSQL are registered too. */
  pool?: Pool;
  /** Read for the queue wait gauges; the system clock in production. */
  clock?: Clock;
  logger: Logger;
  /** Bound on the scrape-time database read; default 2000 ms. */
  snapshotTimeoutMs?: number;
}

/** Registers the router's metrics (ROUTING.md 1.7) on a service registry from `createMetrics`. */
export function createRouterMetrics(deps: RouterMetricsDeps): RouterMetrics {
  const registers = [deps.registry];
  const metrics: RouterMetrics = {
    registry: deps.registry,
    dispatchPasses: new Counter({ name: 'switchboard_dispatch_passes_total', help: 'Dispatch passes run by this router (not counting passes skipped because another router held the queue).', labelNames: ['queue'], registers }),
    dispatchConflicts: new Counter({ name: 'switchboard_dispatch_conflicts_total', help: 'Conversations a pass left for the next one after losing a race (deadlock victim, lock timeout, unique offer).', registers }),
    dispatchPassDuration: new Histogram({
      name: 'switchboard_dispatch_pass_duration_seconds',
      help: 'Wall time of one dispatch pass, from taking the queue to its last commit.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    loadDrift: new Counter({ name: 'switchboard_load_drift_total', help: 'agent_load rows the reconciliation found out of step with conversations and offers, and healed.', registers }),
    inboundLatency: new Histogram({
      name: 'switchboard_inbound_latency_seconds',
      help: 'Inbound latency by stage: platform_to_stored (the platform\'s sent time to stored), stored_to_assigned (queued to first assigned by a router).',
      labelNames: ['channel', 'stage'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    support: supportMetrics(deps.registry),
  };
  if (deps.pool) {
    let failed = 0;
    const snapshot = snapshotSource({
      pool: deps.pool,
      clock: deps.clock ?? systemClock,
      timeoutMs: deps.snapshotTimeoutMs,
      onError(error) {
        failed += 1;
        deps.logger.warn({ err: error }, 'metrics snapshot failed; serving the last good values');
      },
    });
    new Counter({
      name: 'switchboard_metrics_snapshot_failures_total',
      help: 'Scrape-time database reads that failed or timed out (the last good values were served).',
      registers,
      // waits for this scrape's read, so its failure shows in the same scrape
      async collect() {
        await snapshot();
        this.reset();
        this.inc(failed);
      },
    });
    registerSnapshotMetrics(deps.registry, snapshot);
  }
  return metrics;
}

/**
 * Runs one dispatch pass and records it. A pass that found the queue busy in another router
 * did no work and is not counted. Duration is wall time on purpose (performance.now), not the
 * routing clock: it measures this process, and a manual clock would report 0.
 */
export async function timedPass(metrics: RouterMetrics | undefined, queueId: string, pass: () => Promise<DispatchResult>): Promise<DispatchResult> {
  if (!metrics) return pass();
  const started = performance.now();
  const result = await pass();
  if (result.busy) return result;
  metrics.dispatchPassDuration.observe((performance.now() - started) / 1000);
  metrics.dispatchPasses.inc({ queue: queueId });
  if (result.conflicts > 0) metrics.dispatchConflicts.inc(result.conflicts);
  return result;
}

/** Counts the rows a reconciliation healed (the "metric when it had to"). */
export function countDrift(metrics: RouterMetrics | undefined, drift: LoadDrift[]): void {
  if (metrics && drift.length > 0) metrics.loadDrift.inc(drift.length);
}

/**
 * An inbound message stored: seconds since the platform says it was sent (its `sentAt`), on the
 * routing clock. Never negative: a platform's clock may run ahead of ours.
 */
export function observeStored(metrics: RouterMetrics | undefined, event: Pick<InboundEvent, 'channel' | 'sentAt'>, now: Date): void {
  if (!metrics) return;
  const seconds = Math.max(0, (now.getTime() - new Date(event.sentAt).getTime()) / 1000);
  metrics.inboundLatency.observe({ channel: event.channel, stage: 'platform_to_stored' }, seconds);
}

/** An inbound event committed: a conversation it opened, the survey scores it recorded (a button press, a numeric reply). */
export function observeInbound(metrics: RouterMetrics | undefined, event: Pick<InboundEvent, 'channel'>, outcome: InboundOutcome): void {
  if (!metrics) return;
  if (outcome.kind === 'stored' && outcome.conversation === 'created') metrics.support.conversationsOpened.inc({ channel: event.channel });
  if (outcome.kind === 'survey' && outcome.outcome.kind === 'recorded') observeSurveyAnswer(metrics.support, outcome.outcome.channel, outcome.outcome.scores);
}

/**
 * Conversations a dispatch pass assigned for the first time: how long each waited in its queue
 * since its message was stored (the `waitedS` the engine recorded on `conversation.assigned`).
 * Read after the pass committed; a later assignment (after a requeue or a transfer) is not a
 * first one and is left out. Best effort: a failed read is logged, never fails the pass.
 */
export async function observeAssigned(deps: { metrics?: RouterMetrics; pool: Pool; logger: Logger }, result: Pick<DispatchResult, 'assigned'>): Promise<void> {
  if (!deps.metrics || result.assigned.length === 0) return;
  try {
    const { rows } = await deps.pool.query<{ channel: string; waitedS: number }>(
      `select c.channel, (e.payload->>'waitedS')::float8 as "waitedS"
         from conversations c
         join lateral (select payload, count(*) over () as n from events
                        where conversation_id = c.id and type = 'conversation.assigned' order by id desc limit 1) e on true
        where c.id = any($1::uuid[]) and e.n = 1`,
      [result.assigned.map((a) => a.conversationId)],
    );
    for (const r of rows) deps.metrics.inboundLatency.observe({ channel: r.channel, stage: 'stored_to_assigned' }, Math.max(0, r.waitedS ?? 0));
  } catch (error) {
    deps.logger.warn({ err: error }, 'assignment latency not recorded');
  }
}
