/**
 * The database side of `pnpm sim`: a throwaway migrated database, one queue with its agents,
 * conversations written as the inbound path would leave them, and the invariant check.
 */
import { randomBytes } from 'node:crypto';
import { createAgent, createPool, ensureDatabase, migrate, type Pool } from '@switchboard/db';
import { setAgentPresence, type Clock, type Strategy } from '@switchboard/routing';
import { withDatabase } from '@switchboard/testkit';

export const DEFAULT_SIM_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface SimDatabase {
  pool: Pool;
  name: string;
  drop(): Promise<void>;
}

/** A fresh `sb_sim_<random>` database with every migration applied; `drop()` removes it. */
export async function createSimDatabase(adminUrl: string): Promise<SimDatabase> {
  const name = `sb_sim_${randomBytes(6).toString('hex')}`;
  const url = withDatabase(adminUrl, name);
  await ensureDatabase(url);
  const drop = async () => {
    const admin = createPool({ connectionString: adminUrl, max: 1, applicationName: 'switchboard-sim' });
    try {
      await admin.query(`drop database if exists ${name} with (force)`);
    } finally {
      await admin.end();
    }
  };
  try {
    await migrate(url);
  } catch (error) {
    await drop();
    throw error;
  }
  return { pool: createPool({ connectionString: url, max: 4, applicationName: 'switchboard-sim' }), name, drop };
}

export interface Desk {
  queueId: string;
  inboxId: string;
  contactId: string;
  agentIds: string[];
}

/** One queue served by `agents` agents, all online, each able to hold `capacity` web chats. */
export async function seedDesk(pool: Pool, clock: Clock, input: { agents: number; capacity: number; strategy: Strategy; autoAccept: boolean }): Promise<Desk> {
  const { rows: q } = await pool.query<{ id: string }>(
    `insert into queues(name, strategy, auto_accept, offer_timeout_s) values ('sim', $1, $2, 3600) returning id`,
    [input.strategy, input.autoAccept],
  );
  const queueId = q[0]!.id;
  const { rows: inbox } = await pool.query<{ id: string }>(`insert into inboxes(channel, name, default_queue_id) values ('webchat', 'sim', $1) returning id`, [queueId]);
  const { rows: contact } = await pool.query<{ id: string }>(`insert into contacts(name) values ('sim customer') returning id`);
  const agentIds: string[] = [];
  for (let i = 1; i <= input.agents; i++) {
    const agent = await createAgent(pool, { name: `sim agent ${i}`, role: 'agent', capacity: { webchat: input.capacity } });
    await pool.query(`insert into queue_members(queue_id, agent_id) values ($1, $2)`, [queueId, agent.id]);
    await setAgentPresence(pool, { agentId: agent.id, status: 'online', clock });
    agentIds.push(agent.id);
  }
  return { queueId, inboxId: inbox[0]!.id, contactId: contact[0]!.id, agentIds };
}

/** A new web chat waiting in the queue, as the inbound path leaves it. */
export async function arrive(pool: Pool, desk: Desk, n: number, at: Date): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `insert into conversations(inbox_id, contact_id, channel, thread_key, queue_id, routing_state, enqueued_at, created_at, first_inbound_at, last_inbound_at)
     values ($1, $2, 'webchat', $3, $4, 'queued', $5, $5, $5, $5) returning id`,
    [desk.inboxId, desk.contactId, `sim-${n}`, desk.queueId, at],
  );
  return rows[0]!.id;
}

/**
 * The invariant the dispatcher must keep: never work waiting while an online member of the
 * queue has room for it. Read from the database, as an operator would see it.
 */
export async function idleWhileWaiting(pool: Pool, queueId: string): Promise<boolean> {
  const { rows } = await pool.query<{ idle: boolean }>(
    `select exists(select 1 from conversations where queue_id = $1 and routing_state = 'queued')
        and exists(select 1 from queue_members m
                     join agent_presence p on p.agent_id = m.agent_id and p.status = 'online'
                     join agent_load l on l.agent_id = m.agent_id and l.channel = 'webchat'
                    where m.queue_id = $1 and l.active + l.pending_offers + 1 <= l.capacity) as idle`,
    [queueId],
  );
  return rows[0]!.idle;
}
