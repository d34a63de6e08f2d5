import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { ChannelId } from '@switchboard/contracts';
import { createTestDatabase, inboundText, seedDesk, type TestDatabase } from '@switchboard/testkit';
import { recordInbound, type InboundOutcome } from './inbound.ts';
import { createInbox } from './inboxes.ts';
import { withTransaction } from './pool.ts';
import { createSecretBox } from './secret-box.ts';
import { createSurvey, listSurveys } from './surveys.ts';

// Numeric replies on channels without buttons, at the database: what counts as an answer, what
// stays an ordinary message, and that an answer never reopens the conversation.

let db: TestDatabase;
let queueId: string;
const box = createSecretBox(randomBytes(32));

beforeAll(async () => {
  db = await createTestDatabase();
  queueId = (await seedDesk(db.pool, { box, agents: 1 })).queue.id;
});
afterAll(async () => {
  await db?.drop();
});

const record = (event: ReturnType<typeof inboundText>): Promise<InboundOutcome> => withTransaction(db.pool, (tx) => recordInbound(tx, event));
const statusOf = async (conversationId: string) => (await db.pool.query(`select status from conversations where id = $1`, [conversationId])).rows[0].status as string;

/** A customer's conversation on `channel`, resolved with a pending CSAT + NPS survey, as a resolve leaves it. */
async function resolvedWithSurvey(channel: ChannelId, from: string) {
  const inbox = await createInbox(db.pool, box, { channel, name: channel, config: {}, secrets: {}, defaultQueueId: queueId });
  const first = await record(inboundText(inbox.id, { from, text: 'hello', channel }));
  if (first.kind !== 'stored') throw new Error(first.kind);
  const resolvedAt = new Date();
  const survey = await withTransaction(db.pool, async (tx) => {
    await tx.query(`update conversations set status = 'resolved', resolved_at = $2 where id = $1`, [first.conversationId, resolvedAt]);
    return createSurvey(tx, { conversationId: first.conversationId, resolvedAt, settings: { csat: true, nps: true, comment: false, answerWindowHours: 24 } });
  });
  return { inboxId: inbox.id, conversationId: first.conversationId, surveyId: survey!.surveyId, messageId: survey!.messageId };
}

describe.each(['messenger', 'viber', 'vk'] as const)('a numeric-reply survey on %s', (channel) => {
  const from = `customer-${channel}`;
  let c: Awaited<ReturnType<typeof resolvedWithSurvey>>;

  beforeAll(async () => {
    c = await resolvedWithSurvey(channel, from);
  });

  it('asks CSAT alone first, with the range to answer in', async () => {
    const { rows } = await db.pool.query(`select text from messages where id = $1`, [c.messageId]);
    expect(rows[0].text).toBe('How satisfied are you with our support? (1 = not at all, 5 = very)\nReply with a number from 1 to 5.');
  });

  it('records "4" as CSAT, keeps it as a message of the resolved conversation, and writes the NPS question', async () => {
    const event = inboundText(c.inboxId, { from, text: '4', channel, messageId: 'csat' });
    const outcome = await record(event);
    expect(outcome).toMatchObject({ kind: 'survey', outcome: { kind: 'recorded', surveyId: c.surveyId, status: 'pending' }, followUp: { channel } });
    if (outcome.kind !== 'survey') throw new Error(outcome.kind);
    const followUp = (await db.pool.query(`select text, status, direction from messages where id = $1`, [outcome.followUp!.messageId])).rows[0];
    expect(followUp).toEqual({ text: 'How likely are you to recommend us to a friend? (0 = not at all, 10 = very likely)\nReply with a number from 0 to 10.', status: 'queued', direction: 'out' });
    const answer = (await db.pool.query(`select conversation_id as "conversationId", text from messages where id = $1`, [outcome.messageId])).rows[0];
    expect(answer).toEqual({ conversationId: c.conversationId, text: '4' });
    expect(await statusOf(c.conversationId)).toBe('resolved');
    // the platform redelivers the webhook: a duplicate, not an NPS of 4
    expect(await record(event)).toMatchObject({ kind: 'duplicate' });
    expect((await listSurveys(db.pool, c.conversationId))[0]).toMatchObject({ csat: 4, nps: null, answeredVia: 'numeric_reply' });
  });

  it('takes a number from another customer as their own message, not as this survey’s answer', async () => {
    const outcome = await record(inboundText(c.inboxId, { from: `${from}-other`, text: '9', channel }));
    expect(outcome).toMatchObject({ kind: 'stored', conversation: 'created' });
    expect((await listSurveys(db.pool, c.conversationId))[0]).toMatchObject({ nps: null });
  });

  it('completes the survey with the NPS number; nothing more is asked', async () => {
    const outcome = await record(inboundText(c.inboxId, { from, text: '10', channel }));
    expect(outcome).toMatchObject({ kind: 'survey', outcome: { kind: 'recorded', status: 'answered' } });
    expect(outcome).not.toHaveProperty('followUp');
    expect((await listSurveys(db.pool, c.conversationId))[0]).toMatchObject({ csat: 4, nps: 10, status: 'answered' });
    expect(await statusOf(c.conversationId)).toBe('resolved');
  });

  it('stores a number after the survey is answered as an ordinary message that reopens', async () => {
    expect(await record(inboundText(c.inboxId, { from, text: '5', channel }))).toMatchObject({ kind: 'stored', conversation: 'reopened' });
  });
});

describe('what a pending numeric survey does not take', () => {
  it('stores any other text as an ordinary message that reopens; the survey stays pending and no longer takes numbers', async () => {
    const c = await resolvedWithSurvey('whatsapp', 'customer-words');
    expect(await record(inboundText(c.inboxId, { from: 'customer-words', text: 'five stars', channel: 'whatsapp' }))).toMatchObject({ kind: 'stored', conversation: 'reopened' });
    // reopened: a number now may answer the agent, not the survey
    expect(await record(inboundText(c.inboxId, { from: 'customer-words', text: '3', channel: 'whatsapp' }))).toMatchObject({ kind: 'stored', conversation: 'existing' });
    expect((await listSurveys(db.pool, c.conversationId))[0]).toMatchObject({ status: 'pending', csat: null });
  });

  it('stores a number after the answer window as an ordinary message', async () => {
    const c = await resolvedWithSurvey('sms', '+15550001111');
    await db.pool.query(`update surveys set expires_at = now() - interval '1 second' where id = $1`, [c.surveyId]);
    expect(await record(inboundText(c.inboxId, { from: '+15550001111', text: '5', channel: 'sms' }))).toMatchObject({ kind: 'stored', conversation: 'reopened' });
    expect((await listSurveys(db.pool, c.conversationId))[0]).toMatchObject({ csat: null });
  });

  it('never reads numbers on channels that ask with buttons or links', async () => {
    const c = await resolvedWithSurvey('telegram', '424242');
    expect(await record(inboundText(c.inboxId, { from: '424242', text: '5', channel: 'telegram' }))).toMatchObject({ kind: 'stored', conversation: 'reopened' });
    expect((await listSurveys(db.pool, c.conversationId))[0]).toMatchObject({ csat: null });
  });
});
