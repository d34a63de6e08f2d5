import type { ReportDimension, ReportKind } from './dimensions.ts';
import { csatFigures, netPromoterScore, percentOf, slaAttainment } from './figures.ts';

/**
 * Report rows from the counts SQL returns: sources merged per group, then the derived figures
 * (shares, attainment, CSAT, NPS). Pure, so the definitions in docs/reports.md are tested here.
 */

export type Cell = string | number | null;
export type Row = Record<string, Cell>;

/** The name each dimension has in a row, and the name column that goes beside an id. */
export const DIMENSION_COLUMN: Record<ReportDimension, { column: string; label?: string }> = {
  channel: { column: 'channel' },
  inbox: { column: 'inboxId', label: 'inboxName' },
  queue: { column: 'queueId', label: 'queueName' },
  agent: { column: 'agentId', label: 'agentName' },
  country: { column: 'country' },
  day: { column: 'day' },
  hour: { column: 'hour' },
  hourOfDay: { column: 'hourOfDay' },
};

const keyOf = (row: Row, columns: readonly string[]) => JSON.stringify(columns.map((c) => row[c] ?? null));
const num = (v: Cell | undefined) => (typeof v === 'number' ? v : 0);

/** Rows of both sources joined on their group; a group missing from one side gets its `defaults`. */
export function mergeGroups(columns: readonly string[], left: readonly Row[], right: readonly Row[], defaults: Row): Row[] {
  const merged = new Map<string, Row>();
  for (const row of left) merged.set(keyOf(row, columns), { ...defaults, ...row });
  for (const row of right) {
    const key = keyOf(row, columns);
    merged.set(key, { ...defaults, ...merged.get(key), ...row });
  }
  return [...merged.values()].sort((a, b) => compareGroups(a, b, columns));
}

function compareGroups(a: Row, b: Row, columns: readonly string[]): number {
  for (const c of columns) {
    const x = a[c] ?? null;
    const y = b[c] ?? null;
    if (x === y) continue;
    if (x === null) return 1; // nulls last, as the SQL orders them
    if (y === null) return -1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** The row columns of `groupBy`: each dimension, with the name beside an id. */
export function groupColumns(groupBy: readonly ReportDimension[]): string[] {
  return groupBy.flatMap((d) => [DIMENSION_COLUMN[d].column, ...(DIMENSION_COLUMN[d].label ? [DIMENSION_COLUMN[d].label!] : [])]);
}

const keyColumns = (groupBy: readonly ReportDimension[]) => groupBy.map((d) => DIMENSION_COLUMN[d].column);

export const MEASURES: Record<ReportKind, readonly string[]> = {
  volume: ['conversations', 'messages', 'messagesIn', 'messagesOut'],
  'channel-share': ['channel', 'conversations', 'conversationSharePercent', 'messages', 'messageSharePercent'],
  'response-times': [
    'resolved', 'answered',
    'firstResponseP50S', 'firstResponseP90S', 'firstResponseBusinessP50S', 'firstResponseBusinessP90S',
    'nextResponses', 'nextResponseP50S', 'nextResponseP90S', 'nextResponseBusinessP50S', 'nextResponseBusinessP90S',
    'resolutionP50S', 'resolutionP90S', 'resolutionBusinessP50S', 'resolutionBusinessP90S',
  ],
  sla: ['kind', 'met', 'breached', 'attainmentPercent'],
  satisfaction: [
    'responses', 'csatResponses', 'csatAverage', 'csatSatisfiedPercent', 'csat1', 'csat2', 'csat3', 'csat4', 'csat5',
    'npsResponses', 'promoters', 'passives', 'detractors', 'nps',
  ],
};

/** Every column of a report's rows, in CSV order: the groups, then the measures. */
export function reportColumns(report: ReportKind, groupBy: readonly ReportDimension[]): string[] {
  const measures = MEASURES[report];
  // the always-there group (channel, kind) leads
  const lead: string[] = measures.filter((m) => m === 'channel' || m === 'kind');
  return [...lead, ...groupColumns(groupBy), ...measures.filter((m) => !lead.includes(m))];
}

/** Conversations created and messages in/out per group. */
export function volumeRows(groupBy: readonly ReportDimension[], conversations: readonly Row[], messages: readonly Row[]): Row[] {
  return mergeGroups(keyColumns(groupBy), conversations, messages, { conversations: 0, messagesIn: 0, messagesOut: 0 }).map((r) => ({
    ...r,
    messages: num(r.messagesIn) + num(r.messagesOut),
  }));
}

/**
 * Each channel's share of conversations and of messages within its group (all other
 * dimensions equal): the shares of one group add up to 100 % (give or take rounding).
 */
export function channelShareRows(groupBy: readonly ReportDimension[], conversations: readonly Row[], messages: readonly Row[]): Row[] {
  const outer = keyColumns(groupBy);
  const rows = volumeRows([...groupBy, 'channel'], conversations, messages);
  const totals = new Map<string, { conversations: number; messages: number }>();
  for (const r of rows) {
    const t = totals.get(keyOf(r, outer)) ?? { conversations: 0, messages: 0 };
    t.conversations += num(r.conversations);
    t.messages += num(r.messages);
    totals.set(keyOf(r, outer), t);
  }
  return rows
    .map((r) => {
      const t = totals.get(keyOf(r, outer))!;
      return {
        ...r,
        conversationSharePercent: percentOf(num(r.conversations), t.conversations),
        messageSharePercent: percentOf(num(r.messages), t.messages),
      };
    })
    .sort((a, b) => compareGroups(a, b, [...outer, 'channel']));
}

/** Resolution figures joined with the next-response figures of the same group. */
export function responseTimeRows(groupBy: readonly ReportDimension[], resolved: readonly Row[], nextResponses: readonly Row[]): Row[] {
  const none = { nextResponses: 0, nextResponseP50S: null, nextResponseP90S: null, nextResponseBusinessP50S: null, nextResponseBusinessP90S: null };
  return mergeGroups(keyColumns(groupBy), resolved, nextResponses, none);
}

export function slaRows(counts: readonly Row[]): Row[] {
  return counts.map((r) => ({ ...r, attainmentPercent: slaAttainment(num(r.met), num(r.breached)) }));
}

export function satisfactionRows(counts: readonly Row[]): Row[] {
  return counts.map((r) => {
    const csat = csatFigures([num(r.csat1), num(r.csat2), num(r.csat3), num(r.csat4), num(r.csat5)]);
    const nps = { promoters: num(r.promoters), passives: num(r.passives), detractors: num(r.detractors) };
    return {
      ...r,
      csatResponses: csat.responses,
      csatAverage: csat.average,
      csatSatisfiedPercent: csat.satisfiedPercent,
      npsResponses: nps.promoters + nps.passives + nps.detractors,
      nps: netPromoterScore(nps),
    };
  });
}
