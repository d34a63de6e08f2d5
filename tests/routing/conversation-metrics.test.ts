import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { reopenConversation, transferConversation } from '@switchboard/routing';
import { createWorld, type World } from './world.ts';

/**
 * Hand-computed fixture: conversations with known timestamps go through the real resolve,
 * transfer and reopen paths, and the row of `conversation_metrics` written in the resolve
 * transaction is compared with numbers worked out by hand below.
 */
let w: World;
let moscowQ: string;
let newYorkQ: string;
let a: string;
let b: string;
let n = 0;

const weekdays = (open: string, close: string) => JSON.stringify(Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [[open, close]]])));

async function queueWithHours(timeZone: string, open: string, close: string): Promise<string> {
  const q = await w.queue();
  const { rows } = await w.pool.query(`insert into business_hours(name, time_zone, weekly) values ($1, $1, $2) returning id`, [timeZone, weekdays(open, close)]);
  await w.pool.query(`update queues set business_hours_id = $2 where id = $1`, [q, rows[0].id]);
  return q;
}

/** A conversation created (and waiting in `queueId`) at `at`, with the customer's first message. */
async function arrives(queueId: string, at: string): Promise<string> {
  const inboxId = await w.inboxFor('webchat');
  const { rows: [contact] } = await w.pool.query(`insert into contacts(name) values ($1) returning id`, [`customer ${++n}`]);
  const { rows } = await w.pool.query<{ id: string }>(
    `insert into conversations(inbox_id, contact_id, channel, thread_key, queue_id, routing_state, enqueued_at, created_at, first_inbound_at, last_inbound_at)
     values ($1, $2, 'webchat', $3, $4, 'queued', $5, $5, $5, $5) returning id`,
    [inboxId, contact.id, `metrics-${n}`, queueId, at],
  );
  await message(rows[0]!.id, 'in', at);
  return rows[0]!.id;
}

/** A stored message at a known time: inbound from the customer, or a public reply by `agentId`. */
async function message(conversationId: string, direction: 'in' | 'out', at: string, agentId: string | null = null): Promise<void> {
  await w.pool.query(
    `insert into messages(conversation_id, inbox_id, seq, direction, author_agent_id, text, status, created_at)
     select c.id, c.inbox_id, (select coalesce(max(seq), 0) + 1 from messages where conversation_id = c.id), $2, $3, 'text', $4, $5
       from conversations c where c.id = $1`,
    [conversationId, direction, agentId, direction === 'in' ? 'received' : 'sent', at],
  );
}

async function assignAt(queueId: string, at: string): Promise<void> {
  w.clock.set(new Date(at));
  expect((await w.drain(queueId)).assigned).toBe(1);
}

async function resolveAt(conversationId: string, at: string): Promise<void> {
  w.clock.set(new Date(at));
  expect(await w.resolve(conversationId)).toBeDefined();
}

async function metricsRow(conversationId: string) {
  const { rows } = await w.pool.query(
    `select queue_id as "queueId", last_agent_id as "lastAgentId", first_resolved_at as "firstResolvedAt", resolved_at as "resolvedAt",
            cardinality(resolutions) as resolutions, customer_messages as "customerMessages", agent_replies as "agentReplies", reassignments,
            first_response_s as "firstResponseS", first_response_business_s as "firstResponseBusinessS",
            next_responses_s as "nextResponsesS", next_responses_business_s as "nextResponsesBusinessS",
            first_resolution_s as "firstResolutionS", first_resolution_business_s as "firstResolutionBusinessS",
            resolution_s as "resolutionS", resolution_business_s as "resolutionBusinessS", queue_wait_s as "queueWaitS", queue_wait_business_s as "queueWaitBusinessS"
       from conversation_metrics where conversation_id = $1`,
    [conversationId],
  );
  return rows[0];
}

beforeAll(async () => {
  w = await createWorld();
  moscowQ = await queueWithHours('Europe/Moscow', '09:00', '18:00'); // UTC+3: open 06:00Z-15:00Z
  newYorkQ = await queueWithHours('America/New_York', '09:00', '17:00'); // 14:00Z-22:00Z in EST, 13:00Z-21:00Z in EDT
  a = await w.agent({ queues: [moscowQ, newYorkQ] });
  b = await w.agent({ queues: [newYorkQ], status: 'away' });
});
afterAll(async () => {
  await w.close();
});

