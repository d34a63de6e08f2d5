import type { PhaseOptions } from './deliveries.ts';
import type { EgressResult } from './egress.ts';
import type { FloorParts } from './floor-parts.ts';
import type { FloorResult } from './floor.ts';
import { changePercent, formatGoals, judgeGoals, type Goal, type GoalInputs } from './goals.ts';
import type { MachineInfo } from './setup.ts';
import type { SoakResult } from './soak.ts';
import type { SwitchboardResult } from './switchboard.ts';

export interface BenchResult {
  machine: MachineInfo;
  options: PhaseOptions;
  parts: FloorParts;
  floor: FloorResult;
  switchboard: SwitchboardResult;
  egress: EgressResult;
  soak: SoakResult;
}

/** One line of the table: Switchboard's figure beside its floor's. */
export interface Row {
  label: string;
  switchboard: number | undefined;
  floor: number | undefined;
  unit: 'ms' | '/s';
}

export const fmt = (v: number | undefined, unit: Row['unit']): string => {
  if (v === undefined || Number.isNaN(v)) return '—';
  if (unit === '/s') return v.toFixed(0);
  return v < 10 ? v.toFixed(2) : v.toFixed(1);
};

/** switchboard ÷ floor, or — when either is missing. */
export const ratio = (r: Row): string => (r.switchboard === undefined || r.floor === undefined || !(r.floor > 0) ? '—' : `${(r.switchboard / r.floor).toFixed(2)}×`);

export function formatRows(rows: readonly Row[]): string[] {
  const w = Math.max(...rows.map((r) => r.label.length + 8)) + 2;
  const line = (a: string, b: string, c: string, d: string) => `${a.padEnd(w)}${b.padStart(12)}${c.padStart(10)}${d.padStart(9)}`;
  return [line('  metric', 'switchboard', 'floor', 'ratio'), ...rows.map((r) => line(`  ${r.label} (${r.unit === 'ms' ? 'ms' : 'msg/s'})`, fmt(r.switchboard, r.unit), fmt(r.floor, r.unit), ratio(r)))];
}

export function floorRows(parts: FloorParts, floor: FloorResult): Row[] {
  const rows: Row[] = [];
  for (const a of parts.fastifyAck) {
    rows.push({ label: `bare fastify POST ack p50 at ${a.rate}/s`, switchboard: undefined, floor: a.ack.p50, unit: 'ms' });
    rows.push({ label: `bare fastify POST ack p99 at ${a.rate}/s`, switchboard: undefined, floor: a.ack.p99, unit: 'ms' });
  }
  rows.push({ label: `bare BullMQ add (${parts.queue.jobs} jobs)`, switchboard: undefined, floor: parts.queue.addPerSecond, unit: '/s' });
  rows.push({ label: 'bare BullMQ add → processed', switchboard: undefined, floor: parts.queue.processPerSecond, unit: '/s' });
  rows.push({ label: `bare INSERT (${parts.insert.rows} message-sized rows)`, switchboard: undefined, floor: parts.insert.perSecond, unit: '/s' });
  rows.push({ label: 'bare pipeline webhook → stored, burst', switchboard: undefined, floor: floor.burst.storedPerSecond, unit: '/s' });
  if (floor.paced) {
    rows.push({ label: `bare pipeline webhook → stored p50 at ${floor.paced.rate}/s`, switchboard: undefined, floor: floor.paced.stored.p50, unit: 'ms' });
    rows.push({ label: `bare pipeline webhook → stored p99 at ${floor.paced.rate}/s`, switchboard: undefined, floor: floor.paced.stored.p99, unit: 'ms' });
  }
  return rows;
}

export function switchboardRows(r: BenchResult): Row[] {
  const { switchboard: sb, floor, parts, egress } = r;
  const rows: Row[] = [];
  for (const p of r.soak.ack) {
    const bare = parts.fastifyAck.find((a) => a.rate === p.rate)?.ack;
    rows.push({ label: `webhook ack p50 at ${p.rate}/s, ingress own process`, switchboard: p.ack.p50, floor: bare?.p50, unit: 'ms' });
    rows.push({ label: `webhook ack p99 at ${p.rate}/s, ingress own process`, switchboard: p.ack.p99, floor: bare?.p99, unit: 'ms' });
  }
  for (const p of sb.paced) {
    const bare = parts.fastifyAck.find((a) => a.rate === p.rate)?.ack;
    rows.push({ label: `webhook ack p50 at ${p.rate}/s, one-process stack`, switchboard: p.ack.p50, floor: bare?.p50, unit: 'ms' });
    rows.push({ label: `webhook ack p99 at ${p.rate}/s, one-process stack`, switchboard: p.ack.p99, floor: bare?.p99, unit: 'ms' });
  }
  rows.push({ label: 'inbound webhook → stored+assigned, burst', switchboard: sb.burst.readyPerSecond, floor: floor.burst.storedPerSecond, unit: '/s' });
  rows.push({ label: 'inbound webhook → stored, burst', switchboard: sb.burst.storedPerSecond, floor: floor.burst.storedPerSecond, unit: '/s' });
  for (const p of sb.paced) {
    const bare = floor.paced?.rate === p.rate ? floor.paced : undefined;
    rows.push({ label: `stored at ${p.rate}/s offered`, switchboard: p.storedPerSecond, floor: bare?.storedPerSecond, unit: '/s' });
    rows.push({ label: `webhook → stored+assigned p50 at ${p.rate}/s`, switchboard: p.ready.p50, floor: bare?.stored.p50, unit: 'ms' });
    rows.push({ label: `webhook → stored+assigned p99 at ${p.rate}/s`, switchboard: p.ready.p99, floor: bare?.stored.p99, unit: 'ms' });
    rows.push({ label: `stored → assigned p50 at ${p.rate}/s`, switchboard: p.storedToAssigned.p50, floor: undefined, unit: 'ms' });
    rows.push({ label: `stored → assigned p99 at ${p.rate}/s`, switchboard: p.storedToAssigned.p99, floor: undefined, unit: 'ms' });
  }
  rows.push({ label: `egress replies sent (${egress.replies} over ${egress.bots} bots)`, switchboard: egress.switchboardPerSecond, floor: egress.floorPerSecond, unit: '/s' });
  return rows;
}

