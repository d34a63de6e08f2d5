import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { parse } from 'csv-parse/sync';
import { buildApi } from '@switchboard/api';
import { isDatabaseReady, rollMessageVolume } from '@switchboard/db';
import { silentLogger } from '@switchboard/log';
import { createWorld, type World } from '../routing/world.ts';

/**
 * Hand-computed fixture: four conversations with known timestamps go through the real resolve
 * path (which writes conversation_metrics), the rollup job rolls their messages, and every
 * report the API answers is compared with the numbers worked out in the comments.
 *
 *  C1 webchat  Moscow queue (09-18 MSK weekdays)  contact RU
 *     in 2026-01-12 06:00Z (Mon 09:00 MSK), assigned to A 06:05, A replies 06:15, in 06:30, A replies 06:40, resolved 07:00
 *  C2 telegram Moscow queue                       contact DE
 *     in 2026-01-12 21:30Z (Tue 00:30 MSK: the 13th in Moscow, the 12th in UTC), assigned to A 21:35,
 *     A replies 2026-01-13 06:30Z (09:30 MSK), resolved 07:00Z (10:00 MSK)
 *  C3 telegram plain queue (no hours)              contact RU
 *     in 2026-01-12 10:00Z, assigned to B 10:10, B replies 10:20, resolved 10:30
 *  C4 webchat  plain queue                        no country
 *     in 2026-01-13 12:00Z, an auto-reply (no author) at 12:00:01, B's private note at 12:05; still open
 */
const ADMIN = 'reports-test-admin-token-0123456789abcdef';
const NOW = new Date('2026-01-14T00:00:00Z');
let w: World;
let api: FastifyInstance;
let moscowQ: string;
let plainQ: string;
let a: string;
let b: string;
const c: Record<'c1' | 'c2' | 'c3' | 'c4', string> = { c1: '', c2: '', c3: '', c4: '' };
let n = 0;

async function arrives(queueId: string, channel: 'webchat' | 'telegram', country: string | null, at: string): Promise<string> {
  const inboxId = await w.inboxFor(channel);
  const { rows: [contact] } = await w.pool.query(`insert into contacts(name, country, country_source) values ($1, $2, $3) returning id`, [`customer ${++n}`, country, country && 'phone']);
  const { rows } = await w.pool.query<{ id: string }>(
    `insert into conversations(inbox_id, contact_id, channel, thread_key, queue_id, routing_state, enqueued_at, created_at, first_inbound_at, last_inbound_at)
     values ($1, $2, $3, $4, $5, 'queued', $6, $6, $6, $6) returning id`,
    [inboxId, contact.id, channel, `reports-${n}`, queueId, at],
  );
  await message(rows[0]!.id, 'in', at);
  return rows[0]!.id;
}

