/**
 * `pnpm bench:reports` (and the last phase of `pnpm bench`): issue 10's goal that a 90-day report
 * answers in under a second on ≥ 1M messages. Generates a synthetic history in its own database
 * (SQL generate_series: ~200k conversations over 120 days, 5 messages each, with assignments,
 * conversation_metrics, SLA timers and surveys), brings the message rollup up to date, then times
 * each report warm. Prints the figures; judges nothing by its exit code.
 *
 *   pnpm bench:reports [--conversations 200000] [--runs 5]   (or BENCH_REPORT_CONVERSATIONS, BENCH_REPORT_RUNS)
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { buildReport, createPool, ensureDatabase, migrate, rollMessageVolumeUpToDate, type Pool } from '@switchboard/db';
import { reportQuery, toReportRequest, type ReportKind } from '@switchboard/reports';
import { resolveTestInfra, withDatabase } from '@switchboard/testkit';
import { DEFAULT_BENCH_DATABASE_URL, Teardown } from './setup.ts';
import { summarize } from './stats.ts';

export const MESSAGES_PER_CONVERSATION = 5;
const HISTORY_DAYS = 120;
const GOAL_MS = 1000;

export interface ReportTiming {
  label: string;
  rows: number;
  p50: number;
  max: number;
}

export interface ReportsBenchResult {
  conversations: number;
  messages: number;
  seedSeconds: number;
  rollupSeconds: number;
  rollupRows: number;
  timings: ReportTiming[];
}

/**
 * The history, all in SQL. Channels are skewed as in the studies (Telegram and web chat lead),
 * 40 agents, 4 queues (one with business hours), 8 countries and some unknown. Conversations
 * older than a day are resolved, with metrics; a third of them answered a survey.
 */
