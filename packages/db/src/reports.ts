import {
  channelShareRows, DIMENSION_COLUMN, reportColumns, responseTimeRows, satisfactionRows, slaRows, volumeRows,
  type ReportDimension, type ReportRequest,
} from '@switchboard/reports';
import type { Queryable } from './pool.ts';
import { messageVolumeAsOf } from './reports-rollup.ts';
import { groupedQuery, type ReportSource } from './reports-sql.ts';

/**
 * The reports' SQL (docs/reports.md): counts and percentiles per group, nothing derived. Ratios,
 * shares, NPS and CSV are computed by `@switchboard/reports` from what these return.
 */

/** A report row: the group's dimension values (`channel`, `inboxId`, `day`, …) and its measures. */
export type ReportRow = Record<string, string | number | null>;

const CONVERSATIONS: ReportSource = {
  from: `conversations c left join contacts ct on ct.id = c.contact_id left join conversation_metrics cm on cm.conversation_id = c.id`,
  at: 'c.created_at',
  channel: 'c.channel',
  inbox: 'c.inbox_id',
  queue: 'c.queue_id',
  // resolving clears the assignee; the metrics row keeps who had it last
  agent: 'coalesce(c.assignee_id, cm.last_agent_id)',
  country: 'ct.country',
};

const MESSAGE_ROLLUP: ReportSource = {
  from: 'report_message_volume r',
  at: 'r.bucket',
  channel: 'r.channel',
  inbox: 'r.inbox_id',
  queue: 'r.queue_id',
  agent: 'r.agent_id',
  country: 'r.country',
};

const RESOLVED: ReportSource = {
  // left joins (every row has its conversation): PostgreSQL drops them when no dimension reads them
  from: `conversation_metrics cm left join conversations c on c.id = cm.conversation_id left join contacts ct on ct.id = c.contact_id`,
  at: 'cm.resolved_at',
  channel: 'cm.channel',
  inbox: 'cm.inbox_id',
  queue: 'cm.queue_id',
  agent: 'cm.last_agent_id',
  country: 'ct.country',
};

/**
 * When an SLA timer's outcome became known: breached, met, or — still running past its due time
 * at `$9` (now) — breached at its due time, as the sweeper will record it. Running timers not yet
 * due and paused ones have no outcome.
 */
const SLA_OUTCOME_AT = `(case when t.breached_at is not null then t.breached_at when t.met_at is not null then t.met_at
                              when t.paused_at is null and t.due_at <= $9 then t.due_at end)`;

const SLA_TIMERS: ReportSource = {
  ...CONVERSATIONS,
  from: `sla_timers t left join conversations c on c.id = t.conversation_id left join contacts ct on ct.id = c.contact_id
         left join conversation_metrics cm on cm.conversation_id = c.id`,
  at: SLA_OUTCOME_AT,
};

const SURVEYS: ReportSource = {
  from: `surveys s left join conversations c on c.id = s.conversation_id left join contacts ct on ct.id = c.contact_id`,
  at: 's.answered_at',
  channel: 's.channel',
  inbox: 's.inbox_id',
  queue: 's.queue_id',
  agent: 's.agent_id',
  country: 'ct.country',
  // every score given counts, also a CSAT whose NPS never came; answered_at is the first score's time
  where: `s.answered_at is not null`,
};

/** p50 and p90 of a column from one sort, as an array the caller splits (`percentiles`). */
const p50p90 = (column: string, alias: string) => `percentile_cont(array[0.5, 0.9]::float8[]) within group (order by ${column}) as "${alias}"`;

/** `{ firstResponse: [p50, p90] }` → `{ firstResponseP50S, firstResponseP90S }`; null without values. */
function percentiles(rows: Record<string, unknown>[], names: readonly string[]): ReportRow[] {
  return rows.map((row) => {
    const out: ReportRow = {};
    for (const [key, value] of Object.entries(row)) {
      if (!names.includes(key)) out[key] = value as ReportRow[string];
      else {
        const [p50, p90] = (value as (number | null)[] | null) ?? [null, null];
        out[`${key}P50S`] = p50 ?? null;
        out[`${key}P90S`] = p90 ?? null;
      }
    }
    return out;
  });
}

async function run(db: Queryable, q: { text: string; values: unknown[] }): Promise<ReportRow[]> {
  return (await db.query<ReportRow>(q.text, q.values)).rows;
}

/** Conversations created in the range, per group. */
export function conversationCounts(db: Queryable, req: ReportRequest, extraDims: ReportDimension[] = []): Promise<ReportRow[]> {
  return run(db, groupedQuery(CONVERSATIONS, req, ['count(*)::int as conversations'], { extraDims }));
}

/** Messages in and out per group, from the rollup: whole 15-minute buckets starting in the range. */
export function messageCounts(db: Queryable, req: ReportRequest, extraDims: ReportDimension[] = []): Promise<ReportRow[]> {
  return run(
    db,
    groupedQuery(
      MESSAGE_ROLLUP,
      req,
      [`coalesce(sum(r.messages) filter (where r.direction = 'in'), 0)::int as "messagesIn"`, `coalesce(sum(r.messages) filter (where r.direction = 'out'), 0)::int as "messagesOut"`],
      { extraDims },
    ),
  );
}

