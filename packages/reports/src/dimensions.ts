/**
 * What a report may be grouped by. The SQL for each lives in one fixed map in
 * `packages/db/src/reports-sql.ts`: a request names dimensions from this list, never columns.
 */
export const REPORT_DIMENSIONS = ['channel', 'inbox', 'queue', 'agent', 'country', 'day', 'hour', 'hourOfDay'] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];

export const REPORT_KINDS = ['volume', 'channel-share', 'response-times', 'sla', 'satisfaction'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** Channel share is always split by channel; every other report takes any dimension. */
export function allowedDimensions(report: ReportKind): readonly ReportDimension[] {
  return report === 'channel-share' ? REPORT_DIMENSIONS.filter((d) => d !== 'channel') : REPORT_DIMENSIONS;
}

/** At most this many dimensions at once: enough for "channel by country by day", small enough to read. */
export const MAX_GROUP_BY = 3;

/** Time dimensions read the instant in the request's time zone; of these, a report takes one. */
export const TIME_DIMENSIONS: readonly ReportDimension[] = ['day', 'hour', 'hourOfDay'];