async function message(conversationId: string, direction: 'in' | 'out', at: string, agentId: string | null = null, isPrivate = false): Promise<void> {
  await w.pool.query(
    `insert into messages(conversation_id, inbox_id, seq, direction, author_agent_id, is_private, text, status, created_at)
     select c.id, c.inbox_id, (select coalesce(max(seq), 0) + 1 from messages where conversation_id = c.id), $2, $3, $6, 'text', $4, $5
       from conversations c where c.id = $1`,
    [conversationId, direction, agentId, direction === 'in' ? 'received' : 'sent', at, isPrivate],
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

async function timer(conversationId: string, kind: string, t: { started: string; due: string; met?: string; breached?: string; paused?: string }): Promise<void> {
  await w.pool.query(
    `insert into sla_timers(conversation_id, kind, anchor_message_id, started_at, due_at, met_at, breached_at, paused_at) values ($1, $2, gen_random_uuid(), $3, $4, $5, $6, $7)`,
    [conversationId, kind, t.started, t.due, t.met ?? null, t.breached ?? null, t.paused ?? null],
  );
}

/** A survey as recordSurveyAnswer leaves it: `answeredAt` is the first score's time; `asks` defaults to the scores given. */
async function survey(
  conversationId: string,
  s: { resolvedAt: string; agentId: string; csat: number | null; nps: number | null; answeredAt: string | null; asks?: ('csat' | 'nps')[]; status?: 'pending' | 'answered' | 'expired' },
): Promise<void> {
  const asks = s.asks ?? [...(s.csat !== null ? ['csat'] : []), ...(s.nps !== null ? ['nps'] : [])];
  await w.pool.query(
    `insert into surveys(conversation_id, resolved_at, inbox_id, channel, queue_id, agent_id, asks, status, csat, nps, sent_at, answered_at, expires_at)
     select c.id, $2, c.inbox_id, c.channel, c.queue_id, $3, $4, $5, $6, $7, $2, $8, $2::timestamptz + interval '1 day' from conversations c where c.id = $1`,
    [conversationId, s.resolvedAt, s.agentId, asks, s.status ?? (s.answeredAt ? 'answered' : 'pending'), s.csat, s.nps, s.answeredAt],
  );
}

beforeAll(async () => {
  w = await createWorld();
  api = await buildApi({
    pool: w.pool, producer: undefined as never, clock: w.clock, secretBox: w.box, logger: silentLogger(), adminToken: ADMIN,
    publicUrls: { telegramWebhookBase: 'https://hooks.example.test/', webchatBase: 'https://chat.example.test' },
    readiness: { database: () => isDatabaseReady(w.pool) },
  });
  moscowQ = await w.queue();
  const { rows } = await w.pool.query(`insert into business_hours(name, time_zone, weekly) values ('Moscow', 'Europe/Moscow', $1) returning id`, [
    JSON.stringify(Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [['09:00', '18:00']]]))),
  ]);
  await w.pool.query(`update queues set business_hours_id = $2 where id = $1`, [moscowQ, rows[0].id]);
  plainQ = await w.queue();
  a = await w.agent({ queues: [moscowQ], capacity: { webchat: 3, telegram: 3 } });
  b = await w.agent({ queues: [plainQ], capacity: { webchat: 3, telegram: 3 } });
  // a name a spreadsheet would run as a formula: the CSV must defuse it
  await w.pool.query(`update agents set name = 'Ann' where id = $1`, [a]);
  await w.pool.query(`update agents set name = '=HYPERLINK("http://x")' where id = $1`, [b]);

  c.c1 = await arrives(moscowQ, 'webchat', 'RU', '2026-01-12T06:00:00Z');
  await assignAt(moscowQ, '2026-01-12T06:05:00Z');
  await message(c.c1, 'out', '2026-01-12T06:15:00Z', a);
  await message(c.c1, 'in', '2026-01-12T06:30:00Z');
  await message(c.c1, 'out', '2026-01-12T06:40:00Z', a);
  await resolveAt(c.c1, '2026-01-12T07:00:00Z');

  c.c3 = await arrives(plainQ, 'telegram', 'RU', '2026-01-12T10:00:00Z');
  await assignAt(plainQ, '2026-01-12T10:10:00Z');
  await message(c.c3, 'out', '2026-01-12T10:20:00Z', b);
  await resolveAt(c.c3, '2026-01-12T10:30:00Z');

  c.c2 = await arrives(moscowQ, 'telegram', 'DE', '2026-01-12T21:30:00Z');
  await assignAt(moscowQ, '2026-01-12T21:35:00Z');
  await message(c.c2, 'out', '2026-01-13T06:30:00Z', a);
  await resolveAt(c.c2, '2026-01-13T07:00:00Z');

  c.c4 = await arrives(plainQ, 'webchat', null, '2026-01-13T12:00:00Z');
  await message(c.c4, 'out', '2026-01-13T12:00:01Z'); // auto-reply
  await message(c.c4, 'out', '2026-01-13T12:05:00Z', b, true); // private note: not in the volume

  // SLA timers, written after the resolves (which settle open timers)
  await timer(c.c1, 'frt', { started: '2026-01-12T06:00:00Z', due: '2026-01-12T06:10:00Z', breached: '2026-01-12T06:10:00Z', met: '2026-01-12T06:15:00Z' }); // late: breached
  await timer(c.c1, 'rt', { started: '2026-01-12T06:00:00Z', due: '2026-01-12T08:00:00Z', met: '2026-01-12T07:00:00Z' });
  await timer(c.c2, 'frt', { started: '2026-01-12T21:30:00Z', due: '2026-01-13T07:00:00Z', met: '2026-01-13T06:30:00Z' });
  await timer(c.c3, 'frt', { started: '2026-01-12T10:00:00Z', due: '2026-01-12T10:30:00Z', met: '2026-01-12T10:20:00Z' });
  await timer(c.c4, 'frt', { started: '2026-01-13T12:00:00Z', due: '2026-01-13T12:10:00Z' }); // overdue at NOW, not swept yet: breached at 12:10
  await timer(c.c4, 'nrt', { started: '2026-01-13T12:00:00Z', due: '2026-01-13T12:05:00Z', paused: '2026-01-13T12:03:00Z' }); // paused: no outcome
  await timer(c.c4, 'rt', { started: '2026-01-13T12:00:00Z', due: '2026-01-20T12:00:00Z' }); // running, not due: no outcome

  await survey(c.c1, { resolvedAt: '2026-01-12T07:00:00Z', agentId: a, csat: 5, nps: 10, answeredAt: '2026-01-12T08:00:00Z' });
  await survey(c.c1, { resolvedAt: '2026-01-12T07:30:00Z', agentId: a, csat: null, nps: 9, answeredAt: '2026-01-12T09:00:00Z' });
  await survey(c.c2, { resolvedAt: '2026-01-13T07:00:00Z', agentId: a, csat: 2, nps: 3, answeredAt: '2026-01-13T08:00:00Z' });
  await survey(c.c3, { resolvedAt: '2026-01-12T10:30:00Z', agentId: b, csat: 4, nps: 8, answeredAt: '2026-01-12T11:00:00Z' });
  // asked both, gave CSAT 1 and never NPS: the CSAT counts, the survey expired
  await survey(c.c4, { resolvedAt: '2026-01-13T13:00:00Z', agentId: b, csat: 1, nps: null, asks: ['csat', 'nps'], status: 'expired', answeredAt: '2026-01-13T14:00:00Z' });
  await survey(c.c4, { resolvedAt: '2026-01-13T15:00:00Z', agentId: b, csat: null, nps: null, asks: ['csat', 'nps'], answeredAt: null }); // never answered: not counted

  w.clock.set(NOW);
  expect(await rollMessageVolume(w.pool, NOW)).toMatchObject({ skipped: false, caughtUp: true });
});
afterAll(async () => {
  await api.close();
  await w.close();
});

