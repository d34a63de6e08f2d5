import { describe, expect, it } from '@jest/globals';
import { InboundEvent } from '@switchboard/contracts';
import { PayloadError } from '@switchboard/errors';
import { fixtureJson } from '@switchboard/testkit';
import type { InboxContext } from '../contract.ts';
import { normalizeMessengerWebhook } from './normalize.ts';

const receivedAt = new Date('2026-01-02T03:04:05.000Z');
const inboxFor = (pageId: string): InboxContext<{ pageId: string }> => ({
  id: '5b1f0c4e-8a2d-4c1e-9f3a-0d6e7b8c9a01',
  channel: 'messenger',
  config: { pageId },
  secrets: { pageAccessToken: 'EAAB-token', appSecret: 'app-secret', verifyToken: 'verify-token' },
});
const normalize = (file: string, pageId: string) => {
  const events = normalizeMessengerWebhook(fixtureJson(`messenger/${file}`), inboxFor(pageId), receivedAt);
  // every event is a valid InboundEvent (what the inbound queue's schema accepts)
  for (const event of events) expect(InboundEvent.safeParse(event).success).toBe(true);
  return events;
};
const ms = (n: number) => new Date(n).toISOString();

describe('normalizeMessengerWebhook on the messenger fixtures (SOURCES.md)', () => {
  it.each([
    ['text_quick_reply.json', '<PAGE_ID>', { type: 'message', externalMessageId: 'mid.1457764197618:41d102a3e1ae206a38', sender: { externalId: '<PSID>' }, thread: { externalId: '<PSID>' }, content: { text: 'hello, world!', attachments: [] }, sentAt: ms(1458692752478) }],
    ['attachment_image.json', '<PAGE_ID>', { type: 'message', externalMessageId: 'mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c', content: { attachments: [{ kind: 'image', externalId: '<ATTACHMENT_URL>' }] }, sentAt: ms(1518479195308) }],
    ['courier_attachment.json', '1234567890', { type: 'message', externalMessageId: 'external_id', sender: { externalId: '5678' }, content: { attachments: [{ kind: 'image', externalId: 'https://image-url/foo.png' }] }, sentAt: ms(1459991487970) }],
    ['courier_thumbs_up.json', '1234567890', { type: 'message', content: { text: '👍', attachments: [{ kind: 'sticker', externalId: 'https://scontent.xx.fbcdn.net/v/arst' }] } }],
    ['courier_location_attachment.json', '1234567890', { type: 'message', content: { attachments: [], location: { latitude: 1.2, longitude: -1.3 } } }],
    ['delivery_receipt.json', '<PAGE_ID>', { type: 'delivery_status', externalMessageId: 'mid.1458668856218:ed81099e15d3f4f233', status: { externalMessageId: 'mid.1458668856218:ed81099e15d3f4f233', state: 'delivered' }, sentAt: ms(1458668856451) }],
    ['courier_dlr.json', '1234567890', { type: 'delivery_status', status: { externalMessageId: 'mid.1458668856218:ed81099e15d3f4f233', state: 'delivered' } }],
    ['courier_duplicate_msg.json', '1234567890', { type: 'message', externalMessageId: 'external_id', content: { text: 'Hello World', attachments: [] } }],
    // SOURCES.md: "the watermark covers all earlier messages": a receipt for every reply to <PSID> sent until then
    ['read_receipt.json', '<PAGE_ID>', { type: 'delivery_status', sender: { externalId: '<PSID>' }, status: { state: 'read', upTo: ms(1458668856253) } }],
  ])('%s → one event with what SOURCES.md lists', (file, pageId, expected) => {
    const events = normalize(file, pageId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ inboxId: inboxFor(pageId).id, channel: 'messenger', receivedAt: receivedAt.toISOString(), ...expected });
  });

  it.each([
    ['echo_standby_template.json', '<PAGE_ID>', 'an echo of a page send (is_echo, in standby[])'],
    ['courier_different_page.json', '1234567890', 'recipient 1235 is another page'],
  ])('%s → no event (page %s: %s)', (file, pageId) => {
    expect(normalize(file, pageId)).toEqual([]);
  });

  it('keeps the same mid twice in one webhook as one event, with an id a redelivery reproduces', () => {
    const first = normalize('courier_duplicate_msg.json', '1234567890');
    const again = normalize('courier_duplicate_msg.json', '1234567890');
    expect(first.map((e) => e.eventId)).toEqual(['fb-external_id']);
    expect(again.map((e) => e.eventId)).toEqual(first.map((e) => e.eventId));
  });

  it('takes a message of another page as that page inbox’s', () => {
    expect(normalize('courier_different_page.json', '1235')).toHaveLength(1);
  });
});

