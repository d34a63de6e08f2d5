import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { listSurveys } from '@switchboard/db';
import { createRedis, jobIdFor } from '@switchboard/queue';
import { fixtureJson, fixtureText, testRedisUrl, waitFor } from '@switchboard/testkit';
import { ADMIN_TOKEN, apiClient, setUpDesk, startStack, type ApiClient, type Stack } from '../support/stack.ts';

const vector = fixtureJson('telegram/sig_secret_token_valid.json') as { secret: string };
const update = fixtureText('telegram/text_private.json'); // chat 218485655, "hello there"

let stack: Stack;
let agent: ApiClient;
let inboxId: string;
let webhookUrl: string;
let inbound: Queue;
const queueRedis = createRedis(testRedisUrl(), 'worker');

const postUpdate = (body: unknown) =>
  fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': vector.secret }, body: JSON.stringify(body) });

let nextId = 70_000;
/** The fixture's private text message from `chat`, optionally replying to one of the bot's messages. */
async function write(chat: number, text: string, replyTo?: number): Promise<void> {
  const body = JSON.parse(update) as { update_id: number; message: Record<string, any> };
  body.update_id = nextId++;
  body.message.message_id = nextId++;
  body.message.chat.id = body.message.from.id = chat;
  body.message.text = text;
  if (replyTo !== undefined) body.message.reply_to_message = { message_id: replyTo, date: body.message.date, chat: body.message.chat, text: 'Thank you!' };
  expect((await postUpdate(body)).status).toBe(200);
}

/** A survey button press (CallbackQuery fields from https://core.telegram.org/bots/api#callbackquery), processed by the router. */
async function press(chat: number, data: string): Promise<void> {
  const queryId = `q${nextId++}`;
  const message = { message_id: 1000, date: 1569518400, chat: { id: chat, type: 'private' }, text: 'How satisfied…' };
  expect((await postUpdate({ update_id: nextId++, callback_query: { id: queryId, from: { id: chat, is_bot: false, first_name: 'W' }, message, chat_instance: '-1', data } })).status).toBe(200);
  await waitFor(async () => (await (await inbound.getJob(jobIdFor(inboxId, `tg-cb-${queryId}`)))?.getState()) === 'completed', { what: 'the press to be processed' });
}

const statusOf = async (conversationId: string) => (await stack.pool.query(`select status from conversations where id = $1`, [conversationId])).rows[0].status as string;

/** Opens a conversation in `chat`, resolves it, presses CSAT 5: returns the conversation and the Telegram message id of the comment prompt. */
async function ratedConversation(chat: number): Promise<{ conversationId: string; surveyId: string; promptMessageId: number }> {
  await write(chat, 'hello there');
  const conversation = await waitFor(
    async () => (await stack.pool.query(`select id from conversations where thread_key = $1 and status <> 'resolved' and assignee_id is not null`, [String(chat)])).rows[0],
    { what: 'the conversation to be assigned' },
  );
  expect((await agent.post(`/api/v1/conversations/${conversation.id}/resolve`, {})).status).toBe(200);
  const [survey] = await listSurveys(stack.pool, conversation.id);
  await stack.telegram.waitForCall('sendMessage', (c) => String(c.params.chat_id) === String(chat) && JSON.stringify(c.params.reply_markup ?? '').includes(survey!.id));
  await press(chat, `sv:c:5:${survey!.id}`);
  const prompt = await stack.telegram.waitForCall('sendMessage', (c) => String(c.params.chat_id) === String(chat) && JSON.stringify(c.params.reply_markup ?? '').includes('force_reply'));
  expect(prompt.params.text).toContain('Reply to this message with a comment');
  const sent = await waitFor(
    async () => (await stack.pool.query(`select m.external_id as "externalId" from surveys s join messages m on m.id = s.comment_prompt_message_id where s.id = $1 and m.status = 'sent'`, [survey!.id])).rows[0],
    { what: 'the comment prompt to be sent' },
  );
  return { conversationId: conversation.id, surveyId: survey!.id, promptMessageId: Number(String(sent.externalId).split(':')[1]) };
}

beforeAll(async () => {
  stack = await startStack();
  const desk = await setUpDesk(stack, { agents: 1, capacity: 5 });
  agent = desk.agents[0]!.client;
  const inbox = await apiClient(stack.urls.api, ADMIN_TOKEN).post('/api/v1/inboxes', {
    channel: 'telegram', name: 'Support bot', defaultQueueId: desk.queueId,
    secrets: { botToken: '123456:E2E-bot-token', webhookSecret: vector.secret },
    survey: { csat: true, comment: true, answerWindowHours: 72 },
  });
  expect(inbox.status).toBe(201);
  inboxId = inbox.body.id;
  webhookUrl = inbox.body.webhookUrl;
  inbound = new Queue('inbound', { connection: queueRedis, prefix: stack.prefix });
});
afterAll(async () => {
  await inbound.close();
  queueRedis.disconnect();
  await stack.close();
});

describe('a Telegram survey comment, asked with force_reply after the rating', () => {
  let rated: Awaited<ReturnType<typeof ratedConversation>>;

  it('asks for a comment once the rating is in', async () => {
    rated = await ratedConversation(218485655);
    expect((await listSurveys(stack.pool, rated.conversationId))[0]).toMatchObject({ csat: 5, status: 'answered', comment: null });
  });

  it('stores a reply to the prompt as the comment, in history, without reopening the conversation', async () => {
    await write(218485655, '  Quick and friendly, thanks!  ', rated.promptMessageId);
    await waitFor(async () => (await listSurveys(stack.pool, rated.conversationId))[0]!.comment !== null, { what: 'the comment to be stored' });
    expect((await listSurveys(stack.pool, rated.conversationId))[0]).toMatchObject({ csat: 5, comment: 'Quick and friendly, thanks!' });
    expect(await statusOf(rated.conversationId)).toBe('resolved');
    const texts = (await stack.pool.query(`select text from messages where conversation_id = $1 and direction = 'in' order by seq`, [rated.conversationId])).rows.map((r) => r.text);
    expect(texts).toEqual(['hello there', '  Quick and friendly, thanks!  ']);
  });

  it('takes a second reply to the prompt as an ordinary message: it reopens, the first comment stands', async () => {
    await write(218485655, 'one more thing', rated.promptMessageId);
    await waitFor(async () => (await statusOf(rated.conversationId)) !== 'resolved', { what: 'the conversation to reopen' });
    expect((await listSurveys(stack.pool, rated.conversationId))[0]).toMatchObject({ comment: 'Quick and friendly, thanks!' });
  });

  it('takes a reply after the answer window as an ordinary message', async () => {
    const late = await ratedConversation(218485699);
    await stack.pool.query(`update surveys set expires_at = now() - interval '1 minute' where id = $1`, [late.surveyId]);
    await write(218485699, 'too late?', late.promptMessageId);
    await waitFor(async () => (await statusOf(late.conversationId)) !== 'resolved', { what: 'the late reply to reopen the conversation' });
    expect((await listSurveys(stack.pool, late.conversationId))[0]).toMatchObject({ csat: 5, comment: null });
  });
});
