import { appendEvent, withTransaction, type Pool, type PoolClient } from '@switchboard/db';
import { loadCandidates } from './candidates.ts';
import { claimUnits } from './capacity.ts';
import type { Clock } from './clock.ts';
import { logDecision } from './decisions.ts';
import { ineligibility, rank, stickyDecision, type Candidate, type SkillRequirement } from './policy.ts';
import { loadQueueConfig, nextStep, stepOf, type QueueConfig } from './queue-config.ts';

export interface DispatchResult {
  /** Another dispatcher holds this queue; the caller should try again shortly. */
  busy: boolean;
  /** Waiting conversations looked at; equal to the batch size means more may be waiting. */
  scanned: number;
  assigned: { conversationId: string; agentId: string }[];
  offered: { conversationId: string; agentId: string; offerId: string; expiresAt: Date }[];
  /** Conversations moved to another queue (overflow), which needs a pass of its own. */
  movedTo: string[];
  /** Step timers to arm after commit: conversation, step and when it times out. */
  stepTimers: { conversationId: string; stepNo: number; dueAt: Date }[];
}

interface Waiting {
  id: string;
  channel: string;
  version: number;
  priority: number;
  enqueuedAt: Date;
  stepNo: number;
  stepStartedAt: Date | null;
  requiredSkills: SkillRequirement[];
  stickyAgentId: string | null;
  offerAttempts: number;
  overflowDepth: number;
}

/** Overflow chains stop here (A→B→C→A stops at depth 3, never loops). */
export const MAX_OVERFLOW_DEPTH = 3;

/**
 * One dispatch pass for one queue. Work in priority-then-age order (age adjusted for VIPs);
 * sticky agent first; candidates ranked by the queue's strategy; each agent gets at most
 * `fairness_burst` new offers per pass, so the first agent online does not absorb the backlog.
 * Safe with several routers: a per-queue advisory lock, SKIP LOCKED rows, capacity claimed by
 * one conditional UPDATE, version-guarded conversation updates, one pending offer per
 * conversation (unique index). Timers are armed by the caller after commit.
 */
export async function dispatchQueue(pool: Pool, queueId: string, options: { clock: Clock; batch?: number }): Promise<DispatchResult> {
  const now = options.clock.now();
  return withTransaction(pool, async (tx) => {
    const result: DispatchResult = { busy: false, scanned: 0, assigned: [], offered: [], movedTo: [], stepTimers: [] };
    const { rows: lock } = await tx.query<{ ok: boolean }>(`select pg_try_advisory_xact_lock(hashtextextended($1, 0)) as ok`, [`dispatch:${queueId}`]);
    if (!lock[0]!.ok) return { ...result, busy: true };
    const queue = await loadQueueConfig(tx, queueId);
    if (!queue || queue.strategy === 'manual') return result;

    const { rows: waiting } = await tx.query<Waiting>(
      `select id, channel, version, priority, enqueued_at as "enqueuedAt", step_no as "stepNo", step_started_at as "stepStartedAt",
              required_skills as "requiredSkills", sticky_agent_id as "stickyAgentId", offer_attempts as "offerAttempts",
              overflow_depth as "overflowDepth"
         from conversations
        where queue_id = $1 and routing_state = 'queued'
        order by priority desc, enqueued_at - make_interval(secs => age_adjust_s) asc, id
        limit $2 for update skip locked`,
      [queueId, options.batch ?? 100],
    );
    result.scanned = waiting.length;
    const offersThisPass = new Map<string, number>();
    for (const conversation of waiting) {
      await routeOne(tx, queue, conversation, now, offersThisPass, result);
    }
    return result;
  });
}

