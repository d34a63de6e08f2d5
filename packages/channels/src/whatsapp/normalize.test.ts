import { readdirSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { InboundEvent } from '@switchboard/contracts';
import { PayloadError } from '@switchboard/errors';
import { fixture, fixtureJson } from '@switchboard/testkit';
import type { InboxContext } from '../contract.ts';
import { normalizeWhatsAppWebhook } from './normalize.ts';

const inboxFor = (phoneNumberId: string): InboxContext => ({
  id: '6f1d2f3a-4b5c-4c57-9a52-0b6c8f5e3f0a',
  channel: 'whatsapp',
  config: { phoneNumberId, apiVersion: 'v21.0' },
  secrets: {},
});
const pywa = inboxFor('1122334455667');
const courier = inboxFor('1234567890');
const receivedAt = new Date('2024-07-01T12:00:00.000Z');
const normalize = (raw: unknown, inbox = pywa) => normalizeWhatsAppWebhook(raw, inbox, receivedAt);
const events = (file: string, inbox = pywa) => normalize(fixtureJson(`whatsapp/${file}`), inbox).map((e) => InboundEvent.parse(e));
const one = (file: string, inbox = pywa) => {
  const all = events(file, inbox);
  expect(all).toHaveLength(1);
  return all[0]!;
};
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** A webhook with these messages (and contacts) for the pywa business number. */
const webhook = (messages: unknown[], contacts: unknown[] = [{ profile: { name: 'Test Name' }, wa_id: '972987654321' }]) => ({
  object: 'whatsapp_business_account',
  entry: [{ id: '1', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '972123456789', phone_number_id: '1122334455667' }, contacts, messages } }] }],
});
const textMessage = (id: string, body: string, from = '972987654321') => ({ from, id, timestamp: '1697043223', type: 'text', text: { body } });

