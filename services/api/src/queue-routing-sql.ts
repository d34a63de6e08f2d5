import type { Queryable } from '@switchboard/db';
import { getRow, updateRow, type Table } from './crud-sql.ts';
import type { QueueSettings } from './routing-schemas.ts';

/** A queue's routing settings, members with their rings, and escalation steps. */

export const QUEUE_SETTINGS: Table = {
  name: 'queues',
  columns: {
    name: 'name', strategy: 'strategy', loadMode: 'load_mode', autoAccept: 'auto_accept', offerTimeoutS: 'offer_timeout_s',
    maxOfferAttempts: 'max_offer_attempts', maxMisses: 'max_misses', maxQueueSize: 'max_queue_size', maxWaitS: 'max_wait_s',
    maxWaitAction: 'max_wait_action', overflowQueueId: 'overflow_queue_id', overflowWhenNoAgents: 'overflow_when_no_agents',
    businessHoursId: 'business_hours_id', slaPolicyId: 'sla_policy_id', offlinePolicy: 'offline_policy', offlineGraceS: 'offline_grace_s',
    sticky: 'sticky', stickyWaitS: 'sticky_wait_s', fairnessBurst: 'fairness_burst', releaseOnPending: 'release_on_pending',
    afterHoursMessage: 'after_hours_message', queueFullMessage: 'queue_full_message', abandonedMessage: 'abandoned_message',
  },
};

export interface Step {
  stepNo: number;
  requiredSkills: { skill: string; min: number }[];
  ringMax: number | null;
  timeoutS: number | null;
  skipIfNoAgents: boolean;
}

export type QueueDetail = QueueSettings & {
  id: string;
  createdAt: Date;
  memberIds: string[];
  members: { agentId: string; ring: number }[];
  steps: Step[];
};

export async function getQueueSettings(db: Queryable, id: string, options: { lock?: boolean } = {}): Promise<(QueueSettings & { id: string; createdAt: Date }) | undefined> {
  return getRow(db, QUEUE_SETTINGS, id, options);
}

export async function updateQueueSettings(db: Queryable, id: string, patch: Partial<QueueSettings>): Promise<void> {
  await updateRow(db, QUEUE_SETTINGS, id, patch);
}

export async function getQueueDetail(db: Queryable, id: string): Promise<QueueDetail | undefined> {
  const settings = await getQueueSettings(db, id);
  if (!settings) return undefined;
  const { rows: members } = await db.query<{ agentId: string; ring: number }>(
    `select agent_id as "agentId", ring from queue_members where queue_id = $1 order by ring, agent_id`,
    [id],
  );
  const { rows: steps } = await db.query<Step>(
    `select step_no as "stepNo", required_skills as "requiredSkills", ring_max as "ringMax", timeout_s as "timeoutS", skip_if_no_agents as "skipIfNoAgents"
       from routing_steps where queue_id = $1 order by step_no`,
    [id],
  );
  return { ...settings, members, memberIds: members.map((m) => m.agentId).sort(), steps };
}

/** Replaces the steps: their numbers are their positions, from 1. */
export async function replaceSteps(db: Queryable, queueId: string, steps: Omit<Step, 'stepNo'>[]): Promise<void> {
  await db.query(`delete from routing_steps where queue_id = $1`, [queueId]);
  for (const [i, s] of steps.entries()) {
    await db.query(
      `insert into routing_steps(queue_id, step_no, required_skills, ring_max, timeout_s, skip_if_no_agents) values ($1, $2, $3, $4, $5, $6)`,
      [queueId, i + 1, JSON.stringify(s.requiredSkills), s.ringMax, s.timeoutS, s.skipIfNoAgents],
    );
  }
}

/** Replaces the members and their rings; returns the agents who are no longer members. */
export async function replaceMembers(db: Queryable, queueId: string, members: { agentId: string; ring: number }[]): Promise<string[]> {
  const ids = members.map((m) => m.agentId);
  const { rows: removed } = await db.query<{ agentId: string }>(
    `delete from queue_members where queue_id = $1 and not (agent_id = any($2::uuid[])) returning agent_id as "agentId"`,
    [queueId, ids],
  );
  await db.query(
    `insert into queue_members(queue_id, agent_id, ring) select $1, m.agent_id, m.ring from unnest($2::uuid[], $3::int[]) as m(agent_id, ring)
     on conflict (queue_id, agent_id) do update set ring = excluded.ring`,
    [queueId, ids, members.map((m) => m.ring)],
  );
  return removed.map((r) => r.agentId);
}

/** Skill names among `names` that no skill has. */
export async function unknownSkills(db: Queryable, names: string[]): Promise<string[]> {
  if (!names.length) return [];
  const { rows } = await db.query<{ name: string }>(`select n as name from unnest($1::text[]) as n where not exists (select 1 from skills s where s.name = n)`, [names]);
  return rows.map((r) => r.name);
}


/**
 * Before members leave: locks the conversations their pending offers from this queue are for,
 * in id order, so rescinding them keeps the lock order (conversation rows first, then offers,
 * then agent_load) that dispatch and accept use.
 */
export async function lockOffersOfLeavingMembers(db: Queryable, queueId: string, keepAgentIds: string[]): Promise<void> {
  await db.query(
    `select c.id from conversations c
      where c.id in (select o.conversation_id from offers o
                      where o.queue_id = $1 and o.status = 'pending' and not (o.agent_id = any($2::uuid[])))
      order by c.id for update`,
    [queueId, keepAgentIds],
  );
}
