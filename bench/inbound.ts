/**
 * `pnpm bench`: webhook-to-stored throughput and latency of Switchboard's Telegram inbound path
 * on loopback, beside a bare fastify → BullMQ → INSERT pipeline measured in the same run with
 * the same load. Prints a table and writes .bench-results/inbound.json. A benchmark, not a test:
 * it judges nothing; the machine is shared, so the ratios travel better than the absolute figures.
 *
 * Each pipeline gets a warm-up, then a burst pass (as fast as webhooks are acknowledged: its
 * end-to-end latency is mostly the backlog it builds) and a paced pass at a steady rate below
 * capacity (end-to-end latency without a backlog).
 *
 *   pnpm bench [--messages 2000] [--concurrency 32] [--customers 200] [--warmup 100] [--rate 200] [--timeout-ms 120000]
 *   or BENCH_MESSAGES, BENCH_CONCURRENCY, BENCH_CUSTOMERS, BENCH_WARMUP, BENCH_RATE (0: no paced pass), BENCH_TIMEOUT_MS;
 *   BENCH_DATABASE_URL and BENCH_REDIS_URL pick the servers (default: the local ones).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runFloor, type FloorResult } from './floor.ts';
import type { PhaseOptions } from './deliveries.ts';
import { describeMachine, setUpBenchInfra, Teardown, type MachineInfo } from './setup.ts';
import type { PhaseResult, Summary } from './stats.ts';
import { runSwitchboard, type SwitchboardPass, type SwitchboardResult } from './switchboard.ts';

/** The whole run stops by itself after this, whatever state it is in. */
const WATCHDOG_MS = 10 * 60_000;

function readOptions(): PhaseOptions {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string' },
      concurrency: { type: 'string' },
      customers: { type: 'string' },
      warmup: { type: 'string' },
      rate: { type: 'string' },
      'timeout-ms': { type: 'string' },
    },
  });
  const int = (flag: string | undefined, env: string, fallback: number, min: number): number => {
    const raw = flag ?? process.env[env];
    const n = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`${env} (or its flag) must be an integer ≥ ${min}, got ${raw}`);
    return n;
  };
  const messages = int(values.messages, 'BENCH_MESSAGES', 2000, 1);
  const customers = Math.min(int(values.customers, 'BENCH_CUSTOMERS', 200, 1), messages);
  const warmup = int(values.warmup, 'BENCH_WARMUP', 100, 1);
  return {
    messages,
    concurrency: int(values.concurrency, 'BENCH_CONCURRENCY', 32, 1),
    customers,
    warmup,
    // the warm-up keeps the passes' messages-per-customer ratio, on customers of its own
    warmupCustomers: Math.max(1, Math.min(warmup, Math.round((warmup * customers) / messages))),
    rate: int(values.rate, 'BENCH_RATE', 200, 0),
    timeoutMs: int(values['timeout-ms'], 'BENCH_TIMEOUT_MS', 120_000, 1_000),
  };
}

interface Row {
  label: string;
  switchboard: number;
  floor: number | undefined;
  unit: 'ms' | '/s';
}

function rows(sb: SwitchboardPass, floor: PhaseResult): Row[] {
  const latency = (label: string, a: Summary, b: Summary | undefined, keys: ('p50' | 'p99' | 'max')[]): Row[] =>
    keys.map((k) => ({ label: `${label} ${k}`, switchboard: a[k], floor: b?.[k], unit: 'ms' }));
  // a paced pass runs at the offered rate by construction: only its latencies say anything
  const throughput = (label: string, a: number, b: number): Row[] => (sb.rate > 0 ? [] : [{ label: `${label} throughput`, switchboard: a, floor: b, unit: '/s' }]);
  return [
    ...latency('webhook ack', sb.ack, floor.ack, ['p50', 'p99', 'max']),
    ...throughput('webhook ack', sb.ackPerSecond, floor.ackPerSecond),
    ...latency('webhook → stored', sb.stored, floor.stored, ['p50', 'p99']),
    ...throughput('webhook → stored', sb.storedPerSecond, floor.storedPerSecond),
    ...latency('webhook → created_at', sb.storedByCreatedAt, floor.storedByCreatedAt, ['p50', 'p99']),
    ...latency('webhook → stored+assigned', sb.ready, floor.stored, ['p50', 'p99']),
    ...throughput('webhook → stored+assigned', sb.readyPerSecond, floor.storedPerSecond),
    ...latency('first message → assigned', sb.firstMessageToAssigned, undefined, ['p50', 'p99']),
  ];
}