describe('conversation_metrics written by the resolve transaction', () => {
  it('Moscow: answered after the weekend; business hours skip the night and the weekend', async () => {
    const c = await arrives(moscowQ, '2026-01-09T14:30:00Z'); // Friday 17:30 MSK
    await assignAt(moscowQ, '2026-01-09T14:40:00Z'); // Friday 17:40 MSK
    await message(c, 'out', '2026-01-12T06:15:00Z', a); // Monday 09:15 MSK
    await message(c, 'in', '2026-01-12T07:00:00Z'); // 10:00 MSK
    await message(c, 'out', '2026-01-12T07:20:00Z', a); // 10:20 MSK
    await resolveAt(c, '2026-01-12T08:00:00Z'); // 11:00 MSK

    expect(await metricsRow(c)).toEqual({
      queueId: moscowQ,
      lastAgentId: a,
      firstResolvedAt: new Date('2026-01-12T08:00:00Z'),
      resolvedAt: new Date('2026-01-12T08:00:00Z'),
      resolutions: 1,
      customerMessages: 2,
      agentReplies: 2,
      reassignments: 0,
      firstResponseS: 229_500, // Fri 14:30Z → Mon 06:15Z = 2 days 15 h 45 min = 63.75 h × 3600
      firstResponseBusinessS: 2_700, // Fri 17:30-18:00 MSK (1800) + Mon 09:00-09:15 MSK (900)
      nextResponsesS: [1_200], // 07:00Z → 07:20Z
      nextResponsesBusinessS: [1_200], // 10:00-10:20 MSK, open
      firstResolutionS: 235_800, // Fri 14:30Z → Mon 08:00Z = 65.5 h × 3600
      firstResolutionBusinessS: 9_000, // Fri 17:30-18:00 (1800) + Mon 09:00-11:00 (7200)
      resolutionS: 235_800,
      resolutionBusinessS: 9_000,
      queueWaitS: 600, // 14:30Z → 14:40Z
      queueWaitBusinessS: 600, // 17:30-17:40 MSK, open
    });
  });

  it('New York across the spring-forward weekend, with a transfer from one agent to another', async () => {
    const c = await arrives(newYorkQ, '2026-03-06T21:00:00Z'); // Friday 16:00 EST
    await assignAt(newYorkQ, '2026-03-06T21:30:00Z'); // 16:30 EST, to a (b is away)
    w.clock.set(new Date('2026-03-09T13:30:00Z')); // Monday 09:30 EDT: back to the queue
    expect(await transferConversation(w.pool, { conversationId: c, by: { agentId: a, kind: 'user' }, to: { queueId: newYorkQ }, clock: w.clock })).toMatchObject({ ok: true });
    w.clock.set(new Date('2026-03-09T14:00:00Z')); // 10:00 EDT: a supervisor hands it to b
    expect(await transferConversation(w.pool, { conversationId: c, by: { agentId: null, kind: 'user' }, to: { agentId: b }, force: true, clock: w.clock })).toMatchObject({ ok: true });
    await message(c, 'out', '2026-03-09T14:30:00Z', b); // 10:30 EDT
    await resolveAt(c, '2026-03-09T15:00:00Z'); // 11:00 EDT

    expect(await metricsRow(c)).toMatchObject({
      lastAgentId: b,
      customerMessages: 1,
      agentReplies: 1,
      reassignments: 1, // a → b
      firstResponseS: 235_800, // Fri 21:00Z → Mon 14:30Z = 65.5 h × 3600
      firstResponseBusinessS: 9_000, // Fri 16:00-17:00 EST (3600) + Mon 09:00-10:30 EDT (5400); Mon 09:00 EDT = 13:00Z, not 14:00Z
      nextResponsesS: [],
      nextResponsesBusinessS: [],
      resolutionS: 237_600, // Fri 21:00Z → Mon 15:00Z = 66 h × 3600
      resolutionBusinessS: 10_800, // Fri 16:00-17:00 EST (3600) + Mon 09:00-11:00 EDT (7200)
      queueWaitS: 3_600, // Fri 21:00Z → 21:30Z (1800) + Mon 13:30Z → 14:00Z (1800)
      queueWaitBusinessS: 3_600, // both inside opening hours
    });
  });

  it('a reopen rewrites the row from stored messages and assignments, with the events already pruned', async () => {
    const c = await arrives(moscowQ, '2026-01-13T07:00:00Z'); // Tuesday 10:00 MSK
    await assignAt(moscowQ, '2026-01-13T07:05:00Z');
    await message(c, 'out', '2026-01-13T07:15:00Z', a);
    await resolveAt(c, '2026-01-13T07:30:00Z');
    expect(await metricsRow(c)).toMatchObject({ resolutions: 1, firstResponseS: 900, resolutionS: 1_800, queueWaitS: 300 });

    w.clock.set(new Date('2026-01-13T09:00:00Z')); // reopened by hand at 12:00 MSK, the customer writes at once
    expect(await reopenConversation(w.pool, { conversationId: c, by: { agentId: null }, clock: w.clock })).toMatchObject({ ok: true });
    await message(c, 'in', '2026-01-13T09:00:00Z');
    await assignAt(moscowQ, '2026-01-13T09:10:00Z'); // back to a
    await message(c, 'out', '2026-01-13T09:40:00Z', a);
    await w.pool.query(`delete from events where conversation_id = $1`, [c]); // as EVENT_RETENTION_HOURS would
    await resolveAt(c, '2026-01-13T10:00:00Z');

    expect(await metricsRow(c)).toMatchObject({
      firstResolvedAt: new Date('2026-01-13T07:30:00Z'),
      resolvedAt: new Date('2026-01-13T10:00:00Z'),
      resolutions: 2,
      customerMessages: 2,
      agentReplies: 2,
      reassignments: 0, // a, then a again
      firstResponseS: 900, // 07:00Z → 07:15Z
      firstResponseBusinessS: 900,
      nextResponsesS: [2_400], // 09:00Z (reopening message) → 09:40Z
      nextResponsesBusinessS: [2_400],
      firstResolutionS: 1_800, // 07:00Z → 07:30Z
      firstResolutionBusinessS: 1_800,
      resolutionS: 10_800, // 07:00Z → 10:00Z
      resolutionBusinessS: 10_800, // 10:00-13:00 MSK, all open
      queueWaitS: 900, // 07:00Z → 07:05Z (300) + 09:00Z → 09:10Z (600); 07:30Z → 09:00Z it was resolved
      queueWaitBusinessS: 900,
    });

    // resolving an already resolved conversation changes nothing
    w.clock.set(new Date('2026-01-13T11:00:00Z'));
    expect(await w.resolve(c)).toBeUndefined();
    expect(await metricsRow(c)).toMatchObject({ resolutions: 2, resolutionS: 10_800 });
  });

  it('a conversation abandoned by the sweeper after max_wait_s gets its row too', async () => {
    const q = await w.queue({ maxWaitS: 120 });
    const c = await arrives(q, '2026-02-03T10:00:00Z');
    w.clock.set(new Date('2026-02-03T10:02:01Z')); // 121 s later: past max_wait_s
    await w.sweep();
    expect((await w.conversation(c)).closeReason).toBe('abandoned');
    expect(await metricsRow(c)).toMatchObject({ agentReplies: 0, firstResponseS: null, resolutionS: 121, queueWaitS: 121 }); // 10:00:00 → 10:02:01
  });

  it('a queue without business hours leaves the business-hours columns empty', async () => {
    const plain = await w.queue();
    const c = await arrives(plain, '2026-02-02T10:00:00Z');
    await resolveAt(c, '2026-02-02T10:45:00Z'); // never assigned, never answered
    expect(await metricsRow(c)).toMatchObject({
      lastAgentId: null,
      firstResponseS: null,
      firstResponseBusinessS: null,
      resolutionS: 2_700, // 45 min
      resolutionBusinessS: null,
      queueWaitS: 2_700, // the whole life waited
      queueWaitBusinessS: null,
      nextResponsesBusinessS: null,
    });
  });
});