/** Conversations resolved in the range: counts and p50/p90 of FRT and resolution time, wall-clock and business. */
export async function resolutionFigures(db: Queryable, req: ReportRequest): Promise<ReportRow[]> {
  const spans = ['firstResponse', 'firstResponseBusiness', 'resolution', 'resolutionBusiness'];
  const rows = await run(
    db,
    groupedQuery(RESOLVED, req, [
      'count(*)::int as resolved',
      'count(cm.first_response_s)::int as answered',
      p50p90('cm.first_response_s', 'firstResponse'),
      p50p90('cm.first_response_business_s', 'firstResponseBusiness'),
      p50p90('cm.resolution_s', 'resolution'),
      p50p90('cm.resolution_business_s', 'resolutionBusiness'),
    ]),
  );
  return percentiles(rows, spans);
}

/** Every next response (NRT) of the conversations resolved in the range: count and p50/p90. */
export async function nextResponseFigures(db: Queryable, req: ReportRequest): Promise<ReportRow[]> {
  const source = { ...RESOLVED, from: `${RESOLVED.from} cross join unnest(cm.next_responses_s, cm.next_responses_business_s) as nrt(s, bs)` };
  const rows = await run(db, groupedQuery(source, req, ['count(nrt.s)::int as "nextResponses"', p50p90('nrt.s', 'nextResponse'), p50p90('nrt.bs', 'nextResponseBusiness')]));
  return percentiles(rows, ['nextResponse', 'nextResponseBusiness']);
}

/** SLA timers whose outcome fell in the range, per kind: met on time and breached. */
export function slaCounts(db: Queryable, req: ReportRequest, now: Date): Promise<ReportRow[]> {
  return run(
    db,
    groupedQuery(
      SLA_TIMERS,
      req,
      ['count(*) filter (where t.breached_at is null and t.met_at is not null)::int as met', 'count(*) filter (where t.breached_at is not null or t.met_at is null)::int as breached'],
      { fixed: [{ column: 'kind', sql: 't.kind' }], extraValues: [now] },
    ),
  );
}

/** Surveys answered in the range: CSAT answers by score, NPS answers by class. */
export function surveyCounts(db: Queryable, req: ReportRequest): Promise<ReportRow[]> {
  return run(
    db,
    groupedQuery(SURVEYS, req, [
      'count(*)::int as responses',
      ...[1, 2, 3, 4, 5].map((n) => `count(*) filter (where s.csat = ${n})::int as "csat${n}"`),
      'count(*) filter (where s.nps >= 9)::int as promoters',
      'count(*) filter (where s.nps between 7 and 8)::int as passives',
      'count(*) filter (where s.nps <= 6)::int as detractors',
    ]),
  );
}

const LABELS = [
  { column: 'inboxId', label: 'inboxName', table: 'inboxes' },
  { column: 'queueId', label: 'queueName', table: 'queues' },
  { column: 'agentId', label: 'agentName', table: 'agents' },
] as const;

/** Adds `inboxName`, `queueName`, `agentName` beside the ids a report is grouped by. */
export async function withNames(db: Queryable, rows: ReportRow[], groupBy: readonly ReportDimension[]): Promise<ReportRow[]> {
  const columns = new Set(groupBy.map((d) => DIMENSION_COLUMN[d].column));
  let named = rows;
  for (const { column, label, table } of LABELS) {
    if (!columns.has(column)) continue;
    const ids = [...new Set(rows.map((r) => r[column]).filter((v): v is string => typeof v === 'string'))];
    const { rows: found } = ids.length ? await db.query<{ id: string; name: string }>(`select id, name from ${table} where id = any($1::uuid[])`, [ids]) : { rows: [] };
    const names = new Map(found.map((f) => [f.id, f.name]));
    named = named.map((r) => ({ ...r, [label]: typeof r[column] === 'string' ? (names.get(r[column]) ?? null) : null }));
  }
  return named;
}

export interface BuiltReport {
  /** The columns of every row, in CSV order. */
  columns: string[];
  rows: ReportRow[];
  /**
   * How fresh the figures are: for reports on the message rollup, when it last read `messages`
   * (null: never yet); for the others, which read their tables directly, `now`.
   */
  asOf: Date | null;
}

/** Runs one report: its queries, the derived figures, the names beside ids. */
export async function buildReport(db: Queryable, req: ReportRequest, now: Date): Promise<BuiltReport> {
  const { groupBy } = req;
  let rows: ReportRow[];
  let asOf: Date | null = now;
  switch (req.report) {
    // two sources each: queried at once (a pool runs them on two connections)
    case 'volume': {
      const [at, conversations, messages] = await Promise.all([messageVolumeAsOf(db), conversationCounts(db, req), messageCounts(db, req)]);
      [asOf, rows] = [at, volumeRows(groupBy, conversations, messages)];
      break;
    }
    case 'channel-share': {
      const [at, conversations, messages] = await Promise.all([messageVolumeAsOf(db), conversationCounts(db, req, ['channel']), messageCounts(db, req, ['channel'])]);
      [asOf, rows] = [at, channelShareRows(groupBy, conversations, messages)];
      break;
    }
    case 'response-times': {
      const [resolved, next] = await Promise.all([resolutionFigures(db, req), nextResponseFigures(db, req)]);
      rows = responseTimeRows(groupBy, resolved, next);
      break;
    }
    case 'sla':
      rows = slaRows(await slaCounts(db, req, now));
      break;
    case 'satisfaction':
      rows = satisfactionRows(await surveyCounts(db, req));
      break;
  }
  const columns = reportColumns(req.report, groupBy);
  const named = await withNames(db, rows, groupBy);
  // rows carry exactly the report's columns: helper sums and raw counts stay out of the answer
  return { columns, rows: named.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null]))), asOf };
}
