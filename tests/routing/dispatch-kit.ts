import { expect } from '@jest/globals';
import type { World } from './world.ts';

/**
 * Gives an online agent `n` conversations through the engine itself (a private auto-accept
 * queue where they are the only member), so their load is real: assigned conversations,
 * agent_load.active and history agree. Returns the conversation ids.
 */
export async function giveWork(w: World, agentId: string, n: number, channel = 'webchat'): Promise<string[]> {
  const q = await w.queue({ autoAccept: true });
  await w.pool.query(`insert into queue_members(queue_id, agent_id) values ($1, $2)`, [q, agentId]);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await w.waiting(q, { channel }));
  expect((await w.drain(q)).assigned).toBe(n);
  for (const id of ids) expect((await w.conversation(id)).assigneeId).toBe(agentId);
  return ids;
}

/** The real wait a placement event reported (offer.created or conversation.assigned). */
export async function reportedWaitS(w: World, type: 'offer.created' | 'conversation.assigned', conversationId: string): Promise<number> {
  const events = await w.events(type, conversationId);
  expect(events).toHaveLength(1);
  return events[0]!.payload.waitedS as number;
}

/** Which agents were offered or assigned work in one pass, with counts. */
export function placedPerAgent(result: { assigned: { agentId: string }[]; offered: { agentId: string }[] }): Map<string, number> {
  const counts = new Map<string, number>();
  for (const p of [...result.assigned, ...result.offered]) counts.set(p.agentId, (counts.get(p.agentId) ?? 0) + 1);
  return counts;
}