async function seed(pool: Pool, conversations: number): Promise<void> {
  await pool.query(`select setseed(0.42)`);
  await pool.query(`insert into queues(name) select 'bench queue ' || g from generate_series(1, 4) g`);
  await pool.query(`insert into agents(name, role) select 'bench agent ' || g, 'agent' from generate_series(1, 40) g`);
  await pool.query(`insert into inboxes(channel, name) select ch, ch || ' inbox' from unnest(array['telegram', 'webchat', 'whatsapp', 'email', 'messenger', 'instagram', 'sms']) ch`);
  await pool.query(
    `create unlogged table bench_plan as
     with pick as (
       select (select array_agg(id order by name) from inboxes) as inboxes, (select array_agg(channel order by name) from inboxes) as channels,
              (select array_agg(id order by name) from queues) as queues, (select array_agg(id order by name) from agents) as agents
     ), drawn as (
       select g, width_bucket(random(), array[0.35, 0.6, 0.75, 0.85, 0.92, 0.97]::float8[]) + 1 as ch,
              1 + floor(random() * 4)::int as q, 1 + floor(random() * 40)::int as a, floor(random() * 10)::int as country_n,
              now() - random() * interval '${HISTORY_DAYS} days' as created_at, random() as r1, random() as r2, random() as r3
         from generate_series(1, $1::int) g
     )
     select g, gen_random_uuid() as id, gen_random_uuid() as contact_id, p.inboxes[ch] as inbox_id, p.channels[ch] as channel,
            p.queues[q] as queue_id, p.agents[a] as agent_id, (array['DE', 'RU', 'US', 'BR', 'IN', 'FR', 'GB', 'NG'])[country_n + 1] as country,
            created_at, case when created_at < now() - interval '1 day' then created_at + interval '20 minutes' + r1 * interval '4 hours' end as resolved_at,
            60 + r2 * 1200 as frt_s, r3
       from drawn cross join pick p`,
    [conversations],
  );
  await pool.query(`insert into contacts(id, name, country, country_source) select contact_id, 'customer ' || g, country, case when country is not null then 'phone' end from bench_plan`);
  await pool.query(
    `insert into conversations(id, inbox_id, contact_id, channel, thread_key, queue_id, status, routing_state, created_at, resolved_at, first_inbound_at)
     select id, inbox_id, contact_id, channel, 'bench-' || g, queue_id, case when resolved_at is null then 'open' else 'resolved' end,
            case when resolved_at is null then 'queued' else 'closed' end, created_at, resolved_at, created_at from bench_plan`,
  );
  await pool.query(
    `insert into messages(conversation_id, inbox_id, seq, direction, author_agent_id, text, status, created_at)
     select p.id, p.inbox_id, k, case when k % 2 = 1 then 'in' else 'out' end, case when k % 2 = 0 then p.agent_id end, 'x',
            case when k % 2 = 1 then 'received' else 'sent' end, p.created_at + (k - 1) * interval '3 minutes'
       from bench_plan p cross join generate_series(1, ${MESSAGES_PER_CONVERSATION}) k`,
  );
  await pool.query(
    `insert into assignments(conversation_id, agent_id, started_at, ended_at, reason)
     select id, agent_id, created_at + interval '2 minutes', resolved_at, 'dispatch' from bench_plan where resolved_at is not null`,
  );
  await pool.query(
    `insert into conversation_metrics(conversation_id, channel, inbox_id, queue_id, last_agent_id, created_at, first_resolved_at, resolved_at, resolutions,
                                      customer_messages, agent_replies, reassignments, first_response_s, first_response_business_s, next_responses_s,
                                      next_responses_business_s, first_resolution_s, first_resolution_business_s, resolution_s, resolution_business_s,
                                      queue_wait_s, queue_wait_business_s, updated_at)
     select id, channel, inbox_id, queue_id, agent_id, created_at, resolved_at, resolved_at, array[resolved_at], 3, 2, 0, frt_s,
            case when queue_id = (select min(id::text)::uuid from queues) then frt_s * 0.6 end, array[r3 * 900],
            case when queue_id = (select min(id::text)::uuid from queues) then array[r3 * 600] end,
            extract(epoch from resolved_at - created_at), null, extract(epoch from resolved_at - created_at), null, 120, null, resolved_at
       from bench_plan where resolved_at is not null`,
  );
  await pool.query(
    `insert into sla_timers(conversation_id, kind, anchor_message_id, started_at, due_at, met_at, breached_at)
     select id, 'frt', null::uuid, created_at, created_at + interval '10 minutes', created_at + frt_s * interval '1 second',
            case when frt_s > 600 then created_at + interval '10 minutes' end from bench_plan where resolved_at is not null
     union all
     select id, 'rt', null::uuid, created_at, created_at + interval '3 hours', case when resolved_at <= created_at + interval '3 hours' then resolved_at end,
            case when resolved_at > created_at + interval '3 hours' then created_at + interval '3 hours' end from bench_plan where resolved_at is not null`,
  );
  await pool.query(
    `insert into surveys(conversation_id, resolved_at, inbox_id, channel, queue_id, agent_id, asks, status, csat, nps, sent_at, answered_at, expires_at)
     select id, resolved_at, inbox_id, channel, queue_id, agent_id, array['csat', 'nps'], 'answered', 1 + floor(r3 * 5)::int, floor(r3 * 11)::int,
            resolved_at, resolved_at + interval '10 minutes', resolved_at + interval '1 day'
       from bench_plan where resolved_at is not null and r3 < 0.33`,
  );
  await pool.query(`drop table bench_plan`);
  await pool.query(`vacuum analyze`);
}

/** The 90-day reports timed: each kind, cut the ways a supervisor would. */
const REPORTS: { label: string; kind: ReportKind; query: Record<string, string> }[] = [
  { label: 'volume by channel', kind: 'volume', query: { groupBy: 'channel' } },
  { label: 'volume by day (Europe/Moscow)', kind: 'volume', query: { groupBy: 'day', timeZone: 'Europe/Moscow' } },
  { label: 'volume by agent × country', kind: 'volume', query: { groupBy: 'agent,country' } },
  { label: 'volume, country=DE, by hour of day', kind: 'volume', query: { groupBy: 'hourOfDay', country: 'DE' } },
  { label: 'channel share by country', kind: 'channel-share', query: { groupBy: 'country' } },
  { label: 'response times by queue', kind: 'response-times', query: { groupBy: 'queue' } },
  { label: 'response times by agent', kind: 'response-times', query: { groupBy: 'agent' } },
  { label: 'SLA attainment by day', kind: 'sla', query: { groupBy: 'day' } },
  { label: 'satisfaction by channel', kind: 'satisfaction', query: { groupBy: 'channel' } },
];

const isoDate = (at: Date) => at.toISOString().slice(0, 10);

