import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { createSmsSender, createWhatsAppSender, twilioSignature } from '@switchboard/channels';
import { listSurveys } from '@switchboard/db';
import { buildSmsIngress } from '@switchboard/ingress-sms';
import { silentLogger } from '@switchboard/log';
import { fixtureText, startFakeTwilio, startFakeWhatsApp, waitFor, type FakeTwilio, type FakeWhatsApp } from '@switchboard/testkit';
import { buildWebhookIngress } from '@switchboard/webhook-ingress';
import { ADMIN_TOKEN, apiClient, setUpDesk, startStack, type ApiClient, type Stack } from '../support/stack.ts';

const APP_SECRET = 'e2e-whatsapp-app-secret';
const PHONE_NUMBER_ID = '1122334455667'; // the business number of the pywa fixtures
const ACCOUNT_SID = 'AC0000000000000000000000000000e2e0';
const AUTH_TOKEN = 'twilio-e2e-auth-token';
const OUR_NUMBER = '+12028831111';

let stack: Stack;
let whatsapp: FakeWhatsApp;
let twilio: FakeTwilio;
let webhookIngress: FastifyInstance;
let smsIngress: FastifyInstance;
let agent: ApiClient;
let whatsappUrl: string;
let twilioUrl: string;

let sequence = 0;
/** The pywa text fixture as Meta would send it now, with this text and a new wamid. */
function whatsappText(text: string): string {
  sequence += 1;
  return fixtureText('whatsapp/text.json')
    .split('"timestamp": "1697043223"').join(`"timestamp": "${Math.floor(Date.now() / 1000)}"`)
    .split('wamid.xyzxyz').join(`wamid.survey${sequence}`)
    .split('"body": "Body Text"').join(`"body": ${JSON.stringify(text)}`);
}
const postWhatsApp = (body: string) =>
  fetch(whatsappUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', APP_SECRET).update(body, 'utf8').digest('hex')}` },
    body,
  });
/** The courier fixture's inbound SMS (a real Twilio payload) with this body and a new sid. */
function postSms(text: string, from?: string) {
  const params = Object.fromEntries(new URLSearchParams(fixtureText('twilio/courier_sms_inbound.form').trimEnd()));
  Object.assign(params, { Body: text, MessageSid: `SM${randomBytes(16).toString('hex')}`, SmsSid: undefined, SmsMessageSid: undefined, ...(from && { From: from }) });
  for (const key of Object.keys(params)) if (params[key] === undefined) delete params[key];
  const body = new URLSearchParams(params).toString();
  return fetch(twilioUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(AUTH_TOKEN, twilioUrl, params) }, body });
}

const conversationState = async (id: string) =>
  (await stack.pool.query(`select status, assignee_id as "assigneeId" from conversations where id = $1`, [id])).rows[0] as { status: string; assigneeId: string | null };
const inboundTexts = async (id: string) =>
  (await stack.pool.query(`select text from messages where conversation_id = $1 and direction = 'in' order by seq`, [id])).rows.map((r) => r.text);
const assigned = (inboxId: string) =>
  waitFor(
    async () => (await stack.pool.query(`select id from conversations where inbox_id = $1 and status <> 'resolved' and assignee_id is not null`, [inboxId])).rows[0]?.id as string | undefined,
    { what: 'the conversation to be assigned' },
  );
async function resolve(conversationId: string) {
  expect((await agent.post(`/api/v1/conversations/${conversationId}/resolve`, {})).status).toBe(200);
  return (await listSurveys(stack.pool, conversationId)).at(-1)!;
}

let whatsappInboxId: string;
let smsInboxId: string;

