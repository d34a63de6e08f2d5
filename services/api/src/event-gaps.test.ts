import { describe, it, expect } from '@jest/globals';
import type { DomainEvent } from '@switchboard/db';
import { decideGap, type Gap } from './event-gaps.ts';

const event = (id: number): DomainEvent => ({ id: String(id), type: 'routing.alert', conversationId: null, agentId: null, payload: {}, createdAt: new Date(0) });
const MAX = 30_000;

describe('decideGap', () => {
  it('streams the next id at once', () => {
    expect(decideGap(10n, event(11), null, 0, MAX)).toEqual({ kind: 'contiguous' });
  });

  it('waits at a new gap without a snapshot, then asks for one at the second sighting', () => {
    const first = decideGap(10n, event(13), null, 1_000, MAX);
    expect(first).toEqual({ kind: 'wait', gap: { from: 11n, firstSeenMs: 1_000, snapshot: null, settled: false }, needSnapshot: false });
    const gap = (first as { gap: Gap }).gap;
    expect(decideGap(10n, event(13), gap, 1_050, MAX)).toEqual({ kind: 'wait', gap, needSnapshot: true });
    gap.snapshot = '100:105:101,103';
    expect(decideGap(10n, event(13), gap, 1_100, MAX)).toEqual({ kind: 'wait', gap, needSnapshot: false });
  });

  it('skips a gap once the transactions that could hold it have ended', () => {
    const gap: Gap = { from: 11n, firstSeenMs: 0, snapshot: '100:105:101', settled: true };
    expect(decideGap(10n, event(12), gap, 10, MAX)).toEqual({ kind: 'skip', reason: 'settled' });
  });

  it('skips a gap held longer than maxWaitMs, so one transaction left open cannot stall every stream', () => {
    const gap: Gap = { from: 11n, firstSeenMs: 0, snapshot: '100:105:101', settled: false };
    expect(decideGap(10n, event(12), gap, MAX - 1, MAX).kind).toBe('wait');
    expect(decideGap(10n, event(12), gap, MAX, MAX)).toEqual({ kind: 'skip', reason: 'timeout' });
  });

  it('treats a gap that moved (its first ids arrived) as a new one', () => {
    const gap: Gap = { from: 11n, firstSeenMs: 0, snapshot: '100:105:101', settled: true };
    expect(decideGap(11n, event(13), gap, 5, MAX)).toEqual({ kind: 'wait', gap: { from: 12n, firstSeenMs: 5, snapshot: null, settled: false }, needSnapshot: false });
  });
});
