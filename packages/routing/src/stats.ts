import type { Queryable } from '@switchboard/db';
import type { Clock } from './clock.ts';

export const OFFER_OUTCOMES = ['pending', 'accepted', 'rejected', 'expired', 'rescinded', 'canceled'] as const;
export type OfferOutcome = (typeof OFFER_OUTCOMES)[number];

/** A queue's live picture (ROUTING.md 1.7; `GET /queues/:id/stats`, Prometheus gauges). */
export interface QueueStats {
  queueId: string;
  at: Date;
  /** Conversations waiting (`queued`), per priority, highest first. */
  waiting: { total: number; byPriority: { priority: number; count: number }[] };
  /** The real wait (now − enqueued_at, no VIP adjustment) of the longest-waiting conversation. */
  longestWait: { seconds: number; conversationId: string } | null;
  /** Open conversations of the queue by routing state; the three sum to `openTotal`. */
  tasksByState: { queued: number; offered: number; assigned: number };
  openTotal: number;
  agents: { members: number; online: number; availableWithCapacity: number };
  /** Offers made from this queue, by outcome (`offers_total{outcome}`). */
  offers: Record<OfferOutcome, number>;
}

export async function queueStats(db: Queryable, queueId: string, clock: Clock): Promise<QueueStats> {
  const now = clock.now();
  const [byPriority, longest, states, agents, offers] = await Promise.all([
    db.query<{ priority: number; count: number }>(
      `select priority, count(*)::int as count from conversations where queue_id = $1 and routing_state = 'queued' group by priority order by priority desc`,
      [queueId],
    ),
    db.query<{ conversationId: string; seconds: number }>(
      `select id as "conversationId", greatest(extract(epoch from $2::timestamptz - enqueued_at), 0)::float8 as seconds
         from conversations where queue_id = $1 and routing_state = 'queued' order by enqueued_at, id limit 1`,
      [queueId, now],
    ),
    db.query<{ state: string; count: number }>(
      `select routing_state as state, count(*)::int as count from conversations where queue_id = $1 and status <> 'resolved' group by routing_state`,
      [queueId],
    ),
    db.query<{ members: number; online: number; available: number }>(
      `select count(*)::int as members, count(*) filter (where p.status = 'online')::int as online,
              count(*) filter (where p.status = 'online' and exists(
                select 1 from agent_load l where l.agent_id = m.agent_id and l.active + l.pending_offers < l.capacity))::int as available
         from queue_members m left join agent_presence p on p.agent_id = m.agent_id where m.queue_id = $1`,
      [queueId],
    ),
    db.query<{ status: OfferOutcome; count: number }>(`select status, count(*)::int as count from offers where queue_id = $1 group by status`, [queueId]),
  ]);
  const state = (s: string) => states.rows.find((r) => r.state === s)?.count ?? 0;
  const offerCounts = Object.fromEntries(OFFER_OUTCOMES.map((o) => [o, offers.rows.find((r) => r.status === o)?.count ?? 0])) as Record<OfferOutcome, number>;
  const a = agents.rows[0]!;
  return {
    queueId,
    at: now,
    waiting: { total: byPriority.rows.reduce((sum, r) => sum + r.count, 0), byPriority: byPriority.rows },
    longestWait: longest.rows[0] ?? null,
    tasksByState: { queued: state('queued'), offered: state('offered'), assigned: state('assigned') },
    openTotal: states.rows.reduce((sum, r) => sum + r.count, 0),
    agents: { members: a.members, online: a.online, availableWithCapacity: a.available },
    offers: offerCounts,
  };
}