beforeAll(async () => {
  [whatsapp, twilio] = await Promise.all([startFakeWhatsApp(), startFakeTwilio()]);
  twilio.addAccount(ACCOUNT_SID, AUTH_TOKEN);
  stack = await startStack({ senders: { whatsapp: createWhatsAppSender({ apiRoot: whatsapp.apiRoot }), sms: createSmsSender({ apiRoot: twilio.apiRoot }) } });
  const deps = { pool: stack.pool, producer: stack.producer, inboxes: stack.inboxes, logger: silentLogger(), readiness: {} };
  webhookIngress = await buildWebhookIngress(deps, ['whatsapp']);
  smsIngress = await buildSmsIngress(deps);
  const [webhookBase, smsBase] = await Promise.all([webhookIngress.listen({ host: '127.0.0.1', port: 0 }), smsIngress.listen({ host: '127.0.0.1', port: 0 })]);
  const desk = await setUpDesk(stack, { agents: 1, capacity: 5 });
  agent = desk.agents[0]!.client;
  const admin = apiClient(stack.urls.api, ADMIN_TOKEN);
  const wa = await admin.post('/api/v1/inboxes', {
    channel: 'whatsapp', name: 'WhatsApp', defaultQueueId: desk.queueId, config: { phoneNumberId: PHONE_NUMBER_ID },
    secrets: { accessToken: 'EAAG-e2e-token', appSecret: APP_SECRET, verifyToken: 'e2e-verify' },
    survey: { csat: true, nps: true, answerWindowHours: 72 },
  });
  const sms = await admin.post('/api/v1/inboxes', {
    channel: 'sms', name: 'SMS', defaultQueueId: desk.queueId, config: { provider: 'twilio', accountSid: ACCOUNT_SID, from: OUR_NUMBER },
    secrets: { authToken: AUTH_TOKEN }, survey: { csat: true, answerWindowHours: 24 },
  });
  expect([wa.status, sms.status]).toEqual([201, 201]);
  whatsappInboxId = wa.body.id;
  smsInboxId = sms.body.id;
  whatsappUrl = `${webhookBase}/webhooks/whatsapp/${whatsappInboxId}`;
  twilioUrl = `${smsBase}/webhooks/sms/${smsInboxId}`;
});
afterAll(async () => {
  await webhookIngress?.close();
  await smsIngress?.close();
  await stack?.close();
  await whatsapp?.close();
  await twilio?.close();
});

describe('a numeric-reply survey on WhatsApp (CSAT, then NPS)', () => {
  let conversationId: string;
  let surveyId: string;

  it('asks only the CSAT question first, with the range to reply in', async () => {
    expect((await postWhatsApp(whatsappText('Body Text'))).status).toBe(200);
    conversationId = await assigned(whatsappInboxId);
    surveyId = (await resolve(conversationId)).id;
    const call = await whatsapp.waitForCall('messages', (c) => ((c.body.text as { body?: string } | undefined)?.body ?? '').includes('Reply with a number'));
    expect((call.body.text as { body: string }).body).toBe('How satisfied are you with our support? (1 = not at all, 5 = very)\nReply with a number from 1 to 5.');
  });

  it('records a full-width "５!" as CSAT 5 without reopening, keeps it in history, and asks NPS next', async () => {
    expect((await postWhatsApp(whatsappText('５!'))).status).toBe(200);
    await waitFor(async () => (await listSurveys(stack.pool, conversationId))[0]!.csat === 5, { what: 'CSAT 5 to be recorded' });
    expect((await listSurveys(stack.pool, conversationId))[0]).toMatchObject({ id: surveyId, csat: 5, nps: null, status: 'pending', answeredVia: 'numeric_reply' });
    const call = await whatsapp.waitForCall('messages', (c) => ((c.body.text as { body?: string } | undefined)?.body ?? '').includes('from 0 to 10'));
    expect((call.body.text as { body: string }).body).toContain('How likely are you to recommend us');
    expect(await conversationState(conversationId)).toMatchObject({ status: 'resolved' });
    expect(await inboundTexts(conversationId)).toEqual(['Body Text', '５!']);
  });

  it('takes the next number as NPS and completes the survey, still without reopening', async () => {
    expect((await postWhatsApp(whatsappText(' 7 '))).status).toBe(200);
    await waitFor(async () => (await listSurveys(stack.pool, conversationId))[0]!.status === 'answered', { what: 'the survey to be answered' });
    expect((await listSurveys(stack.pool, conversationId))[0]).toMatchObject({ csat: 5, nps: 7 });
    expect(await conversationState(conversationId)).toMatchObject({ status: 'resolved' });
  });

  it('treats a number once the survey is answered as an ordinary message that reopens the conversation', async () => {
    expect((await postWhatsApp(whatsappText('10'))).status).toBe(200);
    await waitFor(async () => (await conversationState(conversationId)).status !== 'resolved', { what: 'the conversation to reopen' });
    expect((await listSurveys(stack.pool, conversationId))[0]).toMatchObject({ csat: 5, nps: 7 });
    expect(await inboundTexts(conversationId)).toEqual(['Body Text', '５!', ' 7 ', '10']);
  });
});

