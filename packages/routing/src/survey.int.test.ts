import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { ChannelId } from '@switchboard/contracts';
import { createInbox, createSecretBox, listSurveys, recordInbound, recordSurveyAnswer, setInboxSurveySettings, withTransaction } from '@switchboard/db';
import { createTestDatabase, inboundText, seedDesk, type TestDatabase } from '@switchboard/testkit';
import { openSurvey } from './survey.ts';

// A survey is a free-form message: on channels with a reply window it is opened only while the
// platform would still deliver it.

let db: TestDatabase;
let queueId: string;
const box = createSecretBox(randomBytes(32));
const HOUR = 3_600_000;

beforeAll(async () => {
  db = await createTestDatabase();
  queueId = (await seedDesk(db.pool, { box, agents: 1 })).queue.id;
});
afterAll(async () => {
  await db?.drop();
});

/** A conversation on `channel` whose customer last wrote now, resolved `hoursLater`; what openSurvey does with it. */
async function resolveAfter(channel: ChannelId, hoursLater: number) {
  const inbox = await createInbox(db.pool, box, { channel, name: `${channel} ${hoursLater}`, config: {}, secrets: {}, defaultQueueId: queueId });
  await setInboxSurveySettings(db.pool, inbox.id, { csat: true, nps: false, comment: false, answerWindowHours: 72 });
  const stored = await withTransaction(db.pool, (tx) => recordInbound(tx, inboundText(inbox.id, { from: `customer-${channel}-${hoursLater}`, text: 'hello', channel })));
  if (stored.kind !== 'stored') throw new Error(stored.kind);
  const resolvedAt = new Date(Date.now() + hoursLater * HOUR);
  return withTransaction(db.pool, async (tx) => {
    await tx.query(`update conversations set status = 'resolved', resolved_at = $2 where id = $1`, [stored.conversationId, resolvedAt]);
    return openSurvey(tx, stored.conversationId, resolvedAt);
  });
}

describe('a survey after a resolve on a channel with a 24-hour reply window', () => {
  it.each(['whatsapp', 'messenger', 'instagram'] as const)('is opened on %s within the window and not after it', async (channel) => {
    expect(await resolveAfter(channel, 23)).toMatchObject({ channel, surveyId: expect.any(String), messageId: expect.any(String) });
    expect(await resolveAfter(channel, 25)).toBeUndefined();
  });

  it('does not limit channels without a window', async () => {
    expect(await resolveAfter('telegram', 25)).toMatchObject({ channel: 'telegram' });
    expect(await resolveAfter('sms', 200)).toMatchObject({ channel: 'sms' });
  });
});

describe('a conversation resolved again', () => {
  /** A Telegram conversation with surveys on, and a resolve of it at `at` (as the resolve transaction calls openSurvey). */
  async function conversation(name: string) {
    const inbox = await createInbox(db.pool, box, { channel: 'telegram', name, config: {}, secrets: {}, defaultQueueId: queueId });
    await setInboxSurveySettings(db.pool, inbox.id, { csat: true, nps: true, comment: false, answerWindowHours: 72 });
    const stored = await withTransaction(db.pool, (tx) => recordInbound(tx, inboundText(inbox.id, { from: name, text: 'hello' })));
    if (stored.kind !== 'stored') throw new Error(stored.kind);
    const resolve = (at: Date) =>
      withTransaction(db.pool, async (tx) => {
        await tx.query(`update conversations set status = 'resolved', resolved_at = $2 where id = $1`, [stored.conversationId, at]);
        return openSurvey(tx, stored.conversationId, at);
      });
    const answer = (surveyId: string, score: { csat?: number; nps?: number }) =>
      withTransaction(db.pool, (tx) => recordSurveyAnswer(tx, { answer: { surveyId, ...score }, inboxId: inbox.id, threadKey: name, via: 'telegram_survey', now: new Date() }));
    return { id: stored.conversationId, resolve, answer };
  }

  it('is not asked again once the customer gave a score: a rating is stored once per conversation', async () => {
    const c = await conversation('rated-once');
    const first = await c.resolve(new Date());
    expect(await c.answer(first!.surveyId, { csat: 5 })).toMatchObject({ kind: 'recorded', status: 'pending' });
    expect(await c.resolve(new Date(Date.now() + HOUR))).toBeUndefined();
    // the first survey stays open for its NPS
    expect(await c.answer(first!.surveyId, { nps: 9 })).toMatchObject({ kind: 'recorded', status: 'answered' });
    expect((await listSurveys(db.pool, c.id)).map((s) => [s.status, s.csat, s.nps])).toEqual([['answered', 5, 9]]);
  });

  it('closes the unanswered survey of the earlier resolve and asks again: never two to answer', async () => {
    const c = await conversation('asked-again');
    const first = await c.resolve(new Date());
    const second = await c.resolve(new Date(Date.now() + HOUR));
    expect(second!.surveyId).not.toBe(first!.surveyId);
    expect(await c.answer(first!.surveyId, { csat: 1 })).toEqual({ kind: 'rejected', reason: 'expired' });
    expect(await c.answer(second!.surveyId, { csat: 4 })).toMatchObject({ kind: 'recorded' });
    const surveys = await listSurveys(db.pool, c.id);
    expect(surveys.map((s) => [s.id, s.status, s.csat])).toEqual([[first!.surveyId, 'expired', null], [second!.surveyId, 'pending', 4]]);
  });
});