const fmt = (v: number | undefined, unit: Row['unit']): string => {
  if (v === undefined || Number.isNaN(v)) return '—';
  if (unit === '/s') return v.toFixed(0);
  return v < 10 ? v.toFixed(2) : v.toFixed(1);
};

function print(machine: MachineInfo, options: PhaseOptions, sb: SwitchboardResult, floor: FloorResult): void {
  const sections: [string, SwitchboardPass, PhaseResult][] = [[`burst: at most ${options.concurrency} POSTs in flight, each sent once the previous is acknowledged`, sb.burst, floor.burst]];
  if (sb.paced && floor.paced) sections.push([`paced: ${options.rate} messages/s offered, at most ${options.concurrency} in flight`, sb.paced, floor.paced]);
  const w = Math.max(...sections.flatMap(([, a, b]) => rows(a, b)).map((r) => r.label.length)) + 10;
  const line = (a: string, b: string, c: string, d: string) => console.log(`${a.padEnd(w)}${b.padStart(12)}${c.padStart(10)}${d.padStart(9)}`);
  console.log();
  console.log(`Inbound: ${options.messages} Telegram webhooks per pass from ${options.customers} new customers, after a ${options.warmup}-message warm-up`);
  console.log(
    `machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, PostgreSQL ${machine.postgres}, Redis ${machine.redis}, load ${machine.loadAverage.toFixed(2)} at start`,
  );
  for (const [title, a, b] of sections) {
    console.log();
    console.log(title);
    line('  metric', 'switchboard', 'floor', 'ratio');
    for (const r of rows(a, b)) {
      const ratio = r.floor === undefined ? '—' : `${(r.switchboard / r.floor).toFixed(2)}×`;
      line(`  ${r.label} (${r.unit === 'ms' ? 'ms' : 'msg/s'})`, fmt(r.switchboard, r.unit), fmt(r.floor, r.unit), ratio);
    }
  }
  console.log();
  console.log('ratio = switchboard ÷ floor: above 1 is slower for latencies, below 1 is slower for throughputs.');
  console.log('stored = the commit, heard through LISTEN/NOTIFY; created_at = PostgreSQL now(), i.e. when the storing transaction began.');
  console.log(`stored+assigned = stored and its conversation has an agent (floor column: floor stored); first message → assigned: per conversation (${sb.burst.conversations} per pass).`);
  console.log('throughputs run from the first POST to the last ack / commit. Both pipelines, PostgreSQL, Redis and the load generator share the machine.');
}

const ratios = (sb: SwitchboardPass, floor: PhaseResult) =>
  Object.fromEntries(rows(sb, floor).filter((r) => r.floor !== undefined).map((r) => [`${r.label} (${r.unit})`, r.switchboard / r.floor!]));

/** Set once a signal or the watchdog has taken over the shutdown. */
let stopping = false;

async function main(): Promise<void> {
  const options = readOptions();
  process.env.LOG_LEVEL = 'silent';
  const teardown = new Teardown();
  const stop = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.error(`bench: ${why}, cleaning up`);
    await teardown.run();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop('interrupted', 130));
  process.once('SIGTERM', () => void stop('terminated', 143));
  const watchdog = setTimeout(() => void stop(`still running after ${WATCHDOG_MS / 60_000} minutes`, 1), WATCHDOG_MS);
  watchdog.unref();

  try {
    const infra = await setUpBenchInfra(teardown);
    const machine = await describeMachine(infra);
    const startedAt = new Date().toISOString();
    const perPass = `${options.warmup} warm-up + ${options.messages} burst${options.rate > 0 ? ` + ${options.messages} paced at ${options.rate}/s` : ''}`;
    console.error(`bench: Switchboard stack, ${perPass}…`);
    const switchboard = await runSwitchboard(options, teardown);
    console.error(`bench: bare fastify → BullMQ → INSERT, ${perPass}…`);
    const floor = await runFloor(infra, options, teardown);
    print(machine, options, switchboard, floor);

    const ratio = { burst: ratios(switchboard.burst, floor.burst), paced: switchboard.paced && floor.paced ? ratios(switchboard.paced, floor.paced) : undefined };
    const dir = fileURLToPath(new URL('../.bench-results/', import.meta.url));
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}inbound.json`, `${JSON.stringify({ bench: 'inbound', startedAt, machine, options, switchboard, floor, ratio }, null, 2)}\n`);
    console.log('\nwritten to .bench-results/inbound.json');
  } finally {
    if (!stopping) {
      clearTimeout(watchdog);
      await teardown.run();
    }
  }
}

main().catch((error: Error) => {
  if (stopping) return; // the run was torn down under it; the signal's message says why
  console.error(`bench failed: ${error.stack ?? error.message}`);
  process.exitCode = 1;
});
