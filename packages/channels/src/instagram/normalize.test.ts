import { describe, expect, it } from '@jest/globals';
import { InboundEvent } from '@switchboard/contracts';
import { PayloadError } from '@switchboard/errors';
import { fixtureJson } from '@switchboard/testkit';
import type { InboxContext } from '../contract.ts';
import { normalizeInstagramWebhook } from './normalize.ts';

const receivedAt = new Date('2026-01-02T03:04:05.000Z');
const inboxFor = (igUserId: string): InboxContext<{ igUserId: string }> => ({
  id: '7c2e1d5f-9b3e-4d2f-8a4b-1e7f8c9d0b12',
  channel: 'instagram',
  config: { igUserId },
  secrets: { pageAccessToken: 'EAAB-token', appSecret: 'app-secret', verifyToken: 'verify-token' },
});
const normalize = (file: string, igUserId: string) => {
  const events = normalizeInstagramWebhook(fixtureJson(`instagram/${file}`), inboxFor(igUserId), receivedAt);
  for (const event of events) expect(InboundEvent.safeParse(event).success).toBe(true);
  return events;
};
const CHATWOOT = 'chatwoot-app-user-id-1';

describe('normalizeInstagramWebhook on the instagram fixtures (SOURCES.md)', () => {
  it.each([
    ['courier_hello_msg.json', '1234567890', { type: 'message', externalMessageId: 'external_id', sender: { externalId: '5678' }, thread: { externalId: '5678' }, content: { text: 'Hello World', attachments: [] }, sentAt: new Date(1459991487970).toISOString() }],
    ['courier_like_heart.json', '1234567890', { type: 'message', externalMessageId: 'external_id', content: { text: '❤️', attachments: [] } }],
    ['courier_story_mention.json', '1234567890', { type: 'message', content: { attachments: [{ kind: 'other', externalId: 'https://story-url' }] } }],
    ['courier_attachment.json', '1234567890', { type: 'message', content: { attachments: [{ kind: 'image', externalId: 'https://image-url/foo.png' }] } }],
    ['standby_after_24h.json', CHATWOOT, { type: 'message', externalMessageId: 'message-id-1', sender: { externalId: 'Sender-id-1' }, content: { text: 'This is the first standby message from the customer, after 24 hours.' }, sentAt: '2021-09-08T06:34:04.000Z' }],
    ['attachment_share.json', CHATWOOT, { type: 'message', content: { attachments: [{ kind: 'other', externalId: 'https://www.example.com/test.jpeg' }] } }],
    ['messaging_seen.json', CHATWOOT, { type: 'delivery_status', externalMessageId: 'message-id-1', status: { externalMessageId: 'message-id-1', state: 'read' } }],
    ['dashboard_test_event.json', '23245', { type: 'message', externalMessageId: 'random_mid', sender: { externalId: '12334' }, content: { text: 'random_text' }, sentAt: new Date(1527459824 * 1000).toISOString() }],
  ])('%s → one event with what SOURCES.md lists', (file, account, expected) => {
    const events = normalize(file, account);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ channel: 'instagram', inboxId: inboxFor(account).id, ...expected });
    expect(events[0]?.eventId.startsWith('ig-')).toBe(true);
  });

  it.each([
    ['courier_echo.json', '1234567890'],
    ['story_mention_echo.json', CHATWOOT],
  ])('%s → no event (an echo of our own send)', (file, account) => {
    expect(normalize(file, account)).toEqual([]);
  });

  it('ignores a webhook for another Instagram account', () => {
    expect(normalize('courier_hello_msg.json', '999')).toEqual([]);
  });
});

const envelope = (event: object) => ({ object: 'instagram', entry: [{ id: '17841400000000000', time: 1700000000000, messaging: [{ sender: { id: '901' }, recipient: { id: '17841400000000000' }, timestamp: 1700000000123, ...event }] }] });
const run = (event: object) => normalizeInstagramWebhook(envelope(event), inboxFor('17841400000000000'), receivedAt);

describe('normalizeInstagramWebhook on documented Instagram events', () => {
  it('turns an unsend (is_deleted) into message_deleted of that mid', () => {
    expect(run({ message: { mid: 'aWdf_1', is_deleted: true } })).toEqual([expect.objectContaining({ type: 'message_deleted', externalMessageId: 'aWdf_1', eventId: 'ig-aWdf_1-deleted' })]);
  });

  it('keeps a story reply with the story url and a reel as video', () => {
    const [reply] = run({ message: { mid: 'aWdf_2', text: 'love it', reply_to: { story: { id: '1799', url: 'https://cdn/story.mp4' } } } });
    expect(reply?.content).toEqual({ text: 'love it', attachments: [{ kind: 'other', externalId: 'https://cdn/story.mp4' }] });
    const [reel] = run({ message: { mid: 'aWdf_3', attachments: [{ type: 'ig_reel', payload: { url: 'https://cdn/reel.mp4', title: 'a reel' } }] } });
    expect(reel?.content.attachments).toEqual([{ kind: 'video', externalId: 'https://cdn/reel.mp4' }]);
  });

  it('shows an unsupported message rather than dropping it, and reads reactions', () => {
    expect(run({ message: { mid: 'aWdf_4', is_unsupported: true } })[0]?.content.text).toMatch(/cannot show/);
    expect(run({ reaction: { mid: 'aWdf_1', action: 'react', reaction: 'love', emoji: '❤️' } })[0]).toMatchObject({ type: 'reaction', reaction: { emoji: '❤️' } });
  });

  it('refuses a Messenger (object: page) payload posted to an Instagram inbox', () => {
    expect(() => normalizeInstagramWebhook(fixtureJson('messenger/courier_attachment.json'), inboxFor('1234567890'), receivedAt)).toThrow(PayloadError);
  });
});