async function routeOne(tx: PoolClient, queue: QueueConfig, c: Waiting, now: Date, offersThisPass: Map<string, number>, result: DispatchResult): Promise<void> {
  const step = stepOf(queue, c.stepNo);
  if (step.timeoutS && !c.stepStartedAt) {
    await tx.query(`update conversations set step_started_at = $2 where id = $1`, [c.id, now]);
    if (nextStep(queue, step.stepNo)) result.stepTimers.push({ conversationId: c.id, stepNo: step.stepNo, dueAt: new Date(now.getTime() + step.timeoutS * 1000) });
  }
  const requirements = { ringMax: step.ringMax, skills: [...c.requiredSkills, ...step.requiredSkills], transfer: false };
  const candidates = await loadCandidates(tx, { queueId: queue.id, conversationId: c.id, channel: c.channel });
  const verdicts = candidates.map((candidate) => {
    const why = ineligibility(candidate, requirements);
    const burst = (offersThisPass.get(candidate.agentId) ?? 0) >= queue.fairnessBurst;
    return { candidate, why: why ?? (burst ? ('fairness' as const) : undefined) };
  });
  const eligible = verdicts.filter((v) => v.why === undefined).map((v) => v.candidate);

  let ordered: Candidate[] = rank(queue.strategy, eligible, { loadMode: queue.loadMode, skills: requirements.skills });
  let stickyNote: string | undefined;
  if (queue.sticky && c.stickyAgentId) {
    const decision = stickyDecision({
      stickyAgentId: c.stickyAgentId,
      candidates,
      eligibleIds: new Set(eligible.map((e) => e.agentId)),
      enqueuedAt: c.enqueuedAt,
      stickyWaitS: queue.stickyWaitS,
      now,
    });
    stickyNote = decision.kind;
    if (decision.kind === 'wait') return;
    if (decision.kind === 'offer') ordered = [eligible.find((e) => e.agentId === decision.agentId)!, ...ordered.filter((e) => e.agentId !== decision.agentId)];
    if (decision.kind === 'drop') await tx.query(`update conversations set sticky_agent_id = null where id = $1`, [c.id]);
  }

  for (const candidate of ordered) {
    const hold = { agentId: candidate.agentId, pool: candidate.pool, cost: candidate.cost };
    if (!(await claimUnits(tx, hold, now, queue.autoAccept))) continue; // filled meanwhile by another queue's pass
    const decision = {
      strategy: queue.strategy,
      step: step.stepNo,
      sticky: stickyNote ?? null,
      chosen: candidate.agentId,
      candidates: verdicts.map((v) => ({ agentId: v.candidate.agentId, eligible: v.why === undefined, reason: v.why ?? null, load: `${v.candidate.active + v.candidate.pendingOffers}/${v.candidate.capacity}`, ring: v.candidate.ring })),
      order: ordered.map((o) => o.agentId),
    };
    if (queue.autoAccept) {
      const { rowCount } = await tx.query(
        `update conversations set routing_state = 'assigned', assignee_id = $2, load_pool = $3, load_cost = $4,
                version = version + 1, updated_at = $5
          where id = $1 and routing_state = 'queued' and version = $6`,
        [c.id, hold.agentId, hold.pool, hold.cost, now, c.version],
      );
      if (!rowCount) throw new Error(`conversation ${c.id} changed under its row lock`);
      await tx.query(`insert into assignments(conversation_id, agent_id, started_at, reason) values ($1, $2, $3, 'dispatch')`, [c.id, hold.agentId, now]);
      await logDecision(tx, c.id, 'assigned', now, decision);
      await appendEvent(tx, { type: 'conversation.assigned', conversationId: c.id, agentId: hold.agentId, payload: { queueId: queue.id, strategy: queue.strategy } });
      result.assigned.push({ conversationId: c.id, agentId: hold.agentId });
    } else {
      const expiresAt = new Date(now.getTime() + queue.offerTimeoutS * 1000);
      const { rows } = await tx.query<{ id: string }>(
        `insert into offers(conversation_id, agent_id, queue_id, load_pool, load_cost, attempt, created_at, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`,
        [c.id, hold.agentId, queue.id, hold.pool, hold.cost, c.offerAttempts + 1, now, expiresAt],
      );
      const offerId = rows[0]!.id;
      const { rowCount } = await tx.query(
        `update conversations set routing_state = 'offered', offer_attempts = offer_attempts + 1, version = version + 1, updated_at = $2
          where id = $1 and routing_state = 'queued' and version = $3`,
        [c.id, now, c.version],
      );
      if (!rowCount) throw new Error(`conversation ${c.id} changed under its row lock`);
      await logDecision(tx, c.id, 'offered', now, { ...decision, offerId });
      await appendEvent(tx, { type: 'offer.created', conversationId: c.id, agentId: hold.agentId, payload: { offerId, expiresAt, queueId: queue.id } });
      result.offered.push({ conversationId: c.id, agentId: hold.agentId, offerId, expiresAt });
    }
    offersThisPass.set(hold.agentId, (offersThisPass.get(hold.agentId) ?? 0) + 1);
    return;
  }
  if (await noCandidate(tx, queue, c, step.stepNo, verdicts.map((v) => v.candidate), now, result)) {
    // the widened step may find someone in this very pass
    await routeOne(tx, queue, c, now, offersThisPass, result);
  }
}

