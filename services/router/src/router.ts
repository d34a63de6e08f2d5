import type { Redis } from 'ioredis';
import type { Worker } from 'bullmq';
import type { InboundEvent } from '@switchboard/contracts';
import { expireSurveys, pruneEvents, queuesWithWaitingWork, recordInbound, withTransaction, type Pool, type SurveyAnswerOutcome } from '@switchboard/db';
import type { Logger } from '@switchboard/log';
import { jobIdFor, RetryLaterSignal, startWorker, type Producer } from '@switchboard/queue';
import { advanceStepIfDue, breachDueSla, dispatchQueue, expireOffer, routeInbound, sweepSla, sweepTimers, systemClock, type AutoReply, type Clock, type DispatchResult } from '@switchboard/routing';
import { applyOfflinePolicies, expireHeartbeats, reconcileLoad, wakeSnoozed } from '@switchboard/routing';
import { runPeriodically } from '@switchboard/runtime';
import { deliverAutoReplies, deliverSurveyFollowUp } from './auto-replies.ts';
import { armSlaTimers } from './sla-timers.ts';
import { DEFAULT_ROLLUP_INTERVAL_MS, rollReports } from './report-rollup.ts';
import { echoToVisitor, type Publish } from './webchat-echo.ts';
import { countDrift, observeAssigned, observeInbound, observeStored, timedPass, type RouterMetrics } from './metrics.ts';

export interface RouterDeps {
  pool: Pool;
  /** Blocking connection for the workers. */
  connection: Redis;
  producer: Producer;
  prefix: string;
  logger: Logger;
  clock?: Clock;
  concurrency?: number;
  sweepIntervalMs?: number;
  batch?: number;
  /** Silence (s) after which a heartbeating agent client is taken offline; default 60. */
  heartbeatGraceS?: number;
  /** How often (ms) agent_load is reconciled from conversations and offers; default 5 minutes. */
  reconcileIntervalMs?: number;
  /** Outbox events are kept this long (hours) for resumable streams and webhooks; default 72. */
  eventRetentionHours?: number;
  /** Dispatch passes, conflicts, healed drift, inbound latency and job runs are recorded here (see metrics.ts). */
  metrics?: RouterMetrics;
  /** Redis PUBLISH: a web-chat visitor's message is echoed to their other open tabs. */
  publish?: Publish;
  /** `DEFAULT_PHONE_REGION`: national phone numbers give a contact's country in this region. */
  defaultPhoneRegion?: string;
  /** How often (ms) the reports' message-volume rollup is brought up to date; default 1 minute. */
  rollupIntervalMs?: number;
}

export interface Router {
  workers: Worker[];
  /** One sweep now: timers re-derived from the database, then every queue with waiting work dispatched. */
  sweep(): Promise<void>;
  /** One reconciliation now: agent_load healed from conversations and offers, freed queues dispatched. */
  reconcile(): Promise<void>;
  close(): Promise<void>;
}

type Deps = Pick<RouterDeps, 'pool' | 'producer' | 'logger' | 'batch' | 'clock' | 'metrics' | 'publish' | 'defaultPhoneRegion'>;

const clockOf = (deps: Deps) => deps.clock ?? systemClock;

/**
 * Persists one inbound event and, in the same transaction, routes it (classification, queue
 * limits, auto-replies, SLA timers, reclaim from pending); after commit, hands auto-replies to
 * egress and dispatches the queues that have work.
 */
export async function handleInbound(deps: Deps, event: InboundEvent): Promise<void> {
  const { outcome, routing } = await withTransaction(deps.pool, async (tx) => {
    const outcome = await recordInbound(tx, event, { defaultPhoneRegion: deps.defaultPhoneRegion });
    if (outcome.kind !== 'stored') return { outcome, routing: undefined };
    const input = { conversationId: outcome.conversationId, messageId: outcome.messageId, conversation: outcome.conversation, event, now: clockOf(deps).now() };
    return { outcome, routing: await routeInbound(tx, input) };
  });
  deps.logger.debug({ eventId: event.eventId, outcome }, 'inbound recorded');
  observeInbound(deps.metrics, event, outcome);
  if (outcome.kind === 'survey') {
    logSurveyAnswer(deps.logger, event, outcome.outcome);
    // the next numeric question, or Telegram's comment prompt: sent like an auto-reply
    if (outcome.followUp) await deliverSurveyFollowUp(deps, outcome.followUp);
  }
  if (outcome.kind === 'stored') {
    observeStored(deps.metrics, event, clockOf(deps).now());
    await echoToVisitor(deps.publish, deps.logger, event, outcome, clockOf(deps).now());
  }
  // also after a duplicate: the first delivery may have stored the message and died before this
  if ((outcome.kind === 'stored' || outcome.kind === 'duplicate') && hasPlatformMedia(event)) {
    const job = { messageId: outcome.messageId, inboxId: event.inboxId, channel: event.channel };
    await deps.producer.add('media-fetch', job, { jobId: jobIdFor('media', outcome.messageId) });
  }
  if (!routing) return;
  await deliverAutoReplies(deps, routing.outbound);
  if (outcome.kind === 'stored') await armSlaTimers({ ...deps, clock: clockOf(deps) }, outcome.conversationId);
  for (const queueId of routing.dispatch) {
    // the message is stored: a failed dispatch must not fail (and redeliver) the inbound job
    await runDispatch(deps, queueId).catch(async (error) => {
      deps.logger.warn({ err: error, queueId }, 'dispatch after inbound failed; handing it to the routing queue');
      await requestDispatch(deps, queueId, 'inbound_retry').catch(() => {});
    });
  }
}

