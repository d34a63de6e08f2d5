import { describe, it, expect } from '@jest/globals';
import type { DomainEvent, Viewer } from '@switchboard/db';
import type { DomainEventType } from '@switchboard/contracts';
import { isVisible, type VisibilityContext } from './event-visibility.ts';

const ANN = 'a0000000-0000-4000-8000-000000000001';
const BOB = 'b0000000-0000-4000-8000-000000000002';
const Q1 = 'q1';
const Q2 = 'q2';
const context: VisibilityContext = {
  conversations: new Map([
    ['in-q1', { assigneeId: null, queueId: Q1 }],
    ['in-q2', { assigneeId: null, queueId: Q2 }],
    ['ann-in-q2', { assigneeId: ANN, queueId: Q2 }],
  ]),
  queuesOf: new Map([[ANN, new Set([Q1])], [BOB, new Set([Q1, Q2])]]),
};
const ev = (type: DomainEventType, conversationId: string | null, agentId: string | null = null): DomainEvent => ({
  id: '1', type, conversationId, agentId, payload: {}, createdAt: new Date(0),
});
const agent = (agentId: string): Viewer => ({ agentId, role: 'agent' });

describe('isVisible', () => {
  it.each([
    ['a conversation in one of her queues', ev('message.created', 'in-q1'), true],
    ['a conversation in a queue she is not in', ev('message.created', 'in-q2'), false],
    ['a conversation assigned to her outside her queues', ev('conversation.assigned', 'ann-in-q2', ANN), true],
    ['her own status', ev('agent.status', null, ANN), true],
    ["Bob's status", ev('agent.status', null, BOB), false],
    ['her offer', ev('offer.created', 'in-q1', ANN), true],
    ["Bob's offer in her own queue: offers are private", ev('offer.created', 'in-q1', BOB), false],
    ["Bob's assignment in her queue", ev('conversation.assigned', 'in-q1', BOB), true],
    ['an event about no conversation and no agent', ev('routing.alert', null), false],
    ['a conversation that no longer exists', ev('message.created', 'gone'), false],
  ])('an agent sees %s: %s', (_what, event, expected) => {
    expect(isVisible(event, agent(ANN), context)).toBe(expected);
  });

  it('supervisors and admins (also the bootstrap token) see everything', () => {
    for (const viewer of [{ agentId: BOB, role: 'supervisor' }, { agentId: null, role: 'admin' }] as Viewer[]) {
      expect(isVisible(ev('offer.created', 'in-q2', ANN), viewer, context)).toBe(true);
      expect(isVisible(ev('routing.alert', null), viewer, context)).toBe(true);
    }
  });
});