export async function runReportsBench(adminUrl: string, options: { conversations: number; runs: number }, teardown: Teardown, log = (line: string) => console.error(line)): Promise<ReportsBenchResult> {
  const name = `sb_bench_reports_${randomBytes(5).toString('hex')}`;
  const url = withDatabase(adminUrl, name);
  await ensureDatabase(url);
  teardown.add(`database ${name}`, async () => {
    const admin = createPool({ connectionString: adminUrl, max: 1, applicationName: 'switchboard-bench' });
    await admin.query(`drop database if exists ${name} with (force)`).finally(() => admin.end());
  });
  await migrate(url);
  const pool = createPool({ connectionString: url, max: 2, applicationName: 'switchboard-bench-reports' });
  teardown.add('reports pool', () => pool.end());

  log(`bench: reports: generating ${options.conversations} conversations × ${MESSAGES_PER_CONVERSATION} messages over ${HISTORY_DAYS} days…`);
  let t = performance.now();
  await seed(pool, options.conversations);
  const seedSeconds = (performance.now() - t) / 1000;
  log(`bench: reports: rolling up…`);
  t = performance.now();
  await rollMessageVolumeUpToDate(pool, new Date());
  const rollupSeconds = (performance.now() - t) / 1000;
  const { rows: [counts] } = await pool.query<{ messages: number; rollup: number }>(`select (select count(*) from messages)::int as messages, (select count(*) from report_message_volume)::int as rollup`);

  const now = new Date();
  const range = { from: isoDate(new Date(now.getTime() - 90 * 86_400_000)), to: isoDate(new Date(now.getTime() + 86_400_000)) };
  const timings: ReportTiming[] = [];
  for (const r of REPORTS) {
    const req = toReportRequest(r.kind, reportQuery(r.kind).parse({ ...range, ...r.query }));
    let rows = (await buildReport(pool, req, now)).rows.length; // warm-up
    const samples: number[] = [];
    for (let i = 0; i < options.runs; i++) {
      const start = performance.now();
      rows = (await buildReport(pool, req, now)).rows.length;
      samples.push(performance.now() - start);
    }
    const s = summarize(samples);
    timings.push({ label: r.label, rows, p50: s.p50, max: s.max });
  }
  return { conversations: options.conversations, messages: counts!.messages, seedSeconds, rollupSeconds, rollupRows: counts!.rollup, timings };
}

export function reportsLines(r: ReportsBenchResult): string[] {
  const w = Math.max(...r.timings.map((t) => t.label.length)) + 4;
  return [
    `Reports over 90 days of ${r.messages.toLocaleString('en')} messages / ${r.conversations.toLocaleString('en')} conversations (120 days stored)`,
    `  generated in ${r.seedSeconds.toFixed(1)} s; rollup from scratch ${r.rollupSeconds.toFixed(1)} s → ${r.rollupRows.toLocaleString('en')} rows`,
    `  ${'report'.padEnd(w)}${'rows'.padStart(7)}${'p50 ms'.padStart(10)}${'max ms'.padStart(10)}   goal < ${GOAL_MS} ms`,
    ...r.timings.map((t) => `  ${t.label.padEnd(w)}${String(t.rows).padStart(7)}${t.p50.toFixed(1).padStart(10)}${t.max.toFixed(1).padStart(10)}   ${t.max < GOAL_MS ? 'met' : 'MISSED'}`),
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { conversations: { type: 'string' }, runs: { type: 'string' } } });
  const conversations = Number(values.conversations ?? process.env.BENCH_REPORT_CONVERSATIONS ?? 200_000);
  const runs = Number(values.runs ?? process.env.BENCH_REPORT_RUNS ?? 5);
  const teardown = new Teardown();
  process.once('SIGINT', () => void teardown.run().then(() => process.exit(130)));
  try {
    const infra = await resolveTestInfra({ TEST_DATABASE_URL: process.env.BENCH_DATABASE_URL || DEFAULT_BENCH_DATABASE_URL, TEST_REDIS_URL: process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379' });
    if (infra.stop) teardown.add('test containers', infra.stop);
    console.log(`machine: ${os.availableParallelism()} cores (${os.cpus()[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, load ${os.loadavg()[0]?.toFixed(2)}, Node ${process.version}`);
    const result = await runReportsBench(infra.postgresAdminUrl, { conversations, runs }, teardown);
    for (const line of reportsLines(result)) console.log(line);
  } finally {
    await teardown.run();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: Error) => {
    console.error(`bench:reports failed: ${error.stack ?? error.message}`);
    process.exitCode = 1;
  });
}
