import { randomBytes } from 'node:crypto';
import { createAgent, createInbox, createSecretBox, withTransaction, type Pool, type SecretBox } from '@switchboard/db';
import {
  acceptOffer, dispatchQueue, manualClock, rejectOffer, resolveConversation, setAgentPresence, sweepTimers,
  type DispatchResult, type SkillRequirement,
} from '@switchboard/routing';
import { createTestDatabase, type TestDatabase } from '@switchboard/testkit';

/**
 * A routing test world on a real database with a manual clock: queues, agents and waiting
 * conversations are written straight to PostgreSQL, and the engine's functions are called
 * as the router would call them. Time moves only with `clock.advance`, so timeouts are
 * tested without sleeping.
 */
export interface QueueOptions {
  strategy?: 'least_load' | 'round_robin' | 'longest_idle' | 'most_skilled' | 'manual';
  loadMode?: 'ratio' | 'absolute';
  autoAccept?: boolean;
  offerTimeoutS?: number;
  maxOfferAttempts?: number;
  maxMisses?: number;
  maxQueueSize?: number;
  maxWaitS?: number;
  maxWaitAction?: 'close' | 'overflow';
  overflowQueueId?: string;
  overflowWhenNoAgents?: boolean;
  offlinePolicy?: 'keep' | 'requeue_after_grace' | 'requeue_if_unanswered';
  offlineGraceS?: number;
  sticky?: boolean;
  stickyWaitS?: number;
  fairnessBurst?: number;
  releaseOnPending?: boolean;
  steps?: { requiredSkills?: SkillRequirement[]; ringMax?: number; timeoutS?: number; skipIfNoAgents?: boolean }[];
}

const COLUMNS: Record<string, string> = {
  strategy: 'strategy', loadMode: 'load_mode', autoAccept: 'auto_accept', offerTimeoutS: 'offer_timeout_s', maxOfferAttempts: 'max_offer_attempts',
  maxMisses: 'max_misses', maxQueueSize: 'max_queue_size', maxWaitS: 'max_wait_s', maxWaitAction: 'max_wait_action', overflowQueueId: 'overflow_queue_id',
  overflowWhenNoAgents: 'overflow_when_no_agents', offlinePolicy: 'offline_policy', offlineGraceS: 'offline_grace_s', sticky: 'sticky',
  stickyWaitS: 'sticky_wait_s', fairnessBurst: 'fairness_burst', releaseOnPending: 'release_on_pending',
};

export interface World {
  db: TestDatabase;
  pool: Pool;
  box: SecretBox;
  clock: ReturnType<typeof manualClock>;
  inboxFor(channel: string): Promise<string>;
  queue(options?: QueueOptions): Promise<string>;
  agent(options: { queues: string[]; capacity?: Record<string, number>; units?: { total: number; costs: Record<string, number> }; skills?: Record<string, number>; ring?: number; status?: 'online' | 'away' | 'transfer_only' | 'offline' }): Promise<string>;
  setStatus(agentId: string, status: 'online' | 'away' | 'transfer_only' | 'offline'): Promise<void>;
  /** A conversation waiting in `queueId`, enqueued now (or `waitedS` ago). */
  waiting(queueId: string, options?: { channel?: string; priority?: number; waitedS?: number; ageAdjustS?: number; stickyAgentId?: string; requiredSkills?: SkillRequirement[] }): Promise<string>;
  dispatch(queueId: string): Promise<DispatchResult>;
  /** Dispatch passes until one changes nothing, as the router runs them. */
  drain(queueId: string): Promise<{ assigned: number; offered: number }>;
  accept(offerId: string, agentId: string): ReturnType<typeof acceptOffer>;
  reject(offerId: string, agentId: string): ReturnType<typeof rejectOffer>;
  resolve(conversationId: string): Promise<{ freedQueueIds: string[] } | undefined>;
  sweep(): Promise<string[]>;
  conversation(id: string): Promise<{ routingState: string; assigneeId: string | null; queueId: string; stepNo: number; priority: number; status: string; stickyAgentId: string | null; closeReason: string | null }>;
  load(agentId: string, pool?: string): Promise<{ active: number; pendingOffers: number; capacity: number }>;
  pendingOffers(filter?: { conversationId?: string; agentId?: string }): Promise<{ id: string; conversationId: string; agentId: string }[]>;
  events(type: string, conversationId?: string): Promise<{ type: string; conversationId: string | null; agentId: string | null; payload: Record<string, unknown> }[]>;
  close(): Promise<void>;
}