function logSurveyAnswer(logger: Logger, event: InboundEvent, outcome: SurveyAnswerOutcome): void {
  const fields = { eventId: event.eventId, inboxId: event.inboxId, surveyId: event.survey?.surveyId, thread: event.thread.externalId };
  // rejected answers (late, repeated, from another chat, an unknown survey) are stored nowhere: the log is their only trace
  if (outcome.kind === 'rejected') logger.warn({ ...fields, reason: outcome.reason }, 'survey answer rejected');
  else logger.info({ ...fields, conversationId: outcome.conversationId, status: outcome.status }, 'survey answer recorded');
}

/** Attachments known only by a platform handle (a WhatsApp media id, a Twilio media URL): egress fetches them. */
function hasPlatformMedia(event: InboundEvent): boolean {
  return event.content.attachments.some((a) => a.externalId !== undefined && !a.externalId.startsWith('blob:') && a.note === undefined);
}

/** Passes coalesce: triggers within this window become one pass that runs after all of them. */
const COALESCE_MS = 200;

/** Asks for a dispatch pass soon; the periodic sweep covers the case where even this fails. */
export async function requestDispatch(deps: Pick<RouterDeps, 'producer'>, queueId: string, reason: string): Promise<void> {
  await deps.producer.add('routing', { queueId, reason }, { delay: COALESCE_MS, coalesce: { id: `dispatch-${queueId}`, ttlMs: COALESCE_MS } });
}

/**
 * Arms the timers a pass created, after its commit (never inside the transaction). A timer
 * lost here is re-derived by the sweeper from offers.expires_at and step_started_at.
 */
async function armTimers(deps: Deps, result: DispatchResult): Promise<void> {
  const now = clockOf(deps).now().getTime();
  for (const offer of result.offered) {
    await deps.producer.add('routing-timers', { kind: 'offer-timeout', offerId: offer.offerId }, { jobId: jobIdFor('offer', offer.offerId), delay: Math.max(0, offer.expiresAt.getTime() - now) });
  }
  for (const t of result.stepTimers) {
    await deps.producer.add('routing-timers', { kind: 'step-timeout', conversationId: t.conversationId, stepNo: t.stepNo }, { jobId: jobIdFor('step', t.conversationId, String(t.stepNo)), delay: Math.max(0, t.dueAt.getTime() - now) });
  }
}

/**
 * Runs dispatch passes until the queue has nothing more to give. Each pass gives an agent at
 * most `fairness_burst` new conversations, so agents online at the same time share a backlog.
 * If another router holds the queue, a delayed trigger makes sure this change is looked at.
 */
export async function runDispatch(deps: Deps, queueId: string): Promise<void> {
  const batch = deps.batch ?? 100;
  const seen = new Set<string>();
  for (;;) {
    const result = await timedPass(deps.metrics, queueId, () => dispatchQueue(deps.pool, queueId, { batch, clock: clockOf(deps) }));
    if (result.busy) {
      // another router is mid-pass and may have read the queue before our commit
      await requestDispatch(deps, queueId, 'retry_busy');
      return;
    }
    await armTimers(deps, result).catch((error) => deps.logger.warn({ err: error, queueId }, 'could not arm routing timers; the sweeper will'));
    await observeAssigned(deps, result);
    for (const a of result.assigned) deps.logger.info({ conversationId: a.conversationId, agentId: a.agentId, queueId }, 'conversation assigned');
    for (const o of result.offered) deps.logger.info({ conversationId: o.conversationId, agentId: o.agentId, offerId: o.offerId, queueId }, 'conversation offered');
    for (const q of result.movedTo) if (!seen.has(q)) { seen.add(q); await requestDispatch(deps, q, 'overflow'); }
    if (result.assigned.length + result.offered.length === 0) {
      // a conversation that lost its races this pass gets another look soon, not at the next sweep
      if (result.conflicts > 0) await requestDispatch(deps, queueId, 'retry_conflict');
      return;
    }
  }
}