const get = (path: string) => api.inject({ method: 'GET', url: `/api/v1/reports/${path}`, headers: { authorization: `Bearer ${ADMIN}` } });
async function rows(path: string) {
  const res = await get(path);
  expect(res.statusCode).toBe(200);
  return res.json().rows;
}
const RANGE = 'from=2026-01-12&to=2026-01-14';
/** Rows grouped by agent come in agent-id order, no agent last, as the reports sort them. */
const inIdOrder = <T extends { agentId: string | null }>(list: T[]) => [...list].sort((x, y) => (x.agentId === null ? 1 : y.agentId === null ? -1 : x.agentId < y.agentId ? -1 : 1));

describe('volume', () => {
  it('by channel: conversations created, messages in and out (auto-replies count, private notes do not)', async () => {
    expect(await rows(`volume?${RANGE}&groupBy=channel`)).toEqual([
      { channel: 'telegram', conversations: 2, messages: 4, messagesIn: 2, messagesOut: 2 }, // C2, C3: one in and one reply each
      { channel: 'webchat', conversations: 2, messages: 6, messagesIn: 3, messagesOut: 3 }, // C1 2 in 2 out; C4 1 in, 1 auto-reply
    ]);
  });

  it('by day in UTC and in Moscow: C2 arrived 21:30Z, already the next day in Moscow', async () => {
    expect(await rows(`volume?${RANGE}&groupBy=day`)).toEqual([
      { day: '2026-01-12', conversations: 3, messages: 7, messagesIn: 4, messagesOut: 3 }, // C1, C2, C3; C2's reply is on the 13th
      { day: '2026-01-13', conversations: 1, messages: 3, messagesIn: 1, messagesOut: 2 }, // C4; C2's reply, C4's auto-reply
    ]);
    const res = await get(`volume?${RANGE}&groupBy=day&timeZone=Europe/Moscow`);
    expect(res.json()).toMatchObject({ from: '2026-01-11T21:00:00.000Z', to: '2026-01-13T21:00:00.000Z', timeZone: 'Europe/Moscow', asOf: NOW.toISOString() });
    expect(res.json().rows).toEqual([
      { day: '2026-01-12', conversations: 2, messages: 6, messagesIn: 3, messagesOut: 3 }, // C1, C3
      { day: '2026-01-13', conversations: 2, messages: 4, messagesIn: 2, messagesOut: 2 }, // C2 (00:30 MSK), C4 (15:00 MSK)
    ]);
  });

  it('by agent: replies by their author, customer messages by the agent assigned when they arrived', async () => {
    expect(await rows(`volume?${RANGE}&groupBy=agent`)).toEqual(inIdOrder([
      { agentId: a, agentName: 'Ann', conversations: 2, messages: 4, messagesIn: 1, messagesOut: 3 }, // C1, C2; C1's 06:30 message came while A had it
      { agentId: b, agentName: '=HYPERLINK("http://x")', conversations: 1, messages: 1, messagesIn: 0, messagesOut: 1 }, // C3
      { agentId: null, agentName: null, conversations: 1, messages: 5, messagesIn: 4, messagesOut: 1 }, // C4; every first message waited; the auto-reply
    ]));
  });

  it('filtered to one country (the region cut)', async () => {
    expect(await rows(`volume?${RANGE}&country=RU`)).toEqual([{ conversations: 2, messages: 6, messagesIn: 3, messagesOut: 3 }]); // C1, C3
  });
});

