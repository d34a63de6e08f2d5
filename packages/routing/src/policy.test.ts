import { describe, expect, it } from '@jest/globals';
import { rankLeastLoaded } from './policy.ts';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

describe('rankLeastLoaded', () => {
  it('puts the agent using the smallest share of capacity first', () => {
    const ranked = rankLeastLoaded([
      { agentId: 'a', active: 2, capacity: 4, lastAssignedAt: null },
      { agentId: 'b', active: 1, capacity: 4, lastAssignedAt: null },
      { agentId: 'c', active: 1, capacity: 1, lastAssignedAt: null },
    ]);
    expect(ranked.map((c) => c.agentId)).toEqual(['b', 'a']);
  });

  it('breaks ties by longest since last assignment, then by id', () => {
    const ranked = rankLeastLoaded([
      { agentId: 'b', active: 0, capacity: 2, lastAssignedAt: at(5) },
      { agentId: 'a', active: 0, capacity: 2, lastAssignedAt: at(9) },
      { agentId: 'd', active: 0, capacity: 2, lastAssignedAt: null },
      { agentId: 'c', active: 0, capacity: 2, lastAssignedAt: null },
    ]);
    expect(ranked.map((c) => c.agentId)).toEqual(['c', 'd', 'b', 'a']);
  });

  it('drops agents with zero capacity', () => {
    expect(rankLeastLoaded([{ agentId: 'a', active: 0, capacity: 0, lastAssignedAt: null }])).toEqual([]);
  });
});