export async function dispatchAll(deps: Deps, queueIds: Iterable<string>): Promise<void> {
  for (const q of new Set(queueIds)) await runDispatch(deps, q);
}

/** The queues the router's workers consume (their depth is on its /metrics). */
export const ROUTER_QUEUES = ['inbound', 'routing', 'routing-timers'] as const;

export function startRouter(deps: RouterDeps): Router {
  const base = { connection: deps.connection, prefix: deps.prefix, logger: deps.logger, concurrency: deps.concurrency ?? 8, ...(deps.metrics && { metrics: deps.metrics.registry }) };
  const clock = clockOf(deps);
  const inbound = startWorker('inbound', (event) => handleInbound(deps, event), base);
  const routing = startWorker(
    'routing',
    async ({ queueId }) => {
      const probe = await timedPass(deps.metrics, queueId, () => dispatchQueue(deps.pool, queueId, { batch: deps.batch ?? 100, clock }));
      if (probe.busy) throw new RetryLaterSignal(COALESCE_MS, 'queue busy in another router');
      await armTimers(deps, probe);
      await observeAssigned(deps, probe);
      if (probe.assigned.length + probe.offered.length > 0 || probe.movedTo.length > 0) {
        for (const q of probe.movedTo) await requestDispatch(deps, q, 'overflow');
        await runDispatch(deps, queueId);
      }
    },
    base,
  );
  const timers = startWorker(
    'routing-timers',
    async (job) => {
      if (job.kind === 'sla-due') {
        await dispatchAll(deps, (await breachDueSla(deps.pool, job.conversationId, clock)).dispatch);
      } else if (job.kind === 'offer-timeout') {
        const follow = await expireOffer(deps.pool, job.offerId, clock);
        await dispatchAll(deps, follow.dispatch);
      } else if (await advanceStepIfDue(deps.pool, job.conversationId, job.stepNo, clock)) {
        const { rows } = await deps.pool.query<{ queueId: string }>(`select queue_id as "queueId" from conversations where id = $1`, [job.conversationId]);
        if (rows[0]) await runDispatch(deps, rows[0].queueId);
      }
    },
    base,
  );

  const sweep = async () => {
    const abandoned = { outbound: [] as AutoReply[] };
    const due = await sweepTimers(deps.pool, clock, abandoned);
    await deliverAutoReplies(deps, abandoned.outbound);
    due.push(...(await sweepSla(deps.pool, clock)).dispatch);
    due.push(...(await expireHeartbeats(deps.pool, clock, deps.heartbeatGraceS)));
    due.push(...(await applyOfflinePolicies(deps.pool, clock)));
    await expireSurveys(deps.pool, clock.now());
    const woken = await wakeSnoozed(deps.pool, clock);
    // their resumed SLA clocks fall due at new times
    for (const id of woken.woken) await armSlaTimers({ ...deps, clock }, id);
    due.push(...woken.dispatch);
    await dispatchAll(deps, [...due, ...(await queuesWithWaitingWork(deps.pool))]);
  };
  const stopSweeping = runPeriodically('routing sweep', sweep, deps.sweepIntervalMs ?? 30_000, deps.logger);
  const reconcile = async () => {
    const { drift, dispatch } = await reconcileLoad(deps.pool, clock);
    countDrift(deps.metrics, drift);
    for (const d of drift) deps.logger.warn(d, 'agent load drifted from its conversations and offers; healed');
    await dispatchAll(deps, dispatch);
  };
  const stopReconciling = runPeriodically('load reconciliation', reconcile, deps.reconcileIntervalMs ?? 300_000, deps.logger);
  const prune = async () => {
    const horizon = new Date(clock.now().getTime() - (deps.eventRetentionHours ?? 72) * 3_600_000);
    const pruned = await pruneEvents(deps.pool, horizon);
    if (pruned > 0) deps.logger.info({ pruned, horizon }, 'old outbox events pruned');
  };
  // every replica may prune: deleting already-deleted rows is a no-op
  const stopPruning = runPeriodically('event pruning', prune, 600_000, deps.logger);
  const stopRollingUp = runPeriodically('report rollup', () => rollReports({ ...deps, clock }), deps.rollupIntervalMs ?? DEFAULT_ROLLUP_INTERVAL_MS, deps.logger);

  return {
    workers: [inbound, routing, timers],
    sweep,
    reconcile,
    async close() {
      stopSweeping();
      stopReconciling();
      stopPruning();
      stopRollingUp();
      // Worker.close() waits for in-flight jobs to finish: nothing is cut off mid-transaction.
      await Promise.all([inbound.close(), routing.close(), timers.close()]);
    },
  };
}
