import type { Queryable } from '@switchboard/db';
import type { LoadMode, SkillRequirement, Strategy } from './policy.ts';

export interface QueueConfig {
  id: string;
  strategy: Strategy;
  loadMode: LoadMode;
  autoAccept: boolean;
  offerTimeoutS: number;
  maxOfferAttempts: number;
  maxMisses: number;
  maxQueueSize: number | null;
  maxWaitS: number | null;
  maxWaitAction: 'close' | 'overflow';
  overflowQueueId: string | null;
  overflowWhenNoAgents: boolean;
  businessHoursId: string | null;
  offlinePolicy: 'keep' | 'requeue_after_grace' | 'requeue_if_unanswered';
  offlineGraceS: number;
  sticky: boolean;
  stickyWaitS: number;
  fairnessBurst: number;
  releaseOnPending: boolean;
  steps: Step[];
}

export interface Step {
  stepNo: number;
  requiredSkills: SkillRequirement[];
  ringMax: number | null;
  timeoutS: number | null;
  skipIfNoAgents: boolean;
}

/** A queue without steps behaves as one step: everyone in the queue, no skills. */
export const OPEN_STEP: Step = { stepNo: 1, requiredSkills: [], ringMax: null, timeoutS: null, skipIfNoAgents: false };

export function stepOf(queue: QueueConfig, stepNo: number): Step {
  return queue.steps.find((s) => s.stepNo === stepNo) ?? queue.steps.at(-1) ?? OPEN_STEP;
}

export function nextStep(queue: QueueConfig, stepNo: number): Step | undefined {
  return queue.steps.find((s) => s.stepNo > stepNo);
}

export async function loadQueueConfig(db: Queryable, queueId: string): Promise<QueueConfig | undefined> {
  const { rows } = await db.query(
    `select q.id, q.strategy, q.load_mode as "loadMode", q.auto_accept as "autoAccept", q.offer_timeout_s as "offerTimeoutS",
            q.max_offer_attempts as "maxOfferAttempts", q.max_misses as "maxMisses", q.max_queue_size as "maxQueueSize",
            q.max_wait_s as "maxWaitS", q.max_wait_action as "maxWaitAction", q.overflow_queue_id as "overflowQueueId",
            q.overflow_when_no_agents as "overflowWhenNoAgents", q.business_hours_id as "businessHoursId",
            q.offline_policy as "offlinePolicy", q.offline_grace_s as "offlineGraceS", q.sticky, q.sticky_wait_s as "stickyWaitS",
            q.fairness_burst as "fairnessBurst", q.release_on_pending as "releaseOnPending",
            coalesce((select jsonb_agg(jsonb_build_object('stepNo', s.step_no, 'requiredSkills', s.required_skills, 'ringMax', s.ring_max,
                                                          'timeoutS', s.timeout_s, 'skipIfNoAgents', s.skip_if_no_agents) order by s.step_no)
                        from routing_steps s where s.queue_id = q.id), '[]') as steps
       from queues q where q.id = $1`,
    [queueId],
  );
  return rows[0] as QueueConfig | undefined;
}
