import { Counter, Gauge, type Registry } from 'prom-client';
import { SLA_KINDS } from '@switchboard/routing';
import type { RoutingSnapshot } from './metrics-snapshot.ts';

type Snapshot = () => Promise<RoutingSnapshot | undefined>;

/** Offer outcomes as the events name them (`offer.<outcome>`), reported at 0 until seen. */
const OFFER_OUTCOMES = ['created', 'accepted', 'rejected', 'expired', 'rescinded', 'canceled'] as const;
const TASK_STATES = ['queued', 'offered', 'assigned'] as const;

/**
 * The ROUTING.md 1.7 metrics read from PostgreSQL at scrape time. They describe the whole
 * installation, not one replica: every router reports the same value, so dashboards take
 * `max` across replicas (never `sum`). The `_total` ones are counters: the events they count
 * are only ever appended, and pruned ones stay counted (`countedEventTotals`).
 */
export function registerSnapshotMetrics(registry: Registry, snapshot: Snapshot): void {
  const registers = [registry];
  // Each collector rebuilds its series from the snapshot, so a queue that empties reports 0
  // (not its last value) and a deleted queue disappears.
  const gauge = <L extends string>(name: string, help: string, labelNames: L[], fill: (g: Gauge<L>, s: RoutingSnapshot) => void) =>
    new Gauge<L>({
      name, help, labelNames, registers,
      async collect() {
        const s = await snapshot();
        if (!s) return;
        this.reset();
        fill(this, s);
      },
    });
  const counter = <L extends string>(name: string, help: string, labelNames: L[], fill: (c: Counter<L>, s: RoutingSnapshot) => void) =>
    new Counter<L>({
      name, help, labelNames, registers,
      async collect() {
        const s = await snapshot();
        if (!s) return;
        this.reset();
        fill(this, s);
      },
    });
  const eventCount = (s: RoutingSnapshot, type: string) => s.events.filter((e) => e.type === type);

  const seenPriorities = new Map<string, Set<number>>();
  gauge('switchboard_queue_waiting', 'Conversations waiting in the queue (routing state queued), by priority.', ['queue', 'priority'], (g, s) => {
    const live = new Set(s.queues.map((q) => q.id));
    for (const w of s.waiting) {
      if (!seenPriorities.has(w.queueId)) seenPriorities.set(w.queueId, new Set());
      seenPriorities.get(w.queueId)!.add(w.priority);
    }
    // a priority that drained reports 0 rather than vanishing, so sums by queue stay continuous
    for (const [queueId, priorities] of seenPriorities) {
      if (!live.has(queueId)) seenPriorities.delete(queueId);
      else for (const p of priorities) g.set({ queue: queueId, priority: String(p) }, 0);
    }
    for (const w of s.waiting) g.set({ queue: w.queueId, priority: String(w.priority) }, w.count);
  });
  gauge('switchboard_queue_longest_wait_seconds', 'Real wait (now − enqueued_at, no VIP adjustment) of the oldest waiting conversation; 0 when none waits.', ['queue'], (g, s) => {
    for (const q of s.queues) g.set({ queue: q.id }, s.longestWait.find((w) => w.queueId === q.id)?.seconds ?? 0);
  });
  gauge('switchboard_queue_tasks', 'Open conversations of the queue by routing state.', ['queue', 'state'], (g, s) => {
    for (const q of s.queues) for (const state of TASK_STATES) g.set({ queue: q.id, state }, 0);
    for (const t of s.tasks) g.set({ queue: t.queueId, state: t.state }, t.count);
  });
  gauge('switchboard_agents', 'Queue members online, and online with spare capacity in some pool (available).', ['queue', 'state'], (g, s) => {
    for (const q of s.queues) {
      const a = s.agents.find((r) => r.queueId === q.id);
      g.set({ queue: q.id, state: 'online' }, a?.online ?? 0);
      g.set({ queue: q.id, state: 'available' }, a?.available ?? 0);
    }
  });
  gauge('switchboard_held_by_offline_agent', 'Conversations assigned to an agent who is offline (kept under offline_policy=keep, or in their grace).', ['queue'], (g, s) => {
    for (const q of s.queues) g.set({ queue: q.id }, s.held.find((h) => h.queueId === q.id)?.count ?? 0);
  });
  gauge('switchboard_queue_info', 'Always 1: joins a queue id to its name.', ['queue', 'name'], (g, s) => {
    for (const q of s.queues) g.set({ queue: q.id, name: q.name }, 1);
  });

  counter('switchboard_offers_total', 'Offers by outcome, from the offer.* events (decided by any router or the API).', ['outcome'], (c, s) => {
    for (const outcome of OFFER_OUTCOMES) c.inc({ outcome }, 0);
    for (const e of s.events.filter((x) => x.type.startsWith('offer.'))) c.inc({ outcome: e.type.slice('offer.'.length) }, e.count);
  });
  counter('switchboard_overflow_total', 'Conversations moved to an overflow queue (queue full, no agents, step or max wait).', [], (c, s) => {
    for (const e of eventCount(s, 'conversation.overflowed')) c.inc(e.count);
  });
  counter('switchboard_sla_breaches_total', 'SLA breaches by kind (each recorded once).', ['kind'], (c, s) => {
    for (const kind of SLA_KINDS) c.inc({ kind }, 0);
    for (const e of eventCount(s, 'sla.breached')) c.inc({ kind: e.label ?? 'unknown' }, e.count);
  });
  counter('switchboard_reassignments_total', 'Conversations taken from their agent: transfer, or requeue (agent offline, no room on reclaim).', ['reason'], (c, s) => {
    c.inc({ reason: 'transfer' }, 0);
    for (const e of eventCount(s, 'conversation.transferred')) c.inc({ reason: 'transfer' }, e.count);
    for (const e of eventCount(s, 'conversation.requeued')) c.inc({ reason: e.label ?? 'unknown' }, e.count);
  });
  counter('switchboard_abandoned_total', 'Conversations closed as abandoned after max_wait_s.', [], (c, s) => {
    for (const e of eventCount(s, 'conversation.abandoned')) c.inc(e.count);
  });
}
