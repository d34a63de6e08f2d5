import type { PoolClient } from '@switchboard/db';
import { loadCandidates } from './candidates.ts';
import { claimAndPlace, type Waiting } from './dispatch-outcome.ts';
import type { DispatchResult } from './dispatcher.ts';
import { advanceStep, MAX_OVERFLOW_DEPTH, overflow } from './escalation.ts';
import { rank, stepStaffed, stickyDecision, verdictOf, type Candidate, type Requirements, type StickyDecision } from './policy.ts';
import { nextStep, stepOf, type QueueConfig } from './queue-config.ts';

/**
 * Routes one locked, waiting conversation inside the caller's transaction: catch up on
 * overdue steps, start the step's clock, then sticky agent first, else the strategy's order,
 * claiming capacity candidate by candidate. With nobody to take it: skip a step nobody can
 * serve (and route again at once), overflow an unstaffed queue, or leave it waiting.
 * `given` counts the new work each agent got earlier in this pass (fairness).
 */
export async function routeOne(tx: PoolClient, queue: QueueConfig, c: Waiting, now: Date, given: ReadonlyMap<string, number>, out: DispatchResult): Promise<void> {
  // each round either places the conversation, stops, or moves it one step on: bounded by the steps
  for (let round = 0; round <= queue.steps.length; round++) {
    await catchUpSteps(tx, queue, c, now);
    const step = stepOf(queue, c.stepNo);
    if (step.timeoutS && !c.stepStartedAt) {
      await tx.query(`update conversations set step_started_at = $2 where id = $1`, [c.id, now]);
      c.stepStartedAt = now;
      if (nextStep(queue, step.stepNo)) out.stepTimers.push({ conversationId: c.id, stepNo: step.stepNo, dueAt: new Date(now.getTime() + step.timeoutS * 1000) });
    }
    const req: Requirements = { ringMax: step.ringMax, skills: [...c.requiredSkills, ...step.requiredSkills], transfer: false };
    const candidates = await loadCandidates(tx, { queueId: queue.id, conversationId: c.id, channel: c.channel });
    const verdicts = candidates.map((candidate) => ({ candidate, why: verdictOf(candidate, req, given.get(candidate.agentId) ?? 0, queue.fairnessBurst) }));
    const eligible = verdicts.filter((v) => v.why === undefined).map((v) => v.candidate);

    let ordered: Candidate[] = rank(queue.strategy, eligible, { loadMode: queue.loadMode, skills: req.skills });
    let sticky: StickyDecision = { kind: 'none' };
    if (queue.sticky && c.stickyAgentId) {
      sticky = stickyDecision({
        stickyAgentId: c.stickyAgentId,
        verdict: verdicts.find((v) => v.candidate.agentId === c.stickyAgentId),
        enqueuedAt: c.enqueuedAt,
        stickyWaitS: queue.stickyWaitS,
        now,
      });
      if (sticky.kind === 'wait') return;
      if (sticky.kind === 'offer') {
        const agentId = sticky.agentId;
        ordered = [...ordered.filter((e) => e.agentId === agentId), ...ordered.filter((e) => e.agentId !== agentId)];
      }
      if (sticky.kind === 'drop') {
        await tx.query(`update conversations set sticky_agent_id = null where id = $1`, [c.id]);
        c.stickyAgentId = null;
      }
    }

    const why = {
      strategy: queue.strategy,
      step: step.stepNo,
      sticky: sticky.kind,
      candidates: verdicts.map((v) => ({ agentId: v.candidate.agentId, eligible: v.why === undefined, reason: v.why ?? null, load: `${v.candidate.active + v.candidate.pendingOffers}/${v.candidate.capacity}`, ring: v.candidate.ring })),
      order: ordered.map((o) => o.agentId),
    };
    for (const candidate of ordered) {
      const hold = { agentId: candidate.agentId, pool: candidate.pool, cost: candidate.cost };
      if (await claimAndPlace(tx, queue, c, hold, now, { ...why, chosen: candidate.agentId }, out)) return;
    }
    if (!(await noCandidate(tx, queue, c, candidates, req, now, out))) return;
  }
}

function movedToStep(c: Waiting, stepNo: number): void {
  c.stepNo = stepNo;
  c.stepStartedAt = null;
  c.offerAttempts = 0;
  c.version += 1;
}

/** A step whose timeout passed (its timer lost or not yet fired) is left before routing. */
async function catchUpSteps(tx: PoolClient, queue: QueueConfig, c: Waiting, now: Date): Promise<void> {
  for (;;) {
    const step = stepOf(queue, c.stepNo);
    const next = nextStep(queue, step.stepNo);
    if (!next || !step.timeoutS || !c.stepStartedAt || c.stepStartedAt.getTime() + step.timeoutS * 1000 > now.getTime()) return;
    await advanceStep(tx, c.id, next.stepNo, now, 'step_timeout');
    movedToStep(c, next.stepNo);
  }
}

/** Returns true when the conversation moved to a wider step and should be routed again now. */
async function noCandidate(tx: PoolClient, queue: QueueConfig, c: Waiting, candidates: Candidate[], req: Requirements, now: Date, out: DispatchResult): Promise<boolean> {
  const step = stepOf(queue, c.stepNo);
  const next = nextStep(queue, step.stepNo);
  if (step.skipIfNoAgents && next && !stepStaffed(candidates, req)) {
    await advanceStep(tx, c.id, next.stepNo, now, 'skip_if_no_agents');
    movedToStep(c, next.stepNo);
    return true;
  }
  const anyoneOnline = candidates.some((m) => m.presence === 'online');
  const target = queue.overflowQueueId;
  if (!anyoneOnline && queue.overflowWhenNoAgents && target && target !== queue.id && c.overflowDepth < MAX_OVERFLOW_DEPTH) {
    await overflow(tx, c.id, queue.id, target, now, 'no_agents');
    out.movedTo.push(target);
  }
  return false;
}
