import { describe, expect, it } from '@jest/globals';
import { ineligibility, rank, stepStaffed, stickyDecision, verdictOf, type Candidate, type Requirements } from './policy.ts';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

function candidate(agentId: string, over: Partial<Candidate> = {}): Candidate {
  return {
    agentId, ring: 1, presence: 'online', statusSince: at(0), pool: 'webchat', capacity: 3, active: 0, pendingOffers: 0, cost: 1,
    lastAssignedAt: null, lastOfferAt: null, lastWorkSeq: null, excluded: false, skills: {}, ...over,
  };
}
const anyone: Requirements = { ringMax: null, skills: [], transfer: false };
const ids = (cs: Candidate[]) => cs.map((c) => c.agentId);

describe('ineligibility', () => {
  it.each([
    ['online with room', {}, anyone, undefined],
    ['away', { presence: 'away' }, anyone, 'presence'],
    ['offline', { presence: 'offline' }, anyone, 'presence'],
    ['transfer_only, queue work', { presence: 'transfer_only' }, anyone, 'presence'],
    ['transfer_only, a transfer', { presence: 'transfer_only' }, { ...anyone, transfer: true }, undefined],
    ['ring 2 in a ring-1 step', { ring: 2 }, { ...anyone, ringMax: 1 }, 'ring'],
    ['excluded after a reject', { excluded: true }, anyone, 'excluded'],
    ['es 2 where es>=3 is needed', { skills: { es: 2 } }, { ...anyone, skills: [{ skill: 'es', min: 3 }] }, 'skills'],
    ['es 3 where es>=3 is needed', { skills: { es: 3 } }, { ...anyone, skills: [{ skill: 'es', min: 3 }] }, undefined],
    ['full (active + pending)', { active: 2, pendingOffers: 1 }, anyone, 'capacity'],
    ['80 of 100 units, voice costs 100', { pool: '*', capacity: 100, active: 20, cost: 100 }, anyone, 'capacity'],
    ['90 of 100 units, chat costs 20', { pool: '*', capacity: 100, active: 90, cost: 20 }, anyone, 'capacity'],
    ['80 of 100 units, chat costs 20: exactly full after', { pool: '*', capacity: 100, active: 80, cost: 20 }, anyone, undefined],
    ['60 of 100 units, chat costs 20', { pool: '*', capacity: 100, active: 60, cost: 20 }, anyone, undefined],
  ] as const)('%s', (_name, over, req, expected) => {
    expect(ineligibility(candidate('a', over as Partial<Candidate>), req as Requirements)).toBe(expected);
  });

  it('adds the fairness guard on top: burst reached means wait for the next pass', () => {
    expect(verdictOf(candidate('a'), anyone, 0, 1)).toBeUndefined();
    expect(verdictOf(candidate('a'), anyone, 1, 1)).toBe('fairness');
    expect(verdictOf(candidate('a'), anyone, 2, 3)).toBeUndefined();
    expect(verdictOf(candidate('a', { presence: 'away' }), anyone, 5, 1)).toBe('presence');
  });
});