describe('normalizeWhatsAppWebhook on real payloads', () => {
  it('text: sender, id, string timestamp, profile name (text.json)', () => {
    const event = one('text.json');
    expect(event).toMatchObject({
      eventId: 'wa-wamid.xyzxyz',
      inboxId: pywa.id,
      channel: 'whatsapp',
      type: 'message',
      externalMessageId: 'wamid.xyzxyz',
      thread: { externalId: '972987654321' },
      sender: { externalId: '972987654321', name: 'Test Name', phone: '+972987654321' },
      content: { text: 'Body Text', attachments: [] },
      sentAt: iso(1697043223),
      receivedAt: receivedAt.toISOString(),
    });
    expect(event.raw).toEqual(fixtureJson('whatsapp/text.json'));
  });

  it('image without caption: the media id is the attachment handle (image.json)', () => {
    const event = one('image.json');
    expect(event.content).toEqual({ attachments: [{ kind: 'image', externalId: '65463453', mimeType: 'image/jpeg' }] });
  });

  it('forwarded PDF with a caption: file name, caption as text (document_forwarded.json)', () => {
    const event = one('document_forwarded.json');
    expect(event.content).toEqual({
      text: 'caption',
      attachments: [{ kind: 'document', externalId: '1234567890987654321', mimeType: 'application/pdf', fileName: 'filename.pdf' }],
    });
    // a forward has context without an id: it is not a reply
    expect(event.thread.replyToExternalId).toBeUndefined();
  });

  it('voice note: audio with voice: true is a voice attachment (voice.json)', () => {
    expect(one('voice.json').content.attachments).toEqual([{ kind: 'voice', externalId: '1234567890987654321', mimeType: 'audio/ogg; codecs=opus' }]);
  });

  it('sticker (sticker.json)', () => {
    expect(one('sticker.json').content.attachments).toEqual([{ kind: 'sticker', externalId: '1234567890987654321', mimeType: 'image/webp' }]);
  });

  it('location with name and address (location.json)', () => {
    expect(one('location.json').content).toEqual({
      attachments: [],
      location: { latitude: 37.4611978, longitude: -122.2164385, name: 'Facebook HQ', address: '1 Hacker Way, Menlo Park, CA 94025' },
    });
  });

  it('reaction: an event on the message reacted to, not a message (reaction.json)', () => {
    const event = one('reaction.json');
    expect(event).toMatchObject({ type: 'reaction', eventId: 'wa-wamid.xyzxyz', externalMessageId: 'wamid.yzxyzx=', reaction: { emoji: '😮' } });
  });

  it('a removed reaction has emoji null', () => {
    const removed = webhook([{ from: '972987654321', id: 'wamid.r2', timestamp: '1697044457', type: 'reaction', reaction: { message_id: 'wamid.yzxyzx=' } }]);
    expect(normalize(removed)[0]).toMatchObject({ type: 'reaction', reaction: { emoji: null } });
  });

  it('reply: context.id is the reply-to id (reply_text.json)', () => {
    const event = one('reply_text.json');
    expect(event.thread).toEqual({ externalId: '972987654321', replyToExternalId: 'wamid.xyzxyz==' });
    expect(event.content.text).toBe('replied text');
  });

  it('unsupported message: a placeholder, no crash (unsupported.json)', () => {
    const event = one('unsupported.json');
    expect(event.type).toBe('message');
    expect(event.content.text).toMatch(/^\[unsupported message: Message type unknown \(131051\)/);
  });

  it('revoke: deletion of the original message (revoke_deleted.json)', () => {
    const event = one('revoke_deleted.json', inboxFor('<BUSINESS_PHONE_NUMBER_ID>'));
    expect(event).toMatchObject({ type: 'message_deleted', externalMessageId: '<ORIGINAL_WHATSAPP_MESSAGE_ID>', eventId: 'wa-<WHATSAPP_MESSAGE_ID>' });
  });

  it('system number change is not a customer message (system_number_change.json)', () => {
    expect(events('system_number_change.json')).toEqual([]);
  });

  it.each([
    ['status_read.json', pywa, 'read', undefined],
    ['status_failed.json', pywa, 'failed', "User's number is part of an experiment (130472): Failed to send message because this user's phone number is part of an experiment"],
  ])('status of our message wamid.xyzxyz (%s)', (file, inbox, state, error) => {
    const event = one(file, inbox);
    expect(event).toMatchObject({ type: 'delivery_status', externalMessageId: 'wamid.xyzxyz', eventId: `wa-st-wamid.xyzxyz-${state}`, sentAt: iso(1689380458) });
    expect(event.status).toEqual({ externalMessageId: 'wamid.xyzxyz', state, ...(error ? { error } : {}) });
  });

  it('courier statuses: sent, and failed with its error title (courier_valid_status.json, courier_error_status.json)', () => {
    expect(one('courier_valid_status.json', courier).status).toEqual({ externalMessageId: 'external_id', state: 'sent' });
    expect(one('courier_error_status.json', courier).status).toEqual({
      externalMessageId: 'external_id',
      state: 'failed',
      error: 'Request for url https://URL.jpg failed with error: 404 (Not Found) (131014)',
    });
  });

  it('group message is ignored (courier_group_message.json)', () => {
    expect(events('courier_group_message.json', courier)).toEqual([]);
  });

  it('button reply: the button title is the text (courier_button_reply.json)', () => {
    const event = one('courier_button_reply.json', courier);
    expect(event).toMatchObject({ externalMessageId: 'external_id', sender: { externalId: '5678', name: 'Kerry Fisher' }, content: { text: 'Yes' }, sentAt: iso(1454119029) });
  });

  it('an invalid timestamp is a PayloadError (parked), never a crash (courier_invalid_timestamp.json)', () => {
    expect(() => normalize(fixtureJson('whatsapp/courier_invalid_timestamp.json'), courier)).toThrow(PayloadError);
  });

  it('every payload fixture normalizes to valid events or a PayloadError', () => {
    const files = readdirSync(fixture('whatsapp')).filter((f) => f.endsWith('.json') && !f.startsWith('sig_'));
    expect(files.length).toBeGreaterThanOrEqual(18);
    for (const file of files) {
      const raw = fixtureJson(`whatsapp/${file}`) as { entry: { changes: { value: { metadata: { phone_number_id: string } } }[] }[] };
      const inbox = inboxFor(raw.entry[0]!.changes[0]!.value.metadata.phone_number_id);
      try {
        for (const event of normalize(raw, inbox)) InboundEvent.parse(event);
      } catch (error) {
        expect([file, error]).toEqual([file, expect.any(PayloadError)]);
      }
    }
  });
});

describe('normalizeWhatsAppWebhook on constructed payloads', () => {
  it('a user known only by a business-scoped user id (BSUID, no phone number)', () => {
    const raw = webhook(
      [{ from_user_id: 'US.13491208655302741918', from_parent_user_id: 'US.ENT.11815799212886844830', id: 'wamid.bsuid1', timestamp: '1697043223', type: 'text', text: { body: 'Hello World' } }],
      [{ profile: { name: 'Kerry Fisher', username: 'kerry' }, user_id: 'US.13491208655302741918' }],
    );
    const [event] = normalize(raw);
    expect(InboundEvent.parse(event)).toMatchObject({
      externalMessageId: 'wamid.bsuid1',
      thread: { externalId: 'US.13491208655302741918' },
      sender: { externalId: 'US.13491208655302741918', name: 'Kerry Fisher', username: 'kerry' },
    });
    expect(event!.sender.phone).toBeUndefined();
  });

  it('several messages in one webhook, the same id twice giving one event', () => {
    const raw = webhook([textMessage('wamid.A', 'first'), textMessage('wamid.B', 'second'), textMessage('wamid.A', 'first')]);
    expect(normalize(raw).map((e) => [e.eventId, e.content.text])).toEqual([['wa-wamid.A', 'first'], ['wa-wamid.B', 'second']]);
  });

  it('a redelivered webhook yields the same event ids', () => {
    const raw = webhook([textMessage('wamid.A', 'first')]);
    expect(normalize(structuredClone(raw))[0]!.eventId).toBe(normalize(raw)[0]!.eventId);
  });

  it('an edit updates the original message with the new text or caption', () => {
    const raw = webhook([
      { from: '972987654321', id: 'wamid.yyyyyy', timestamp: '1697044968', type: 'edit', edit: { original_message_id: 'wamid.zzzzzz', message: { type: 'text', text: { body: 'Text was edited' } } } },
    ]);
    expect(normalize(raw)).toEqual([
      expect.objectContaining({ type: 'message_edited', eventId: 'wa-wamid.yyyyyy', externalMessageId: 'wamid.zzzzzz', content: { text: 'Text was edited', attachments: [] }, sentAt: iso(1697044968) }),
    ]);
  });

  it('echoes of the business app (smb_message_echoes) and sends from the business number are dropped', () => {
    const echoes = { object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'smb_message_echoes', value: { message_echoes: [{ from: '972123456789', to: '972987654321', id: 'wamid.E', timestamp: '1697043223', type: 'text', text: { body: 'Test message' } }] } }] }] };
    expect(normalize(echoes)).toEqual([]);
    expect(normalize(webhook([textMessage('wamid.E2', 'from us', '972123456789')]))).toEqual([]);
  });

  it('skips changes for another business number (another inbox)', () => {
    expect(normalize(webhook([textMessage('wamid.A', 'first')]), inboxFor('999'))).toEqual([]);
  });

  it('a shared contact card, interactive list reply and template button', () => {
    const raw = webhook([
      { from: '972987654321', id: 'wamid.C', timestamp: '1697043223', type: 'contacts', contacts: [{ name: { formatted_name: 'John Doe', first_name: 'John' }, phones: [{ phone: '+1 555 0100', wa_id: '15550100' }], emails: [{ email: 'john@example.com' }] }] },
      { from: '972987654321', id: 'wamid.L', timestamp: '1697043224', type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'opt-2', title: 'Billing' } } },
      { from: '972987654321', id: 'wamid.T', timestamp: '1697043225', type: 'button', button: { text: 'Stop promotions', payload: 'STOP' } },
    ]);
    const [card, list, button] = normalize(raw);
    expect(card!.content).toEqual({ attachments: [], contactCard: { name: 'John Doe', phone: '+1 555 0100', email: 'john@example.com' } });
    expect(list!.content.text).toBe('Billing');
    expect(button!.content.text).toBe('Stop promotions');
  });

  it('refuses what is not a WhatsApp webhook', () => {
    expect(() => normalize({ object: 'page', entry: [] })).toThrow(PayloadError);
    expect(() => normalize({ hello: 'world' })).toThrow(PayloadError);
    expect(() => normalize(webhook([{ id: 'wamid.X', timestamp: '1', type: 'text', text: { body: 'who?' } }]))).toThrow(PayloadError);
  });
});
