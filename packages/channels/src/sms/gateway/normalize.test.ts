import { readdirSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { InboundEvent } from '@switchboard/contracts';
import { PayloadError } from '@switchboard/errors';
import { fixture, fixtureText } from '@switchboard/testkit';
import type { InboxContext, InboundRequest } from '../../contract.ts';
import { normalizeSmsWebhook } from '../normalize.ts';
import { formParams, parseSmsRequest } from '../parse.ts';

const inbox: InboxContext<any> = {
  id: '0b6c8f5e-3f0a-4c57-9a52-6f1d2f3a4b5c',
  channel: 'sms',
  config: { provider: 'gateway', sendUrl: 'https://gateway.example/send', sendFormat: 'switchboard' },
  secrets: { signingSecret: 'gateway-signing-secret-0123456789' },
};
const receivedAt = new Date('2024-07-01T12:00:00.000Z');
const post = (body: string, type = 'application/json'): InboundRequest => ({ method: 'POST', headers: { 'content-type': type }, query: {}, rawBody: Buffer.from(body) });
const normalize = (req: InboundRequest) => normalizeSmsWebhook(parseSmsRequest(req), inbox, receivedAt).map((e) => InboundEvent.parse(e));
const json = (value: unknown) => normalize(post(JSON.stringify(value)));
/** A request-URI fixture's query as a form post (the ingress takes POSTs only). */
const queryOf = (file: string) => fixtureText(`sms-gateway/${file}`).trim().split('?')[1] ?? '';

describe('gateway webhooks (every sms-gateway fixture)', () => {
  it('covers all of them', () => {
    expect(readdirSync(fixture('sms-gateway'))).toHaveLength(4);
  });

  it('the Android SMS gateway sms:received event (android_sms_gateway_sms_received.json)', () => {
    const events = normalize(post(fixtureText('sms-gateway/android_sms_gateway_sms_received.json')));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      eventId: 'gateway-msg_12345abcde',
      type: 'message',
      channel: 'sms',
      externalMessageId: 'msg_12345abcde',
      thread: { externalId: '+19162255887' },
      sender: { externalId: '+19162255887', phone: '+19162255887' },
      content: { text: 'Received SMS text', attachments: [] },
      // 11:41:31 at +07:00
      sentAt: '2024-06-07T04:41:31.000Z',
      receivedAt: receivedAt.toISOString(),
    });
    expect(events[0]!.raw).toMatchObject({ payload: { simNumber: 1 } });
  });

  it('a form post with sender and text (courier_external_post_sender_text.form)', () => {
    const events = normalize(post(fixtureText('sms-gateway/courier_external_post_sender_text.form').trim(), 'application/x-www-form-urlencoded'));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'message', sender: { externalId: '+2349067554729', phone: '+2349067554729' }, content: { text: 'Join' }, sentAt: receivedAt.toISOString() });
  });

  it('takes the time from `date` (courier_external_get_with_date.url, its query posted as a form)', () => {
    const events = normalize(post(queryOf('courier_external_get_with_date.url'), 'application/x-www-form-urlencoded'));
    expect(events[0]).toMatchObject({ sender: { externalId: '+2349067554729' }, content: { text: 'Join' }, sentAt: '2017-06-23T12:30:00.500Z' });
    // the same post again is the same event (the id derives from sender, date and text)
    expect(normalize(post(queryOf('courier_external_get_with_date.url'), 'application/x-www-form-urlencoded'))[0]!.eventId).toBe(events[0]!.eventId);
  });

  it('a bare delivery report id (courier_external_delivered_status.url) is no message: parked, never stored as one', () => {
    expect(formParams(queryOf('courier_external_delivered_status.url'))).toEqual({ id: '019a0719-ac96-7eb9-a837-cac215164834' });
    expect(() => normalize(post(queryOf('courier_external_delivered_status.url'), 'application/x-www-form-urlencoded'))).toThrow(PayloadError);
  });
});

describe('our gateway contract', () => {
  it('an inbound message {id, from, to, text, receivedAt}', () => {
    expect(json({ id: 'in-1', from: '+15550001111', to: '+15550002222', text: 'hello', receivedAt: '2024-07-01T11:59:00Z' })[0]).toMatchObject({
      eventId: 'gateway-in-1',
      externalMessageId: 'in-1',
      sender: { externalId: '+15550001111', phone: '+15550001111' },
      content: { text: 'hello' },
      sentAt: '2024-07-01T11:59:00.000Z',
    });
  });

  it('keeps a numeric id beyond 2^53 exact', () => {
    expect(normalize(post('{"id":4912661846655238145,"from":"+15550001111","text":"x"}'))[0]!.externalMessageId).toBe('4912661846655238145');
  });

  it('status reports {id, status, error?} → delivery_status; undelivered is failed', () => {
    expect(json({ id: 'gw-7', status: 'delivered' })[0]).toMatchObject({ type: 'delivery_status', status: { externalMessageId: 'gw-7', state: 'delivered' } });
    expect(json({ id: 'gw-7', status: 'undelivered', error: 'handset off' })[0]!.status).toEqual({ externalMessageId: 'gw-7', state: 'failed', error: 'handset off' });
  });

  it('Android sms:delivered / sms:failed are statuses; system:ping is ignored', () => {
    expect(json({ event: 'sms:delivered', payload: { messageId: 'm1', phoneNumber: '+1555' } })[0]!.status).toEqual({ externalMessageId: 'm1', state: 'delivered' });
    expect(json({ event: 'sms:failed', payload: { messageId: 'm1', reason: 'RESULT_ERROR_NO_SERVICE' } })[0]!.status).toMatchObject({ state: 'failed', error: 'RESULT_ERROR_NO_SERVICE' });
    expect(json({ event: 'system:ping', payload: {} })).toEqual([]);
  });

  it('parks a body that is none of the shapes, and unreadable JSON', () => {
    expect(() => json({ hello: 'world' })).toThrow(PayloadError);
    expect(() => normalize(post('{"id":'))).toThrow(PayloadError);
  });
});