describe('rank', () => {
  it('least_load by ratio vs absolute spare (Zendesk example: 1 of 2 against 8 of 10)', () => {
    const a = candidate('a', { capacity: 2, active: 1 });
    const b = candidate('b', { capacity: 10, active: 8 });
    expect(ids(rank('least_load', [b, a], { loadMode: 'ratio' }))).toEqual(['a', 'b']);
    expect(ids(rank('least_load', [a, b], { loadMode: 'absolute' }))).toEqual(['b', 'a']);
  });

  it('least_load counts pending offers as load', () => {
    const a = candidate('a', { active: 0, pendingOffers: 2 });
    const b = candidate('b', { active: 1 });
    expect(ids(rank('least_load', [a, b]))).toEqual(['b', 'a']);
  });

  it('round_robin: never worked first, then by the order of work, even when timestamps tie', () => {
    const same = at(50);
    const cs = [
      candidate('a', { lastAssignedAt: same, lastWorkSeq: 9 }),
      candidate('b', { lastOfferAt: same, lastWorkSeq: 7 }),
      candidate('c', { lastAssignedAt: same, lastWorkSeq: 8 }),
      candidate('d'),
    ];
    expect(ids(rank('round_robin', cs))).toEqual(['d', 'b', 'c', 'a']);
  });

  it('round_robin without a work order falls back to the latest of offer and assignment time, then id', () => {
    const cs = [candidate('b', { lastAssignedAt: at(5), lastOfferAt: at(30) }), candidate('a', { lastAssignedAt: at(20) }), candidate('c', { lastAssignedAt: at(20) })];
    expect(ids(rank('round_robin', cs))).toEqual(['a', 'c', 'b']);
  });

  it('longest_idle: the earliest of status change or last assignment goes first', () => {
    const cs = [
      candidate('a', { statusSince: at(10), lastAssignedAt: at(40) }),
      candidate('b', { statusSince: at(30) }),
      candidate('c', { statusSince: at(5), lastAssignedAt: at(20) }),
    ];
    expect(ids(rank('longest_idle', cs))).toEqual(['c', 'b', 'a']);
  });

  it('most_skilled: highest proficiency in the required skills, then least load', () => {
    const skills = [{ skill: 'es', min: 1 }];
    const cs = [candidate('a', { skills: { es: 3 } }), candidate('b', { skills: { es: 5 }, active: 2 }), candidate('c', { skills: { es: 5 } })];
    expect(ids(rank('most_skilled', cs, { skills }))).toEqual(['c', 'b', 'a']);
  });

  it('prefers inner rings whatever the strategy (bullseye)', () => {
    const cs = [candidate('outer', { ring: 2 }), candidate('inner', { ring: 1, active: 2 })];
    expect(ids(rank('least_load', cs))).toEqual(['inner', 'outer']);
    expect(ids(rank('round_robin', [candidate('o', { ring: 2 }), candidate('i', { ring: 1, lastWorkSeq: 99 })]))).toEqual(['i', 'o']);
  });

  it('manual never offers', () => {
    expect(rank('manual', [candidate('a')])).toEqual([]);
  });
});

describe('stickyDecision', () => {
  const base = { stickyAgentId: 's', enqueuedAt: at(0), stickyWaitS: 60, now: at(30) };
  const s = (over: Partial<Candidate>) => candidate('s', over);
  it.each([
    ['no sticky agent', { ...base, stickyAgentId: null, verdict: undefined }, 'none'],
    ['eligible', { ...base, verdict: { candidate: s({}), why: undefined } }, 'offer'],
    ['full, within the wait', { ...base, verdict: { candidate: s({ active: 3 }), why: 'capacity' } }, 'wait'],
    ['full, wait over', { ...base, now: at(60), verdict: { candidate: s({ active: 3 }), why: 'capacity' } }, 'drop'],
    ['already served this pass', { ...base, now: at(600), verdict: { candidate: s({}), why: 'fairness' } }, 'wait'],
    ['offline: no wait at all', { ...base, verdict: { candidate: s({ presence: 'offline' }), why: 'presence' } }, 'drop'],
    ['rejected it before', { ...base, verdict: { candidate: s({ excluded: true }), why: 'excluded' } }, 'drop'],
    ['not a member of this queue', { ...base, verdict: undefined }, 'drop'],
  ] as const)('%s', (_name, input, kind) => {
    expect(stickyDecision(input as Parameters<typeof stickyDecision>[0]).kind).toBe(kind);
  });
});

describe('stepStaffed', () => {
  const es3: Requirements = { ringMax: null, skills: [{ skill: 'es', min: 3 }], transfer: false };
  it('counts online agents of the step who have the skills, full or not', () => {
    expect(stepStaffed([candidate('a', { skills: { es: 5 }, presence: 'offline' }), candidate('b', { skills: { es: 2 } })], es3)).toBe(false);
    expect(stepStaffed([candidate('a', { skills: { es: 4 }, active: 3 })], es3)).toBe(true);
    expect(stepStaffed([candidate('a', { skills: { es: 4 }, ring: 2 })], { ...es3, ringMax: 1 })).toBe(false);
  });
});
