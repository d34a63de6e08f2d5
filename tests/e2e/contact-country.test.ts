import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { twilioSignature } from '@switchboard/channels';
import { silentLogger } from '@switchboard/log';
import { fixtureText, waitFor } from '@switchboard/testkit';
import { buildSmsIngress } from '@switchboard/ingress-sms';
import { ADMIN_TOKEN, apiClient, setUpDesk, startStack, type ApiClient, type Stack } from '../support/stack.ts';

const ACCOUNT_SID = 'AC0000000000000000000000000000c0c0';
const AUTH_TOKEN = 'twilio-country-auth-token';

let stack: Stack;
let sms: FastifyInstance;
let supervisor: ApiClient;
let smsInboxId: string;
let webchatInboxId: string;
let smsUrl: string;

beforeAll(async () => {
  stack = await startStack();
  sms = await buildSmsIngress({ pool: stack.pool, producer: stack.producer, inboxes: stack.inboxes, logger: silentLogger(), readiness: {} });
  const smsBase = await sms.listen({ host: '127.0.0.1', port: 0 });
  const desk = await setUpDesk(stack, { agents: 1, capacity: 10 });
  const admin = apiClient(stack.urls.api, ADMIN_TOKEN);
  supervisor = admin;
  const smsInbox = await admin.post('/api/v1/inboxes', {
    channel: 'sms', name: 'SMS', defaultQueueId: desk.queueId,
    config: { provider: 'twilio', accountSid: ACCOUNT_SID, from: '+12028831111' }, secrets: { authToken: AUTH_TOKEN },
  });
  expect(smsInbox.status).toBe(201);
  smsInboxId = smsInbox.body.id;
  smsUrl = `${smsBase}/webhooks/sms/${smsInboxId}`;
  const webchat = await admin.post('/api/v1/inboxes', { channel: 'webchat', name: 'Website', defaultQueueId: desk.queueId, config: { callbacks: true } });
  expect(webchat.status).toBe(201);
  webchatInboxId = webchat.body.id;
});
afterAll(async () => {
  await sms?.close();
  await stack?.close();
});

/** The contact of the (only) conversation of this thread, once the router stored it. */
const contactOfThread = (inboxId: string, threadKey: string) =>
  waitFor(
    async () => (await stack.pool.query<{ contactId: string }>(`select contact_id as "contactId" from conversations where inbox_id = $1 and thread_key = $2`, [inboxId, threadKey])).rows[0]?.contactId,
    { what: `the conversation of ${threadKey}` },
  );

describe('a contact country from the channels', () => {
  it('an inbound SMS (the Twilio fixture) gives its sender the country of their number', async () => {
    const params = Object.fromEntries(new URLSearchParams(fixtureText('twilio/courier_sms_inbound.form').trimEnd()));
    const res = await fetch(smsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(AUTH_TOKEN, smsUrl, params) },
      body: new URLSearchParams(params).toString(),
    });
    expect(res.status).toBe(200);
    const contactId = await contactOfThread(smsInboxId, params.From!);
    const contact = await supervisor.get(`/api/v1/contacts/${contactId}`);
    expect(contact.body).toMatchObject({ phone: '+14133881111', country: 'US', countrySource: 'phone' });
  });

  describe('a web-chat visitor', () => {
    const base = () => `${stack.urls.webchat}/webchat/${webchatInboxId}`;
    async function session(): Promise<{ token: string; visitorId: string }> {
      const res = await fetch(`${base()}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(201);
      return (await res.json()) as { token: string; visitorId: string };
    }
    const send = (token: string, body: object) =>
      fetch(`${base()}/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });

    it("gets the country of their stated locale, and keeps a phone's over it", async () => {
      const visitor = await session();
      expect((await send(visitor.token, { clientMessageId: 'loc-1', text: 'Olá', locale: 'pt_BR' })).status).toBe(202);
      const contactId = await contactOfThread(webchatInboxId, visitor.visitorId);
      expect((await supervisor.get(`/api/v1/contacts/${contactId}`)).body).toMatchObject({ country: 'BR', countrySource: 'locale', attributes: { locale: 'pt-BR' } });

      const callback = await fetch(`${base()}/callbacks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${visitor.token}` },
        body: JSON.stringify({ clientRequestId: 'cb-1', name: 'Ana', phone: '+351912345678' }),
      });
      expect(callback.status).toBe(202);
      await waitFor(async () => (await supervisor.get(`/api/v1/contacts/${contactId}`)).body.country === 'PT', { what: 'the callback number to give the country' });
      expect((await supervisor.get(`/api/v1/contacts/${contactId}`)).body.countrySource).toBe('phone');
    });

    it('a locale naming no country, or one that does not parse, leaves the country unset; a long one is a 400', async () => {
      const visitor = await session();
      expect((await send(visitor.token, { clientMessageId: 'loc-2', text: 'hi', locale: 'es-419' })).status).toBe(202);
      expect((await send(visitor.token, { clientMessageId: 'loc-3', text: 'hi again', locale: 'not a locale!' })).status).toBe(202);
      const tooLong = await send(visitor.token, { clientMessageId: 'loc-4', text: 'hi', locale: 'x'.repeat(36) });
      expect(tooLong.status).toBe(400);
      expect(JSON.stringify(await tooLong.json())).toContain('body.locale');
      const contactId = await contactOfThread(webchatInboxId, visitor.visitorId);
      await waitFor(async () => (await stack.pool.query(`select count(*)::int as n from messages m join conversations c on c.id = m.conversation_id where c.contact_id = $1`, [contactId])).rows[0].n === 2, { what: 'both messages stored' });
      expect((await supervisor.get(`/api/v1/contacts/${contactId}`)).body).toMatchObject({ country: null, countrySource: null });
    });
  });
});