describe('channel share', () => {
  it("each channel's share of conversations and messages, overall and per country", async () => {
    expect(await rows(`channel-share?${RANGE}`)).toEqual([
      { channel: 'telegram', conversations: 2, conversationSharePercent: 50, messages: 4, messageSharePercent: 40 },
      { channel: 'webchat', conversations: 2, conversationSharePercent: 50, messages: 6, messageSharePercent: 60 },
    ]);
    expect(await rows(`channel-share?${RANGE}&groupBy=country`)).toEqual([
      { channel: 'telegram', country: 'DE', conversations: 1, conversationSharePercent: 100, messages: 2, messageSharePercent: 100 },
      { channel: 'telegram', country: 'RU', conversations: 1, conversationSharePercent: 50, messages: 2, messageSharePercent: 33.3 }, // C3: 2 of RU's 6
      { channel: 'webchat', country: 'RU', conversations: 1, conversationSharePercent: 50, messages: 4, messageSharePercent: 66.7 }, // C1: 4 of 6
      { channel: 'webchat', country: null, conversations: 1, conversationSharePercent: 100, messages: 2, messageSharePercent: 100 },
    ]);
  });
});

describe('response times', () => {
  it('p50/p90 (percentile_cont) of FRT, NRT and resolution, wall-clock and business hours, by queue', async () => {
    const byQueue = await rows(`response-times?${RANGE}&groupBy=queue`);
    expect(byQueue).toHaveLength(2); // ordered by queue id
    const moscow = byQueue.find((r: { queueId: string }) => r.queueId === moscowQ);
    const plain = byQueue.find((r: { queueId: string }) => r.queueId === plainQ);
    expect(moscow).toEqual({
      queueId: moscowQ, queueName: expect.any(String), resolved: 2, answered: 2,
      // FRT C1 900 (06:00→06:15), C2 32,400 (21:30→06:30): p50 = 16,650; p90 = 900 + 0.9 × 31,500 = 29,250
      firstResponseP50S: 16_650, firstResponseP90S: expect.closeTo(29_250, 6),
      // business: C1 900 (open); C2 1,800 (closed until 09:00 MSK, then 09:00-09:30): p50 1,350; p90 900 + 0.9 × 900 = 1,710
      firstResponseBusinessP50S: 1_350, firstResponseBusinessP90S: expect.closeTo(1_710, 6),
      // NRT: C1's one, 06:30→06:40, inside opening hours
      nextResponses: 1, nextResponseP50S: 600, nextResponseP90S: 600, nextResponseBusinessP50S: 600, nextResponseBusinessP90S: 600,
      // resolution C1 3,600; C2 34,200 (21:30→07:00): p50 18,900; p90 3,600 + 0.9 × 30,600 = 31,140
      resolutionP50S: 18_900, resolutionP90S: expect.closeTo(31_140, 6),
      // business: C1 09:00-10:00 MSK; C2 09:00-10:00 MSK
      resolutionBusinessP50S: 3_600, resolutionBusinessP90S: 3_600,
    });
    expect(plain).toEqual({
      queueId: plainQ, queueName: expect.any(String), resolved: 1, answered: 1, // C3 (C4 is open)
      firstResponseP50S: 1_200, firstResponseP90S: 1_200, firstResponseBusinessP50S: null, firstResponseBusinessP90S: null,
      nextResponses: 0, nextResponseP50S: null, nextResponseP90S: null, nextResponseBusinessP50S: null, nextResponseBusinessP90S: null,
      resolutionP50S: 1_800, resolutionP90S: 1_800, resolutionBusinessP50S: null, resolutionBusinessP90S: null,
    });
  });
});

