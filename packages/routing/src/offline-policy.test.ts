import { describe, expect, it } from '@jest/globals';
import { offlineAction, type HeldFacts } from './offline-policy.ts';

const at = (s: number) => new Date(Date.UTC(2026, 0, 5, 10, 0, s));
const held = (over: Partial<HeldFacts> = {}): HeldFacts => ({
  policy: 'requeue_after_grace', graceS: 60, heldSince: at(0), lastAgentReplyAt: null, assignedAt: at(0), ...over,
});

describe('offlineAction', () => {
  it('keep never moves a conversation', () => {
    expect(offlineAction(held({ policy: 'keep' }), at(3600))).toBe('keep');
  });

  it('waits out the grace, then requeues', () => {
    expect(offlineAction(held(), at(59))).toBe('wait');
    expect(offlineAction(held(), at(60))).toBe('requeue');
    expect(offlineAction(held({ graceS: 0 }), at(0))).toBe('requeue');
  });

  it('requeue_if_unanswered keeps what the agent answered since assignment', () => {
    const policy = 'requeue_if_unanswered' as const;
    expect(offlineAction(held({ policy }), at(61))).toBe('requeue');
    expect(offlineAction(held({ policy, assignedAt: at(-100), lastAgentReplyAt: at(-50) }), at(61))).toBe('keep');
    // a reply to an earlier assignment is not an answer to this one
    expect(offlineAction(held({ policy, assignedAt: at(-10), lastAgentReplyAt: at(-50) }), at(61))).toBe('requeue');
    // start unknown: a reply exists, so it counts as answered
    expect(offlineAction(held({ policy, assignedAt: null, lastAgentReplyAt: at(-50) }), at(61))).toBe('keep');
    expect(offlineAction(held({ policy }), at(30))).toBe('wait');
  });
});
