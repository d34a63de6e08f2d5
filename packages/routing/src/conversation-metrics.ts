import type { ConversationMetrics, ConversationTimeline, TimelineAssignment, TimelineMessage } from '@switchboard/db';
import { businessSecondsBetween, type Calendar } from './business-hours.ts';

type Span = [from: Date, to: Date];

/** A public reply written by an agent: not an auto-reply (no author), not a note, not one that never left. */
export function isAgentReply(m: TimelineMessage): boolean {
  return m.direction === 'out' && m.authorAgentId !== null && !m.isPrivate && m.status !== 'failed';
}

/**
 * Response spans: a customer message starts a wait unless one is already running; the next
 * agent reply ends it. A resolution settles whatever is still owed, as it settles the SLA
 * timers. The first span is the first response, the others are next responses.
 */
function responseSpans(t: ConversationTimeline): Span[] {
  const spans: Span[] = [];
  const resolutions = [...t.resolutions];
  let waitingSince: Date | null = null;
  for (const m of t.messages) {
    while (resolutions.length && resolutions[0]!.getTime() <= m.createdAt.getTime()) {
      resolutions.shift();
      waitingSince = null;
    }
    if (m.direction === 'in') waitingSince ??= m.createdAt;
    else if (isAgentReply(m) && waitingSince) {
      spans.push([waitingSince, m.createdAt]);
      waitingSince = null;
    }
  }
  return spans;
}

/**
 * The periods the conversation was open: from creation to the first resolution, then from
 * each reopening to the next resolution. A reopening is not stored as such (its event is
 * pruned), so it is the first customer message or assignment after the resolution; a reopen
 * with neither before the next resolution is an empty period. A period still open runs to `asOf`.
 */
function openPeriods(t: ConversationTimeline, asOf: Date): Span[] {
  const periods: Span[] = [];
  const reopenAfter = (resolved: Date): Date | undefined => {
    const times = [
      ...t.messages.filter((m) => m.direction === 'in').map((m) => m.createdAt),
      ...t.assignments.map((a) => a.startedAt),
    ].filter((d) => d.getTime() > resolved.getTime());
    return times.length ? new Date(Math.min(...times.map((d) => d.getTime()))) : undefined;
  };
  let start: Date | undefined = t.createdAt;
  for (const resolved of t.resolutions) {
    if (start && start.getTime() < resolved.getTime()) periods.push([start, resolved]);
    start = reopenAfter(resolved);
  }
  if (start && start.getTime() < asOf.getTime()) periods.push([start, asOf]);
  return periods;
}

/** Time inside `period` with no assignment running: waiting in the queue. */
function unassignedSpans(period: Span, assignments: TimelineAssignment[], asOf: Date): Span[] {
  const [from, to] = period;
  const gaps: Span[] = [];
  let cursor = from.getTime();
  const sorted = [...assignments].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  for (const a of sorted) {
    const start = Math.max(a.startedAt.getTime(), from.getTime());
    const end = Math.min((a.endedAt ?? asOf).getTime(), to.getTime());
    if (end <= start) continue;
    if (start > cursor) gaps.push([new Date(cursor), new Date(start)]);
    cursor = Math.max(cursor, end);
  }
  if (cursor < to.getTime()) gaps.push([new Date(cursor), to]);
  return gaps;
}

/**
 * Per-conversation metrics from stored messages, assignments and resolve instants
 * (definitions in docs/reports.md). `calendar` is the queue's business hours; `asOf` ends a
 * period that is still open (pass the resolve instant when recording a resolution).
 */
export function conversationMetrics(t: ConversationTimeline, calendar: Calendar | null, asOf: Date): ConversationMetrics {
  const wall = ([from, to]: Span) => Math.max(0, (to.getTime() - from.getTime()) / 1000);
  const business = (span: Span) => (calendar ? businessSecondsBetween(span[0], span[1], calendar) : null);
  const sum = (spans: Span[], f: (s: Span) => number) => spans.reduce((total, s) => total + f(s), 0);

  const responses = responseSpans(t);
  const [first, ...next] = responses;
  const firstResolved = t.resolutions[0];
  const lastResolved = t.resolutions.at(-1);
  const firstResolution: Span | undefined = firstResolved && [t.createdAt, firstResolved];
  const resolution: Span | undefined = lastResolved && [t.createdAt, lastResolved];
  const waits = openPeriods(t, asOf).flatMap((p) => unassignedSpans(p, t.assignments, asOf));

  const byStart = [...t.assignments].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  const reassignments = byStart.filter((a, i) => i > 0 && a.agentId !== byStart[i - 1]!.agentId).length;

  return {
    customerMessages: t.messages.filter((m) => m.direction === 'in').length,
    agentReplies: t.messages.filter(isAgentReply).length,
    reassignments,
    lastAgentId: byStart.at(-1)?.agentId ?? null,
    firstResponseS: first ? wall(first) : null,
    firstResponseBusinessS: first ? business(first) : null,
    nextResponsesS: next.map(wall),
    nextResponsesBusinessS: calendar ? next.map((s) => business(s)!) : null,
    firstResolutionS: firstResolution ? wall(firstResolution) : null,
    firstResolutionBusinessS: firstResolution ? business(firstResolution) : null,
    resolutionS: resolution ? wall(resolution) : null,
    resolutionBusinessS: resolution ? business(resolution) : null,
    queueWaitS: sum(waits, wall),
    queueWaitBusinessS: calendar ? sum(waits, (s) => business(s)!) : null,
  };
}
