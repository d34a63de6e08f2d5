import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { listSurveys } from '@switchboard/db';
import { createRedis, jobIdFor } from '@switchboard/queue';
import { fixtureJson, fixtureText, testRedisUrl, waitFor } from '@switchboard/testkit';
import { ADMIN_TOKEN, apiClient, setUpDesk, startStack, type ApiClient, type Stack } from '../support/stack.ts';

const vector = fixtureJson('telegram/sig_secret_token_valid.json') as { secret: string };
const update = fixtureText('telegram/text_private.json'); // chat 218485655, message 6557, "hello there"
const CHAT = 218485655;

let stack: Stack;
let agent: ApiClient;
let inboxId: string;
let webhookUrl: string;
let inbound: Queue;
const queueRedis = createRedis(testRedisUrl(), 'worker');

const postUpdate = (body: unknown) =>
  fetch(webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': vector.secret },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

// The Telegram fixtures hold no callback_query: this is built from the Bot API's documented
// CallbackQuery fields (https://core.telegram.org/bots/api#callbackquery).
let nextUpdateId = 50_000;
function press(data: string, options: { queryId?: string; chat?: number; messageId?: number } = {}) {
  const chat = options.chat ?? CHAT;
  const queryId = options.queryId ?? `q${nextUpdateId}`;
  return {
    queryId,
    update: {
      update_id: nextUpdateId++,
      callback_query: {
        id: queryId,
        from: { id: chat, is_bot: false, first_name: 'Waffle' },
        message: { message_id: options.messageId ?? 1000, date: 1569518400, chat: { id: chat, type: 'private', first_name: 'Waffle' }, text: 'How satisfied…' },
        chat_instance: '-4637285530021948311',
        data,
      },
    },
  };
}

/** Presses a button and waits until the router has processed the press (accepted or not) and the query was answered. */
async function pressAndSettle(data: string, options: { chat?: number } = {}) {
  const { queryId, update: body } = press(data, options);
  expect((await postUpdate(body)).status).toBe(200);
  const answered = await stack.telegram.waitForCall('answerCallbackQuery', (c) => c.params.callback_query_id === queryId);
  await waitFor(async () => (await (await inbound.getJob(jobIdFor(inboxId, `tg-cb-${queryId}`)))?.getState()) === 'completed', {
    what: 'the press to be processed by the router',
  });
  return answered;
}

async function openAndResolve(text: string, chat = CHAT): Promise<{ conversationId: string; keyboard: { text: string; callback_data: string }[][] }> {
  const body = JSON.parse(update) as { message: { message_id: number; chat: { id: number }; from: { id: number }; text: string } };
  body.message.message_id = nextUpdateId++;
  body.message.chat.id = chat;
  body.message.from.id = chat;
  body.message.text = text;
  expect((await postUpdate(body)).status).toBe(200);
  const conversation = await waitFor(
    async () => (await stack.pool.query(`select id from conversations where thread_key = $1 and status <> 'resolved' and assignee_id is not null`, [String(chat)])).rows[0],
    { what: 'the conversation to be assigned' },
  );
  const resolved = await agent.post(`/api/v1/conversations/${conversation.id}/resolve`, {});
  expect(resolved.status).toBe(200);
  const [survey] = await listSurveys(stack.pool, conversation.id);
  const sent = await stack.telegram.waitForCall('sendMessage', (c) => String(c.params.chat_id) === String(chat) && c.params.reply_markup !== undefined && JSON.stringify(c.params.reply_markup).includes(survey!.id));
  return { conversationId: conversation.id, keyboard: (sent.params.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard };
}

beforeAll(async () => {
  stack = await startStack();
  const desk = await setUpDesk(stack, { agents: 1, capacity: 5 });
  agent = desk.agents[0]!.client;
  const inbox = await apiClient(stack.urls.api, ADMIN_TOKEN).post('/api/v1/inboxes', {
    channel: 'telegram',
    name: 'Support bot',
    defaultQueueId: desk.queueId,
    secrets: { botToken: '123456:E2E-bot-token', webhookSecret: vector.secret },
    survey: { csat: true, nps: true, answerWindowHours: 72 },
  });
  expect(inbox.status).toBe(201);
  expect(inbox.body.survey).toEqual({ csat: true, nps: true, comment: false, answerWindowHours: 72 });
  inboxId = inbox.body.id;
  webhookUrl = inbox.body.webhookUrl;
  inbound = new Queue('inbound', { connection: queueRedis, prefix: stack.prefix });
});
afterAll(async () => {
  await inbound.close();
  queueRedis.disconnect();
  await stack.close();
});

describe('a CSAT/NPS survey on Telegram', () => {
  let conversationId: string;
  let keyboard: { text: string; callback_data: string }[][];
  let surveyId: string;

  it('goes out as an inline keyboard when the agent resolves the conversation', async () => {
    ({ conversationId, keyboard } = await openAndResolve('hello there'));
    const [survey] = await listSurveys(stack.pool, conversationId);
    surveyId = survey!.id;
    expect(survey).toMatchObject({ status: 'pending', asks: ['csat', 'nps'], csat: null, nps: null });
    expect(keyboard.map((row) => row.map((b) => b.text))).toEqual([['1', '2', '3', '4', '5'], ['0', '1', '2', '3', '4', '5'], ['6', '7', '8', '9', '10']]);
    for (const button of keyboard.flat()) expect(Buffer.byteLength(button.callback_data)).toBeLessThanOrEqual(64);
    await waitFor(async () => (await stack.pool.query(`select status from messages where id = $1`, [survey!.messageId])).rows[0]?.status === 'sent', {
      what: 'the survey message to be marked sent',
    });
  });

  it('stores a pressed CSAT score and answers the callback query', async () => {
    const answered = await pressAndSettle(keyboard[0]![3]!.callback_data); // CSAT 4
    expect(answered.token).toBe('123456:E2E-bot-token');
    expect(await listSurveys(stack.pool, conversationId)).toEqual([expect.objectContaining({ id: surveyId, csat: 4, nps: null, status: 'pending' })]);
  });

  it('rejects a second CSAT press: the first answer stands', async () => {
    await pressAndSettle(keyboard[0]![0]!.callback_data); // CSAT 1
    expect((await listSurveys(stack.pool, conversationId))[0]).toMatchObject({ csat: 4, status: 'pending' });
  });

  it('rejects a press forged from another chat, and one naming an unknown survey', async () => {
    await pressAndSettle(keyboard[1]![0]!.callback_data, { chat: 999_000_111 }); // NPS 0, from a stranger
    await pressAndSettle(`sv:n:0:${randomUUID()}`);
    expect((await listSurveys(stack.pool, conversationId))[0]).toMatchObject({ csat: 4, nps: null, status: 'pending' });
    expect((await stack.pool.query(`select count(*)::int as n from surveys where nps is not null`)).rows[0].n).toBe(0);
  });

  it('completes the survey with the NPS press', async () => {
    await pressAndSettle(keyboard[2]![3]!.callback_data); // NPS 9
    expect((await listSurveys(stack.pool, conversationId))[0]).toMatchObject({ csat: 4, nps: 9, status: 'answered', answeredVia: 'telegram_survey' });
    await pressAndSettle(keyboard[2]![4]!.callback_data); // NPS 10: too late, already answered
    expect((await listSurveys(stack.pool, conversationId))[0]).toMatchObject({ nps: 9 });
  });

  it('rejects an answer after the answer window and marks the survey expired', async () => {
    const late = await openAndResolve('one more question', 218485656);
    const [survey] = await listSurveys(stack.pool, late.conversationId);
    // the window (72 h) has passed
    await stack.pool.query(`update surveys set sent_at = sent_at - interval '73 hours', expires_at = now() - interval '1 hour' where id = $1`, [survey!.id]);
    await pressAndSettle(late.keyboard[0]![4]!.callback_data, { chat: 218485656 });
    expect((await listSurveys(stack.pool, late.conversationId))[0]).toMatchObject({ csat: null, status: 'expired' });
  });

  it('sends no survey for an inbox with surveys turned off', async () => {
    const admin = apiClient(stack.urls.api, ADMIN_TOKEN);
    const off = await admin.put(`/api/v1/inboxes/${inboxId}/survey`, { survey: null });
    expect(off.status).toBe(200);
    expect(off.body.survey).toBeNull();
    const body = JSON.parse(update) as { message: { message_id: number; chat: { id: number }; from: { id: number } } };
    body.message.message_id = nextUpdateId++;
    body.message.chat.id = body.message.from.id = 218485657;
    expect((await postUpdate(body)).status).toBe(200);
    const conversation = await waitFor(
      async () => (await stack.pool.query(`select id from conversations where thread_key = '218485657' and assignee_id is not null`)).rows[0],
      { what: 'the conversation to be assigned' },
    );
    expect((await agent.post(`/api/v1/conversations/${conversation.id}/resolve`, {})).status).toBe(200);
    expect(await listSurveys(stack.pool, conversation.id)).toEqual([]);
  });
});