describe('a numeric-reply survey over SMS (CSAT only)', () => {
  let conversationId: string;

  it('asks by SMS and records a lone number in range', async () => {
    expect((await postSms('Msg')).status).toBe(200);
    conversationId = await assigned(smsInboxId);
    await resolve(conversationId);
    await twilio.waitForCall((c) => c.params.Body === 'How satisfied are you with our support? (1 = not at all, 5 = very)\nReply with a number from 1 to 5.');
    expect((await postSms('4.')).status).toBe(200);
    await waitFor(async () => (await listSurveys(stack.pool, conversationId))[0]!.status === 'answered', { what: 'CSAT 4 to be recorded' });
    expect((await listSurveys(stack.pool, conversationId))[0]).toMatchObject({ csat: 4, answeredVia: 'numeric_reply' });
    expect(await conversationState(conversationId)).toMatchObject({ status: 'resolved' });
  });

  it('asks no second survey of a conversation the customer already rated, when it is reopened and resolved again', async () => {
    await waitFor(async () => (await stack.pool.query(`select 1 from messages where conversation_id = $1 and text = '4.'`, [conversationId])).rowCount === 1, { what: 'the answer in history' });
    expect((await postSms('one more thing')).status).toBe(200);
    await assigned(smsInboxId);
    await resolve(conversationId);
    expect((await listSurveys(stack.pool, conversationId)).map((s) => [s.status, s.csat])).toEqual([['answered', 4]]);
  });

  // another customer (a second real US number), whose conversation has no rating yet
  const OTHER = '+14133882222';
  let other: string;

  it('takes text that is not a lone number in range as an ordinary message: it reopens, and the next resolve asks again', async () => {
    expect((await postSms('Msg', OTHER)).status).toBe(200);
    other = await assigned(smsInboxId);
    expect(await resolve(other)).toMatchObject({ status: 'pending', csat: null });
    for (const text of ['9', '5/5']) {
      expect((await postSms(text, OTHER)).status).toBe(200);
      await waitFor(async () => (await inboundTexts(other)).includes(text), { what: `"${text}" to be stored` });
      expect((await conversationState(other)).status).not.toBe('resolved');
      await assigned(smsInboxId);
      await resolve(other);
    }
    // each resolve closed the unanswered survey before it: one open survey at a time
    expect((await listSurveys(stack.pool, other)).map((s) => [s.status, s.csat])).toEqual([['expired', null], ['expired', null], ['pending', null]]);
  });

  it('takes a number after the answer window as an ordinary message', async () => {
    const survey = (await listSurveys(stack.pool, other)).at(-1)!;
    await stack.pool.query(`update surveys set expires_at = now() - interval '1 minute' where id = $1`, [survey.id]);
    expect((await postSms('3', OTHER)).status).toBe(200);
    await waitFor(async () => (await conversationState(other)).status !== 'resolved', { what: 'the late number to reopen the conversation' });
    expect((await listSurveys(stack.pool, other)).at(-1)).toMatchObject({ id: survey.id, csat: null });
  });
});