export async function createWorld(): Promise<World> {
  const db = await createTestDatabase();
  const pool = db.pool;
  const box = createSecretBox(randomBytes(32));
  const clock = manualClock();
  const inboxes = new Map<string, string>();
  let counter = 0;

  const world: World = {
    db, pool, box, clock,
    async inboxFor(channel) {
      let id = inboxes.get(channel);
      if (!id) {
        id = (await createInbox(pool, box, { channel: channel as never, name: `${channel} inbox`, config: {}, secrets: {}, defaultQueueId: null })).id;
        inboxes.set(channel, id);
      }
      return id;
    },
    async queue(options = {}) {
      const { rows } = await pool.query<{ id: string }>(`insert into queues(name) values ($1) returning id`, [`q-${randomBytes(4).toString('hex')}`]);
      const id = rows[0]!.id;
      for (const [key, value] of Object.entries(options)) {
        if (key === 'steps' || value === undefined) continue;
        await pool.query(`update queues set ${COLUMNS[key]} = $2 where id = $1`, [id, value]);
      }
      for (const [i, step] of (options.steps ?? []).entries()) {
        await pool.query(
          `insert into routing_steps(queue_id, step_no, required_skills, ring_max, timeout_s, skip_if_no_agents) values ($1, $2, $3, $4, $5, $6)`,
          [id, i + 1, JSON.stringify(step.requiredSkills ?? []), step.ringMax ?? null, step.timeoutS ?? null, step.skipIfNoAgents ?? false],
        );
      }
      return id;
    },
    async agent(options) {
      const agent = await createAgent(pool, { name: `agent-${++counter}`, role: 'agent', capacity: options.units ? {} : (options.capacity ?? { webchat: 3 }) });
      if (options.units) {
        await pool.query(`insert into agent_load(agent_id, channel, capacity) values ($1, '*', $2)`, [agent.id, options.units.total]);
        for (const [channel, cost] of Object.entries(options.units.costs)) {
          await pool.query(`insert into agent_channel_costs(agent_id, channel, cost) values ($1, $2, $3)`, [agent.id, channel, cost]);
        }
      }
      for (const [skill, proficiency] of Object.entries(options.skills ?? {})) {
        await pool.query(`insert into skills(name) values ($1) on conflict (name) do nothing`, [skill]);
        await pool.query(`insert into agent_skills(agent_id, skill_id, proficiency) select $1, id, $3 from skills where name = $2`, [agent.id, skill, proficiency]);
      }
      for (const q of options.queues) await pool.query(`insert into queue_members(queue_id, agent_id, ring) values ($1, $2, $3)`, [q, agent.id, options.ring ?? 1]);
      await world.setStatus(agent.id, options.status ?? 'online');
      return agent.id;
    },
    async setStatus(agentId, status) {
      await setAgentPresence(pool, { agentId, status, clock });
    },
    async waiting(queueId, options = {}) {
      const channel = options.channel ?? 'webchat';
      const inboxId = await world.inboxFor(channel);
      const n = ++counter;
      const { rows: [contact] } = await pool.query(`insert into contacts(name) values ($1) returning id`, [`customer ${n}`]);
      await pool.query(`insert into contact_identities(contact_id, inbox_id, channel, external_id) values ($1, $2, $3, $4)`, [contact.id, inboxId, channel, `c${n}`]);
      // each new conversation arrives a millisecond after the previous one: FIFO is well defined
      clock.advance(1);
      const enqueuedAt = new Date(clock.now().getTime() - (options.waitedS ?? 0) * 1000);
      const { rows } = await pool.query<{ id: string }>(
        `insert into conversations(inbox_id, contact_id, channel, thread_key, queue_id, routing_state, priority, enqueued_at, age_adjust_s,
                                   sticky_agent_id, required_skills, created_at, first_inbound_at, last_inbound_at)
         values ($1, $2, $3, $4, $5, 'queued', $6, $7, $8, $9, $10, $7, $7, $7) returning id`,
        [inboxId, contact.id, channel, `c${n}`, queueId, options.priority ?? 0, enqueuedAt, options.ageAdjustS ?? 0, options.stickyAgentId ?? null, JSON.stringify(options.requiredSkills ?? [])],
      );
      return rows[0]!.id;
    },
    dispatch: (queueId) => dispatchQueue(pool, queueId, { clock }),
    async drain(queueId) {
      const total = { assigned: 0, offered: 0 };
      for (;;) {
        const r = await dispatchQueue(pool, queueId, { clock });
        total.assigned += r.assigned.length;
        total.offered += r.offered.length;
        if (r.assigned.length + r.offered.length === 0) return total;
      }
    },
    accept: (offerId, agentId) => acceptOffer(pool, { offerId, agentId, clock }),
    reject: (offerId, agentId) => rejectOffer(pool, { offerId, agentId, clock }),
    resolve: (conversationId) => withTransaction(pool, (tx) => resolveConversation(tx, conversationId, { agentId: null }, clock.now())),
    sweep: () => sweepTimers(pool, clock),
    async conversation(id) {
      const { rows } = await pool.query(
        `select routing_state as "routingState", assignee_id as "assigneeId", queue_id as "queueId", step_no as "stepNo", priority, status,
                sticky_agent_id as "stickyAgentId", close_reason as "closeReason" from conversations where id = $1`,
        [id],
      );
      return rows[0];
    },
    async load(agentId, poolName) {
      const { rows } = await pool.query(
        `select active, pending_offers as "pendingOffers", capacity from agent_load where agent_id = $1 and ($2::text is null or channel = $2) order by channel limit 1`,
        [agentId, poolName ?? null],
      );
      return rows[0];
    },
    async pendingOffers(filter = {}) {
      const { rows } = await pool.query(
        `select id, conversation_id as "conversationId", agent_id as "agentId" from offers
          where status = 'pending' and ($1::uuid is null or conversation_id = $1) and ($2::uuid is null or agent_id = $2) order by created_at, id`,
        [filter.conversationId ?? null, filter.agentId ?? null],
      );
      return rows;
    },
    async events(type, conversationId) {
      const { rows } = await pool.query(
        `select type, conversation_id as "conversationId", agent_id as "agentId", payload from events where type = $1 and ($2::uuid is null or conversation_id = $2) order by id`,
        [type, conversationId ?? null],
      );
      return rows;
    },
    close: () => db.drop(),
  };
  return world;
}