export function memoryLines(soak: SoakResult): string[] {
  const services = Object.keys(soak.boot) as (keyof SoakResult['boot'])[];
  const w = Math.max(...services.map((s) => s.length)) + 4;
  const line = (a: string, b: string, c: string, d: string, e: string) => `${a.padEnd(w)}${b.padStart(10)}${c.padStart(16)}${d.padStart(16)}${e.padStart(10)}`;
  return [
    line('  service', 'idle MiB', `~${soak.start.atS.toFixed(0)} s MiB`, `~${soak.end.atS.toFixed(0)} s MiB`, 'change'),
    ...services.map((s) => {
      const c = changePercent(soak.start.rssMiB[s], soak.end.rssMiB[s]);
      return line(`  ${s}`, soak.boot[s].toFixed(0), soak.start.rssMiB[s].toFixed(0), soak.end.rssMiB[s].toFixed(0), `${c >= 0 ? '+' : ''}${c.toFixed(1)}%`);
    }),
  ];
}

export function goalInputs(r: BenchResult): GoalInputs {
  return {
    inbound: { switchboardPerSecond: r.switchboard.burst.readyPerSecond, floorPerSecond: r.floor.burst.storedPerSecond },
    paced: r.switchboard.paced.map((p) => ({ rate: p.rate, ackP99: p.ack.p99, storedToAssignedP99: p.storedToAssigned.p99, storedPerSecond: p.storedPerSecond })),
    processAck: r.soak.ack.map((a) => ({ rate: a.rate, p99: a.ack.p99 })),
    egress: { switchboardPerSecond: r.egress.switchboardPerSecond, floorPerSecond: r.egress.floorPerSecond },
    rss: {
      minutes: r.soak.minutes,
      changePercent: Object.fromEntries(Object.keys(r.soak.boot).map((s) => [s, changePercent(r.soak.start.rssMiB[s as 'api'], r.soak.end.rssMiB[s as 'api'])])),
    },
  };
}

/** The whole report as lines: machine, floor, Switchboard beside it, memory, goals. */
export function reportLines(r: BenchResult): { lines: string[]; goals: Goal[] } {
  const { machine: m, options: o, soak } = r;
  const goals = judgeGoals(goalInputs(r));
  const lines = [
    '',
    `machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, PostgreSQL ${m.postgres}, Redis ${m.redis}, load ${m.loadAverage.toFixed(2)} at start`,
    `inbound: ${o.warmup}-message warm-up, a burst of ${o.messages} (≤ ${o.concurrency} POSTs in flight), then open loop at ${o.rates.join(', ')} msg/s for ${o.rateSeconds} s each; up to ${o.customers} new customers per pass`,
    '',
    'Floor: the same work without Switchboard',
    ...formatRows(floorRows(r.parts, r.floor)),
    '',
    'Switchboard beside its floor (ack: bare fastify POST; inbound: bare fastify → BullMQ → INSERT; egress: bare BullMQ worker → same fake Bot API)',
    ...formatRows(switchboardRows(r)),
    '',
    `Memory (RSS, each service its own process): ${soak.minutes}-minute soak at ${soak.rate} webhooks/s + ${soak.replyRate} replies/s (${soak.webhooks} webhooks, ${soak.replies} replies, ${soak.failedWebhooks} not acknowledged);`,
    `  RSS every 2 s, median of a ${soak.windowS.toFixed(0)} s window after the warm-up and of the last ${soak.windowS.toFixed(0)} s; change = first window → last`,
    ...memoryLines(soak),
    '',
    'Goals (targets, not assertions)',
    ...formatGoals(goals),
    '',
    'ratio = switchboard ÷ floor: above 1 is slower for latencies, below 1 is slower for throughputs.',
    'Open-loop latencies run from each request\'s scheduled send time (no coordinated omission). stored = the commit, heard through LISTEN/NOTIFY;',
    'stored+assigned = stored and its conversation has an agent; stored → assigned = per new conversation, its first message\'s commit to the assignment\'s commit.',
    'one-process stack: inbound and egress figures come from every service built in the bench\'s own process (as the e2e tests run them), sharing one event loop with the load;',
    '"ingress own process" acks and the memory figures come from each service run as its own process (its main.ts), after the soak, on the same processes.',
    'Everything (load generator, services, PostgreSQL, Redis) shares the machine.',
  ];
  return { lines, goals };
}