describe('SLA attainment', () => {
  it('met ÷ (met + breached) per kind; late replies and overdue running timers are breaches, paused and not-yet-due ones wait', async () => {
    expect(await rows(`sla?${RANGE}`)).toEqual([
      { kind: 'frt', met: 2, breached: 2, attainmentPercent: 50 }, // met C2, C3; breached C1 (late), C4 (overdue)
      { kind: 'rt', met: 1, breached: 0, attainmentPercent: 100 }, // C1
    ]);
    expect(await rows(`sla?${RANGE}&groupBy=day&timeZone=Europe/Moscow`)).toEqual([
      { kind: 'frt', day: '2026-01-12', met: 1, breached: 1, attainmentPercent: 50 }, // C3 met, C1 breached
      { kind: 'frt', day: '2026-01-13', met: 1, breached: 1, attainmentPercent: 50 }, // C2 met 09:30 MSK, C4 due 15:10 MSK
      { kind: 'rt', day: '2026-01-12', met: 1, breached: 0, attainmentPercent: 100 },
    ]);
  });
});

describe('satisfaction', () => {
  it('CSAT average and distribution, NPS, overall and by agent; every score given counts, unanswered surveys do not', async () => {
    expect(await rows(`satisfaction?${RANGE}`)).toEqual([
      {
        responses: 5,
        csatResponses: 4, csatAverage: 3, csatSatisfiedPercent: 50, // 5, 2, 4, 1 (NPS never came): mean 12/4; two of four are 4-5
        csat1: 1, csat2: 1, csat3: 0, csat4: 1, csat5: 1,
        npsResponses: 4, promoters: 2, passives: 1, detractors: 1, nps: 25, // 10, 9 | 8 | 3: 50% − 25%
      },
    ]);
    const byAgent = await rows(`satisfaction?${RANGE}&groupBy=agent`);
    expect(byAgent.map((r: Record<string, unknown>) => [r.agentId, r.csatAverage, r.csatSatisfiedPercent, r.nps])).toEqual(
      inIdOrder([
        { agentId: a, figures: [3.5, 50, 33] }, // csat 5, 2; nps 10, 9, 3: (2 − 1) / 3 = 33.3 → 33
        { agentId: b, figures: [2.5, 50, 0] }, // csat 4, 1; nps 8 (passive)
      ]).map((r) => [r.agentId, ...r.figures]),
    );
  });
});

describe('CSV export', () => {
  it.each([
    `volume?${RANGE}&groupBy=agent`,
    `channel-share?${RANGE}&groupBy=country`,
    `response-times?${RANGE}&groupBy=queue`,
    `sla?${RANGE}&groupBy=day&timeZone=Europe/Moscow`,
    `satisfaction?${RANGE}&groupBy=agent,country`,
  ])('%s parses back to the JSON rows', async (path) => {
    const json = (await get(path)).json();
    const res = await get(`${path}&format=csv`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="switchboard-${path.split('?')[0]}-2026-01-12-2026-01-14.csv"`);
    expect(res.body.endsWith('\r\n')).toBe(true);
    const [header, ...records] = parse(res.body) as string[][];
    expect(header).toEqual(json.columns);
    const asCells = (row: Record<string, unknown>) =>
      json.columns.map((c: string) => (row[c] === null ? '' : typeof row[c] === 'string' && /^[=+\-@]/.test(row[c] as string) ? `'${row[c]}` : String(row[c])));
    expect(records).toEqual(json.rows.map(asCells));
  });

  it('defuses a formula in a name cell', async () => {
    const res = await get(`volume?${RANGE}&groupBy=agent&format=csv`);
    expect(res.body).toContain(`,"'=HYPERLINK(""http://x"")",`);
  });
});

describe('bad requests', () => {
  it.each([
    ['from=2026-01-14&to=2026-01-12', 'query.to'],
    ['from=2025-01-01&to=2026-03-01', 'query.to'],
    ['from=last-week&to=2026-01-12', 'query.from'],
    ['from=2026-01-12&to=2026-01-14&timeZone=Europe/Atlantis', 'query.timeZone'],
    ['from=2026-01-12&to=2026-01-14&groupBy=channel,password', 'query.groupBy'],
    ['from=2026-01-12&to=2026-01-14&agentId=ann', 'query.agentId'],
  ])('%s → 400 naming %s', async (query, field) => {
    const res = await get(`volume?${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message.split(':')[0]).toBe(field);
  });
});
