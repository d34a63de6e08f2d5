import { z } from 'zod';
import { ChannelId } from '@switchboard/contracts';
import { allowedDimensions, MAX_GROUP_BY, REPORT_DIMENSIONS, TIME_DIMENSIONS, type ReportDimension, type ReportKind } from './dimensions.ts';
import { isIanaTimeZone, startOfLocalDate } from './time-zone.ts';

/** The longest range a report answers: a year and a bit, so "this year vs last" fits in two calls. */
export const MAX_RANGE_DAYS = 400;
// a local-date range across a DST change is an hour longer than its days
const MAX_RANGE_MS = MAX_RANGE_DAYS * 86_400_000 + 3_600_000;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const Instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]).describe('a date (YYYY-MM-DD: midnight in `timeZone`) or an ISO date-time with an offset');

const FORMATS = ['json', 'csv'] as const;

/** Instants of `from`/`to` as the request means them: dates are local midnights in `timeZone`. */
function instantOf(value: string, timeZone: string): Date {
  return DATE.test(value) ? startOfLocalDate(value, timeZone) : new Date(value);
}

function splitGroupBy(value: string | undefined): string[] {
  return value ? value.split(',').map((s) => s.trim()) : [];
}

/**
 * The query string every report takes. Each check names its field, so the API's 400 says
 * `query.to: …` or `query.groupBy: …`.
 */
export function reportQuery(report: ReportKind) {
  const allowed = allowedDimensions(report);
  return z
    .object({
      from: Instant.describe('start of the range, included'),
      to: Instant.describe('end of the range, excluded'),
      timeZone: z.string().max(64).default('UTC').refine(isIanaTimeZone, 'must be an IANA time zone name such as Europe/Moscow').describe('IANA zone for dates in `from`/`to` and for day/hour groups'),
      groupBy: z
        .string()
        .max(100)
        .optional()
        .describe(`comma-separated, at most ${MAX_GROUP_BY}, from: ${allowed.join(', ')}`)
        .superRefine((value, ctx) => {
          const dims = splitGroupBy(value);
          const unknown = dims.filter((d) => !(allowed as readonly string[]).includes(d));
          if (unknown.length) ctx.addIssue({ code: 'custom', message: `unknown dimension ${unknown.map((d) => JSON.stringify(d)).join(', ')}; one of ${allowed.join(', ')}` });
          else if (new Set(dims).size !== dims.length) ctx.addIssue({ code: 'custom', message: 'a dimension is named twice' });
          else if (dims.length > MAX_GROUP_BY) ctx.addIssue({ code: 'custom', message: `at most ${MAX_GROUP_BY} dimensions` });
          else if (dims.filter((d) => TIME_DIMENSIONS.includes(d as ReportDimension)).length > 1) ctx.addIssue({ code: 'custom', message: `at most one of ${TIME_DIMENSIONS.join(', ')}` });
        }),
      channel: ChannelId.optional(),
      inboxId: z.uuid().optional(),
      queueId: z.uuid().optional(),
      agentId: z.uuid().optional(),
      country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as DE').optional().describe("the customer's country"),
      format: z.enum(FORMATS).default('json').describe('csv: the rows as RFC 4180 text with a header row'),
    })
    .superRefine((q, ctx) => {
      // the fields' own checks have failed already and said so
      if (!isIanaTimeZone(q.timeZone) || !Instant.safeParse(q.from).success || !Instant.safeParse(q.to).success) return;
      const from = instantOf(q.from, q.timeZone).getTime();
      const to = instantOf(q.to, q.timeZone).getTime();
      if (to <= from) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
      else if (to - from > MAX_RANGE_MS) ctx.addIssue({ code: 'custom', path: ['to'], message: `the range must be at most ${MAX_RANGE_DAYS} days` });
    });
}

export type ReportQuery = z.output<ReturnType<typeof reportQuery>>;

export interface ReportFilters {
  channel?: ChannelId;
  inboxId?: string;
  queueId?: string;
  agentId?: string;
  country?: string;
}

/** A validated request, with its range as instants: [from, to). */
export interface ReportRequest {
  report: ReportKind;
  from: Date;
  to: Date;
  timeZone: string;
  groupBy: ReportDimension[];
  filters: ReportFilters;
  format: (typeof FORMATS)[number];
}

/** From a query `reportQuery(report)` accepted to the request the SQL runs. */
export function toReportRequest(report: ReportKind, q: ReportQuery): ReportRequest {
  const filters: ReportFilters = {};
  for (const key of ['channel', 'inboxId', 'queueId', 'agentId', 'country'] as const) if (q[key] !== undefined) Object.assign(filters, { [key]: q[key] });
  return {
    report,
    from: instantOf(q.from, q.timeZone),
    to: instantOf(q.to, q.timeZone),
    timeZone: q.timeZone,
    groupBy: splitGroupBy(q.groupBy).filter((d): d is ReportDimension => (REPORT_DIMENSIONS as readonly string[]).includes(d)),
    filters,
    format: q.format,
  };
}
