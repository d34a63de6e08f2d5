import type { Queryable } from './pool.ts';

export interface Queue {
  id: string;
  name: string;
  strategy: string;
  memberIds: string[];
  createdAt: Date;
}

const SELECT_QUEUE = `
  select q.id, q.name, q.strategy, q.created_at as "createdAt",
         coalesce(array(select m.agent_id from queue_members m where m.queue_id = q.id order by m.agent_id), '{}') as "memberIds"
    from queues q`;

export async function createQueue(db: Queryable, input: { name: string; memberIds: string[] }): Promise<Queue> {
  const { rows } = await db.query<{ id: string }>(`insert into queues(name) values ($1) returning id`, [input.name]);
  const id = rows[0]!.id;
  await setQueueMembers(db, id, input.memberIds);
  return (await getQueue(db, id))!;
}

export async function setQueueMembers(db: Queryable, queueId: string, agentIds: string[]): Promise<void> {
  await db.query(`delete from queue_members where queue_id = $1 and not (agent_id = any($2::uuid[]))`, [queueId, agentIds]);
  await db.query(
    `insert into queue_members(queue_id, agent_id) select $1, unnest($2::uuid[]) on conflict do nothing`,
    [queueId, agentIds],
  );
}

export async function getQueue(db: Queryable, id: string): Promise<Queue | undefined> {
  const { rows } = await db.query(`${SELECT_QUEUE} where q.id = $1`, [id]);
  return rows[0] as Queue | undefined;
}

export async function listQueues(db: Queryable): Promise<Queue[]> {
  const { rows } = await db.query(`${SELECT_QUEUE} order by q.created_at, q.id`);
  return rows as Queue[];
}

/** Queues with conversations waiting: what the periodic sweeper re-dispatches. */
export async function queuesWithWaitingWork(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `select distinct queue_id as id from conversations where routing_state = 'queued' and queue_id is not null`,
  );
  return rows.map((r) => r.id);
}