/**
 * Nobody could take it: skip a step nobody can serve (returns true: route again), overflow an
 * unstaffed queue, or leave it waiting for the next trigger.
 */
async function noCandidate(tx: PoolClient, queue: QueueConfig, c: Waiting, stepNo: number, candidates: Candidate[], now: Date, result: DispatchResult): Promise<boolean> {
  const step = stepOf(queue, stepNo);
  const next = nextStep(queue, stepNo);
  const onlineInStep = candidates.some((m) => m.presence === 'online' && (step.ringMax === null || m.ring <= step.ringMax) && [...c.requiredSkills, ...step.requiredSkills].every((s) => (m.skills[s.skill] ?? 0) >= s.min));
  if (step.skipIfNoAgents && next && !onlineInStep) {
    await advanceStep(tx, c.id, next.stepNo, now, 'skip_if_no_agents');
    c.stepNo = next.stepNo;
    c.stepStartedAt = null;
    c.version += 1;
    return true;
  }
  const anyoneOnline = candidates.some((m) => m.presence === 'online');
  if (!anyoneOnline && queue.overflowWhenNoAgents && queue.overflowQueueId && c.overflowDepth < MAX_OVERFLOW_DEPTH) {
    await overflow(tx, c.id, queue.id, queue.overflowQueueId, now, 'no_agents');
    result.movedTo.push(queue.overflowQueueId);
  }
  return false;
}

export async function advanceStep(tx: PoolClient, conversationId: string, stepNo: number, now: Date, reason: string): Promise<void> {
  await tx.query(`update conversations set step_no = $2, step_started_at = $3, offer_attempts = 0, version = version + 1, updated_at = $3 where id = $1`, [conversationId, stepNo, now]);
  await logDecision(tx, conversationId, 'step_advanced', now, { stepNo, reason });
  await appendEvent(tx, { type: 'conversation.step_advanced', conversationId, payload: { stepNo, reason } });
}

/** Moves a waiting conversation to another queue, keeping its place in line (enqueued_at). */
export async function overflow(tx: PoolClient, conversationId: string, from: string, to: string, now: Date, reason: string): Promise<void> {
  await tx.query(
    `update conversations set queue_id = $2, step_no = 1, step_started_at = null, offer_attempts = 0,
            overflow_depth = overflow_depth + 1, version = version + 1, updated_at = $3
      where id = $1`,
    [conversationId, to, now],
  );
  await tx.query(`delete from offer_exclusions where conversation_id = $1`, [conversationId]);
  await logDecision(tx, conversationId, 'overflowed', now, { from, to, reason });
  await appendEvent(tx, { type: 'conversation.overflowed', conversationId, payload: { from, to, reason } });
}
