import { describe, expect, it } from '@jest/globals';
import type { ConversationTimeline, TimelineMessage } from '@switchboard/db';
import type { Calendar } from './business-hours.ts';
import { conversationMetrics } from './conversation-metrics.ts';

// all on Monday 5 January 2026, UTC
const at = (hhmm: string) => new Date(`2026-01-05T${hhmm}:00Z`);
const customer = (hhmm: string): TimelineMessage => ({ direction: 'in', authorAgentId: null, isPrivate: false, status: 'received', createdAt: at(hhmm) });
const agent = (hhmm: string, extra: Partial<TimelineMessage> = {}): TimelineMessage => ({ direction: 'out', authorAgentId: 'a', isPrivate: false, status: 'sent', createdAt: at(hhmm), ...extra });
const assigned = (agentId: string, from: string, to: string | null, reason = 'dispatch') => ({ agentId, startedAt: at(from), endedAt: to ? at(to) : null, reason });

function timeline(t: Partial<ConversationTimeline>): ConversationTimeline {
  return { createdAt: at('10:00'), resolutions: [], messages: [], assignments: [], ...t };
}

describe('conversationMetrics', () => {
  it('counts public agent replies only: auto-replies, notes and failed sends are not responses', () => {
    const m = conversationMetrics(
      timeline({
        resolutions: [at('10:30')],
        messages: [
          customer('10:00'),
          agent('10:01', { authorAgentId: null }), // auto-reply
          agent('10:02', { isPrivate: true }), // note
          agent('10:03', { status: 'failed' }),
          agent('10:05'),
          customer('10:10'),
          customer('10:12'), // the wait started at 10:10 is still running
          agent('10:20'),
        ],
        assignments: [assigned('a', '10:02', '10:30')],
      }),
      null,
      at('10:30'),
    );
    expect(m).toEqual({
      customerMessages: 3,
      agentReplies: 2,
      reassignments: 0,
      lastAgentId: 'a',
      firstResponseS: 300, // 10:00 → 10:05
      firstResponseBusinessS: null,
      nextResponsesS: [600], // 10:10 → 10:20
      nextResponsesBusinessS: null,
      firstResolutionS: 1800, // 10:00 → 10:30
      firstResolutionBusinessS: null,
      resolutionS: 1800,
      resolutionBusinessS: null,
      queueWaitS: 120, // 10:00 → 10:02
      queueWaitBusinessS: null,
    });
  });

  it('a transfer back to the queue adds its wait and one reassignment; the same agent again is not one', () => {
    const m = conversationMetrics(
      timeline({
        resolutions: [at('11:00')],
        messages: [customer('10:00'), agent('10:20')],
        assignments: [assigned('a', '10:02', '10:10', 'offer_accepted'), assigned('b', '10:15', '10:40'), assigned('b', '10:40', '11:00')],
      }),
      null,
      at('11:00'),
    );
    expect(m).toMatchObject({ reassignments: 1, lastAgentId: 'b', queueWaitS: 120 + 300 }); // 10:00→10:02 + 10:10→10:15
  });

  it('a reopened conversation: a new wait per period, NRT from the reopening message, first and full resolution', () => {
    const m = conversationMetrics(
      timeline({
        createdAt: at('09:00'),
        resolutions: [at('09:20'), at('12:00')],
        messages: [customer('09:00'), agent('09:10'), customer('09:15'), customer('11:00'), agent('11:30'), customer('11:50')],
        assignments: [assigned('a', '09:02', '09:20'), assigned('a', '11:05', '12:00')],
      }),
      null,
      at('12:00'),
    );
    expect(m).toMatchObject({
      customerMessages: 4,
      agentReplies: 2,
      reassignments: 0,
      firstResponseS: 600, // 09:00 → 09:10
      nextResponsesS: [1800], // 09:15 was settled by the 09:20 resolution; 11:00 → 11:30; 11:50 never answered
      firstResolutionS: 1200, // 09:00 → 09:20
      resolutionS: 3 * 3600, // 09:00 → 12:00
      queueWaitS: 120 + 300, // 09:00 → 09:02, then 11:00 (reopened) → 11:05; 09:20 → 11:00 was resolved
    });
  });

  it('never answered and never assigned: no response times, the whole life waited', () => {
    const m = conversationMetrics(timeline({ resolutions: [at('10:45')], messages: [customer('10:00'), agent('10:01', { authorAgentId: null })] }), null, at('10:45'));
    expect(m).toMatchObject({ agentReplies: 0, firstResponseS: null, nextResponsesS: [], resolutionS: 2700, queueWaitS: 2700, lastAgentId: null });
  });

  it('an agent writing first is not a response; the customer answer then waits for the next reply (FRT)', () => {
    const m = conversationMetrics(
      timeline({ resolutions: [at('11:00')], messages: [agent('10:00'), customer('10:10'), agent('10:25')], assignments: [assigned('a', '10:00', '11:00')] }),
      null,
      at('11:00'),
    );
    expect(m).toMatchObject({ agentReplies: 2, firstResponseS: 900, nextResponsesS: [], queueWaitS: 0 });
  });

  it('a conversation still open: no resolution, waiting measured up to asOf', () => {
    const m = conversationMetrics(timeline({ messages: [customer('10:00')], assignments: [assigned('a', '10:10', '10:20', 'transfer')] }), null, at('10:50'));
    expect(m).toMatchObject({ firstResolutionS: null, resolutionS: null, queueWaitS: 600 + 1800 }); // 10:00→10:10 + 10:20→10:50
  });

  it('business-hours variants count only open time in the calendar zone', () => {
    // Moscow (UTC+3) 09:00-18:00 = 06:00Z-15:00Z on weekdays
    const moscow: Calendar = { timeZone: 'Europe/Moscow', weekly: { mon: [['09:00', '18:00']], tue: [['09:00', '18:00']] }, holidays: [] };
    const m = conversationMetrics(
      {
        createdAt: new Date('2026-01-05T14:00:00Z'), // Monday 17:00 MSK
        resolutions: [new Date('2026-01-06T08:00:00Z')], // Tuesday 11:00 MSK
        messages: [
          { ...customer('14:00'), createdAt: new Date('2026-01-05T14:00:00Z') },
          { ...agent('00:00'), createdAt: new Date('2026-01-06T06:30:00Z') }, // Tuesday 09:30 MSK
        ],
        assignments: [{ agentId: 'a', startedAt: new Date('2026-01-06T06:10:00Z'), endedAt: new Date('2026-01-06T08:00:00Z'), reason: 'dispatch' }],
      },
      moscow,
      new Date('2026-01-06T08:00:00Z'),
    );
    expect(m).toMatchObject({
      firstResponseS: 16.5 * 3600, // Mon 14:00Z → Tue 06:30Z
      firstResponseBusinessS: 3600 + 1800, // Mon 17:00-18:00 MSK + Tue 09:00-09:30 MSK
      resolutionS: 18 * 3600,
      resolutionBusinessS: 3600 + 2 * 3600, // Mon 17:00-18:00 + Tue 09:00-11:00
      queueWaitS: 16 * 3600 + 600, // Mon 14:00Z → Tue 06:10Z
      queueWaitBusinessS: 3600 + 600, // Mon 17:00-18:00 + Tue 09:00-09:10
      nextResponsesBusinessS: [],
    });
  });
});
