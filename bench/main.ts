/**
 * `pnpm bench`: Switchboard's throughput, latency and memory on loopback, each figure beside the
 * floor the same machine reaches without Switchboard, with issue 9's goals judged beside them.
 * Prints a table and writes .bench-results/bench.json. A benchmark, not a test: it judges
 * nothing by its exit code; the machine is shared, so the ratios travel better than the figures.
 *
 *   1. floor parts: bare fastify POST (open loop at each rate), bare BullMQ add/process, bare INSERT
 *   2. floor pipeline: bare fastify → BullMQ → INSERT, burst and open loop at the highest rate
 *   3. Switchboard inbound (in this process): burst, then open loop at each rate
 *   4. egress: replies to a fake Bot API, beside a bare BullMQ worker sending the same requests
 *   5. soak: each service its own process at a steady rate, RSS after warm-up and at the end;
 *      then webhook ack latency open-loop at each rate against those processes
 *   6. reports: 90-day reports over ≥ 1M synthetic messages in their own database (bench/reports.ts;
 *      20k conversations with --quick)
 *
 *   pnpm bench [--quick] [--soak-minutes 2] [--soak-rate 100] [--rates 250,500,1000] [--rate-seconds 4]
 *              [--messages 2000] [--concurrency 32] [--customers 200] [--warmup 100] [--replies 2000] [--timeout-ms 120000]
 *   or BENCH_QUICK=1, BENCH_SOAK_MINUTES, BENCH_SOAK_RATE, BENCH_RATES, BENCH_RATE_SECONDS, BENCH_MESSAGES, ...;
 *   BENCH_DATABASE_URL and BENCH_REDIS_URL pick the servers (default: the local ones); BENCH_CPU_PROF_DIR=dir
 *   makes each soak service write a CPU profile (node --cpu-prof) there when it exits.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { runEgress } from './egress.ts';
import { runFloorParts } from './floor-parts.ts';
import { runFloor } from './floor.ts';
import { readOptions, watchdogMs } from './options.ts';
import { reportLines } from './report.ts';
import { describeMachine, setUpBenchInfra, Teardown } from './setup.ts';
import { runSoak } from './soak.ts';
import { runSwitchboard } from './switchboard.ts';
import { reportsLines, runReportsBench } from './reports.ts';

/** Set once a signal or the watchdog has taken over the shutdown. */
let stopping = false;

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2), process.env);
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
  const limit = watchdogMs(options);
  const watchdog = setTimeout(() => void stop(`still running after ${(limit / 60_000).toFixed(1)} minutes`, 1), limit);
  watchdog.unref();

  const step = (what: string) => console.error(`bench: ${what}…`);
  try {
    const infra = await setUpBenchInfra(teardown);
    const machine = await describeMachine(infra);
    const startedAt = new Date().toISOString();
    const { phase } = options;
    step(`floor parts: bare fastify at ${phase.rates.join(', ')}/s, bare BullMQ and INSERT × ${options.partsJobs}`);
    const parts = await runFloorParts(infra, { rates: phase.rates, rateSeconds: phase.rateSeconds, jobs: options.partsJobs }, teardown);
    step(`floor pipeline: ${phase.warmup} warm-up + ${phase.messages} burst + open loop at ${Math.max(...phase.rates)}/s`);
    const floor = await runFloor(infra, phase, teardown);
    step(`Switchboard inbound: ${phase.warmup} warm-up + ${phase.messages} burst + open loop at ${phase.rates.join(', ')}/s`);
    const switchboard = await runSwitchboard(phase, teardown);
    step(`egress: ${options.replies} replies, Switchboard then its floor`);
    const egress = await runEgress(infra, { replies: options.replies, timeoutMs: phase.timeoutMs }, teardown);
    step(`soak: services as processes, ${options.soakMinutes} min at ${options.soakRate} webhooks/s + ${options.replyRate} replies/s, then webhooks at ${phase.rates.join(', ')}/s`);
    const soak = await runSoak(infra, { minutes: options.soakMinutes, rate: options.soakRate, replyRate: options.replyRate, ackRates: phase.rates, rateSeconds: phase.rateSeconds }, teardown);

    const reportConversations = options.quick ? 20_000 : 200_000;
    step(`reports: ${reportConversations} conversations × 5 messages, then each 90-day report warm`);
    const reports = await runReportsBench(infra.postgresAdminUrl, { conversations: reportConversations, runs: options.quick ? 3 : 5 }, teardown);

    const result = { machine, options: phase, parts, floor, switchboard, egress, soak };
    const { lines, goals } = reportLines(result);
    for (const line of lines) console.log(line);
    console.log('');
    for (const line of reportsLines(reports)) console.log(line);
    const dir = fileURLToPath(new URL('../.bench-results/', import.meta.url));
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}bench.json`, `${JSON.stringify({ bench: 'switchboard', startedAt, quick: options.quick, ...result, reports, goals }, null, 2)}\n`);
    console.log('\nwritten to .bench-results/bench.json');
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
