import { readdirSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { InboundEvent } from '@switchboard/contracts';
import { PayloadError } from '@switchboard/errors';
import { fixture, fixtureText } from '@switchboard/testkit';
import type { InboxContext, InboundRequest } from '../../contract.ts';
import { normalizeSmsWebhook } from '../normalize.ts';
import { parseSmsRequest } from '../parse.ts';

const inbox: InboxContext<any> = {
  id: '0b6c8f5e-3f0a-4c57-9a52-6f1d2f3a4b5c',
  channel: 'sms',
  config: { provider: 'twilio', accountSid: 'ACf19dfb164f82b2c9d6178c6ada3XXXXX', from: '+12028831111' },
  secrets: { authToken: 'twilio-auth-token' },
};
const receivedAt = new Date('2024-07-01T12:00:00.000Z');
const request = (body: string): InboundRequest => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
  query: {},
  rawBody: Buffer.from(body),
});
const normalize = (body: string) => normalizeSmsWebhook(parseSmsRequest(request(body)), inbox, receivedAt).map((e) => InboundEvent.parse(e));
// the files end with a newline the wire body does not have
const events = (file: string) => normalize(fixtureText(`twilio/${file}`).trimEnd());
const one = (file: string) => {
  const all = events(file);
  expect(all).toHaveLength(1);
  return all[0]!;
};

describe('Twilio webhooks (every twilio/*.form fixture)', () => {
  it('covers all of them', () => {
    expect(readdirSync(fixture('twilio')).filter((f) => f.endsWith('.form'))).toHaveLength(8);
  });

  it('an inbound SMS (courier_sms_inbound.form): From/To, MessageSid, the receipt time', () => {
    const event = one('courier_sms_inbound.form');
    expect(event).toMatchObject({
      eventId: 'twilio-SMe287d7109a5a925f182f0e07fe5b223b',
      inboxId: inbox.id,
      channel: 'sms',
      type: 'message',
      externalMessageId: 'SMe287d7109a5a925f182f0e07fe5b223b',
      thread: { externalId: '+14133881111' },
      sender: { externalId: '+14133881111', phone: '+14133881111' },
      content: { text: 'Msg', attachments: [] },
      sentAt: receivedAt.toISOString(),
      receivedAt: receivedAt.toISOString(),
    });
    expect(event.raw).toMatchObject({ To: '+12028831111', NumSegments: '1', Body: 'Msg' });
  });

  it('keeps a Body that looks like base64 as literal text (courier_sms_body_base64_looking.form)', () => {
    expect(one('courier_sms_body_base64_looking.form').content.text).toBe(
      'QmFubm9uIEV4cGxhaW5zIFRoZSBXb3JsZCAuLi4K4oCcVGhlIENhbXAgb2YgdGhlIFNhaW50c+KA',
    );
  });

  it('WhatsApp through Twilio text (whatsapp_text_inbound.form): the whatsapp: address kept as given', () => {
    expect(one('whatsapp_text_inbound.form')).toMatchObject({
      type: 'message',
      externalMessageId: 'SM7cd85aed706d25735d1c8019234572df',
      thread: { externalId: 'whatsapp:+886123456789' },
      sender: { externalId: 'whatsapp:+886123456789', phone: '+886123456789' },
      content: { text: 'hi', attachments: [] },
    });
  });

  it('WhatsApp through Twilio image (whatsapp_mms_image_inbound.form): MediaUrl0 is the attachment handle', () => {
    const event = one('whatsapp_mms_image_inbound.form');
    expect(event.content).toEqual({
      text: 'xd',
      attachments: [
        {
          kind: 'image',
          mimeType: 'image/jpeg',
          externalId:
            'https://api.twilio.com/2010-04-01/Accounts/ACf19dfb164f82b2c9d6178c6ada3XXXXX/Messages/MMad0463f6e2a946b3fc91d9a04a2XXXXX/Media/MEfaf3decca478ebeb4924fe523ff7fdb2',
        },
      ],
    });
  });

  it.each([
    ['status_delivered.form', 'SM338ac551ecd04d698821b50ea5dXXXXX', 'delivered', 'whatsapp:+886123456789'],
    ['status_read.form', 'SM338ac551ecd04d698821b50ea5dXXXXX', 'read', 'whatsapp:+886123456789'],
    ['courier_status_delivered.form', 'SMe287d7109a5a925f182f0e07fe5b223b', 'delivered', 'SMe287d7109a5a925f182f0e07fe5b223b'],
  ])('%s is a delivery status, not a message', (file, sid, state, thread) => {
    expect(one(file)).toMatchObject({
      type: 'delivery_status',
      eventId: `twilio-${sid}-${state}`,
      externalMessageId: sid,
      thread: { externalId: thread },
      status: { externalMessageId: sid, state },
      content: { attachments: [] },
    });
  });

  it('failed with ErrorCode 63018 (courier_status_failed_63018.form) → failed, the Twilio code in the error', () => {
    expect(one('courier_status_failed_63018.form')).toMatchObject({
      type: 'delivery_status',
      status: { externalMessageId: 'SMe287d7109a5a925f182f0e07fe5b223b', state: 'failed', error: 'twilio_63018' },
    });
  });
});

describe('Twilio webhooks beyond the fixtures', () => {
  it('gives a redelivery the same event id', () => {
    const body = fixtureText('twilio/courier_sms_inbound.form');
    expect(normalize(body)[0]!.eventId).toBe(normalize(body)[0]!.eventId);
  });

  it('reads several media, the ProfileName and a WhatsApp location', () => {
    const event = normalize(
      'MessageSid=MM1&From=whatsapp%3A%2B15550001111&ProfileName=Ana&NumMedia=2&MediaUrl0=https%3A%2F%2Fa%2F0&MediaContentType0=audio%2Fogg&MediaUrl1=https%3A%2F%2Fa%2F1&MediaContentType1=application%2Fpdf&Latitude=52.5&Longitude=13.4&Address=Berlin',
    )[0]!;
    expect(event.sender).toEqual({ externalId: 'whatsapp:+15550001111', phone: '+15550001111', name: 'Ana' });
    expect(event.content.attachments.map((a) => [a.kind, a.externalId])).toEqual([['audio', 'https://a/0'], ['document', 'https://a/1']]);
    expect(event.content.location).toEqual({ latitude: 52.5, longitude: 13.4, address: 'Berlin' });
  });

  it('maps undelivered with its ErrorMessage to failed; ignores queued and sending', () => {
    expect(normalize('MessageSid=SM9&MessageStatus=undelivered&ErrorCode=30003&ErrorMessage=Unreachable&To=%2B1555')[0]!.status).toEqual({
      externalMessageId: 'SM9',
      state: 'failed',
      error: 'twilio_30003: Unreachable',
    });
    expect(normalize('MessageSid=SM9&MessageStatus=queued')).toEqual([]);
    expect(normalize('MessageSid=SM9&MessageStatus=sending')).toEqual([]);
  });

  it('keeps a WhatsApp user id without a phone number as the address, with no phone', () => {
    expect(normalize('MessageSid=SM5&From=whatsapp%3AUS.1234&Body=hello')[0]!.sender).toEqual({ externalId: 'whatsapp:US.1234' });
  });

  it('parks a webhook without MessageSid and a JSON body', () => {
    expect(() => normalize('From=%2B1555&Body=x')).toThrow(PayloadError);
    expect(() => normalizeSmsWebhook({ kind: 'json', body: {} }, inbox, receivedAt)).toThrow(PayloadError);
  });
});