const envelope = (event: object) => ({ object: 'page', entry: [{ id: '42', time: 1700000000000, messaging: [{ sender: { id: '77' }, recipient: { id: '42' }, timestamp: 1700000000123, ...event }] }] });
const run = (event: object) => normalizeMessengerWebhook(envelope(event), inboxFor('42'), receivedAt);

describe('normalizeMessengerWebhook on the documented event types', () => {
  it('turns message_edit into message_edited of the original mid', () => {
    const [event] = run({ message_edit: { mid: 'm_1', text: 'fixed typo', num_edit: 2 } });
    expect(event).toMatchObject({ type: 'message_edited', externalMessageId: 'm_1', eventId: 'fb-m_1-e2', content: { text: 'fixed typo' } });
  });

  it('turns reactions into reaction events, emoji null when removed', () => {
    expect(run({ reaction: { mid: 'm_9', action: 'react', reaction: 'love', emoji: '❤' } })[0]).toMatchObject({ type: 'reaction', externalMessageId: 'm_9', reaction: { emoji: '❤' } });
    expect(run({ reaction: { mid: 'm_9', action: 'unreact', reaction: 'love' } })[0]).toMatchObject({ type: 'reaction', reaction: { emoji: null } });
  });

  it('keeps the reply-to mid and emits one status per delivered mid', () => {
    expect(run({ message: { mid: 'm_2', text: 'yes', reply_to: { mid: 'm_1' } } })[0]?.thread).toEqual({ externalId: '77', replyToExternalId: 'm_1' });
    const statuses = run({ delivery: { mids: ['m_a', 'm_b'], watermark: 1700000000000 } });
    expect(statuses.map((e) => [e.type, e.status])).toEqual([
      ['delivery_status', { externalMessageId: 'm_a', state: 'delivered' }],
      ['delivery_status', { externalMessageId: 'm_b', state: 'delivered' }],
    ]);
  });

  it('maps file, audio and video attachments and shows a fallback link as text', () => {
    const [event] = run({
      message: {
        mid: 'm_3',
        attachments: [
          { type: 'file', payload: { url: 'https://cdn/f.pdf' } },
          { type: 'audio', payload: { url: 'https://cdn/a.mp4' } },
          { type: 'video', payload: { url: 'https://cdn/v.mp4' } },
          { type: 'fallback', title: 'Our shop', payload: { url: 'https://shop.example' } },
        ],
      },
    });
    expect(event?.content).toEqual({
      text: 'Our shop https://shop.example',
      attachments: [
        { kind: 'document', externalId: 'https://cdn/f.pdf' },
        { kind: 'audio', externalId: 'https://cdn/a.mp4' },
        { kind: 'video', externalId: 'https://cdn/v.mp4' },
      ],
    });
  });

  it('takes a postback button as the customer’s text', () => {
    expect(run({ postback: { mid: 'm_p', title: 'Talk to a human', payload: 'HUMAN' } })[0]).toMatchObject({ type: 'message', externalMessageId: 'm_p', content: { text: 'Talk to a human' } });
  });

  it('ignores referrals and optins', () => {
    expect(run({ referral: { ref: 'ad' } })).toEqual([]);
    expect(run({ optin: { ref: 'x' } })).toEqual([]);
  });

  it('refuses an envelope that is not a page webhook with a PayloadError', () => {
    expect(() => normalizeMessengerWebhook({ object: 'instagram', entry: [] }, inboxFor('42'), receivedAt)).toThrow(PayloadError);
    expect(() => normalizeMessengerWebhook({ object: 'page' }, inboxFor('42'), receivedAt)).toThrow(PayloadError);
  });

  it('hashes event ids that Meta’s long mids would push past 200 characters', () => {
    const mid = `m_${'x'.repeat(250)}`;
    const [event] = run({ message: { mid, text: 'long id' } });
    expect(event?.eventId.length).toBeLessThanOrEqual(200);
    expect(event?.externalMessageId).toBe(mid);
    expect(run({ message: { mid, text: 'long id' } })[0]?.eventId).toBe(event?.eventId);
  });
});
