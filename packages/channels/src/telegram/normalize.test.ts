import { readdirSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { InboundEvent } from '@switchboard/contracts';
import { PayloadError } from '@switchboard/errors';
import type { InboxContext } from '../contract.ts';
import { fixture, fixtureJson } from '@switchboard/testkit';
import { isBotBlockedUpdate, normalizeTelegramUpdate } from './normalize.ts';

const inbox: InboxContext = { id: '0b6c8f5e-3f0a-4c57-9a52-6f1d2f3a4b5c', channel: 'telegram', config: {}, secrets: {} };
const receivedAt = new Date('2024-07-01T12:00:00.000Z');
const normalize = (raw: unknown) => normalizeTelegramUpdate(raw, inbox, receivedAt);
const one = (file: string) => {
  const events = normalize(fixtureJson(`telegram/${file}`));
  expect(events).toHaveLength(1);
  // every event must satisfy the contract the queue validates against
  return InboundEvent.parse(events[0]);
};

describe('normalizeTelegramUpdate on real payloads', () => {
  it('private text message (text_private.json)', () => {
    const event = one('text_private.json');
    expect(event).toMatchObject({
      eventId: 'tg-218485655-6557',
      inboxId: inbox.id,
      channel: 'telegram',
      type: 'message',
      externalMessageId: '218485655:6557',
      thread: { externalId: '218485655' },
      sender: { externalId: '218485655', name: 'Waffle', username: 'WaffleLapkin', locale: 'en' },
      content: { text: 'hello there', attachments: [] },
      sentAt: new Date(1569518342 * 1000).toISOString(),
      receivedAt: receivedAt.toISOString(),
    });
    expect(event.raw).toEqual(fixtureJson('telegram/text_private.json'));
  });

  it('minimal private text (text_private_minimal.json)', () => {
    const event = one('text_private_minimal.json');
    expect(event).toMatchObject({
      externalMessageId: '408258968:154',
      sender: { externalId: '408258968', name: 'Hirrolot', username: 'hirrolot' },
      content: { text: '4' },
    });
  });

  it('a redelivered update yields the same eventId (duplicate_delivery_same_update_id.json)', () => {
    const copies = fixtureJson('telegram/duplicate_delivery_same_update_id.json') as unknown[];
    const ids = copies.flatMap((update) => normalize(update).map((e) => e.eventId));
    expect(ids).toEqual(['tg-408258968-154', 'tg-408258968-154']);
    expect(ids[0]).toBe(one('text_private_minimal.json').eventId);
  });

  it('an edit is message_edited with its own eventId and sentAt = edit_date (edited_message.json)', () => {
    const event = one('edited_message.json');
    expect(event).toMatchObject({
      type: 'message_edited',
      eventId: 'tg-1-1-e1',
      externalMessageId: '1:1',
      thread: { externalId: '1' },
      sender: { externalId: '1', name: 'John', username: 'john_doe' },
      content: { text: 'Test' },
      sentAt: '1970-01-01T00:00:01.000Z',
    });
  });

  it('photo with caption: caption is the text, the largest size the attachment (photo_caption_entities.json)', () => {
    const event = one('photo_caption_entities.json');
    expect(event.content.text).toBe('www.example.com');
    expect(event.content.attachments).toEqual([
      {
        kind: 'image',
        externalId: 'AgACAgQAAxkBAAINhGKvijUVSn2i3980bQIIc1fqWGNCAAJpvDEbEmaBUfuA43fR-BnlAQADAgADeQADJAQ',
        size: 162061,
        width: 1280,
        height: 1280,
      },
    ]);
  });

  it('animated sticker: sticker attachment, emoji as fallback text (sticker_animated.json)', () => {
    const event = one('sticker_animated.json');
    expect(event.content.text).toBe('😡');
    expect(event.content.attachments).toEqual([
      {
        kind: 'sticker',
        externalId: 'CAACAgIAAxkBAAESLdBjMImep-J0W8XaTN6S_Lz1-j1QIQACIwADsND4DGmmygHGlyggKQQ',
        mimeType: 'application/x-tgsticker',
        size: 16639,
        width: 512,
        height: 512,
      },
    ]);
    expect(event.sender).toEqual({ externalId: '250918540', name: 'Андрей Власов', username: 'aka_dude', locale: 'en' });
  });

  it('document from a 2017 payload without is_bot (courier_document.json)', () => {
    const event = one('courier_document.json');
    expect(event.sender).toEqual({ externalId: '3527065', name: 'Nic Pottier', username: 'Nicpottier' });
    expect(event.content.text).toBeUndefined();
    expect(event.content.attachments).toEqual([
      {
        kind: 'document',
        externalId: 'BQADAQADCgADgtFRRPrv9GQ95f8eAg',
        fileName: 'TabFig2015prel.xls',
        mimeType: 'application/vnd.ms-excel',
        size: 4540928,
      },
    ]);
  });

  it('shared contact card (courier_contact_shared.json)', () => {
    const event = one('courier_contact_shared.json');
    expect(event.content.contactCard).toEqual({ name: 'Adolf Taxi', phone: '0788531373' });
    expect(event.externalMessageId).toBe('3527065:96');
  });

  it.each([
    'group_supergroup_command_reply.json',
    'group_pinned_service_message.json',
    'dice_in_group.json',
    'message_reaction_not_a_message.json',
    'my_chat_member_bot_blocked.json',
  ])('ignores %s', (file) => {
    expect(normalize(fixtureJson(`telegram/${file}`))).toEqual([]);
  });

  it('has an expectation for every update fixture in the folder', () => {
    const covered = new Set([
      'text_private.json', 'text_private_minimal.json', 'duplicate_delivery_same_update_id.json', 'edited_message.json',
      'photo_caption_entities.json', 'sticker_animated.json', 'courier_document.json', 'courier_contact_shared.json',
      'group_supergroup_command_reply.json', 'group_pinned_service_message.json', 'dice_in_group.json',
      'message_reaction_not_a_message.json', 'my_chat_member_bot_blocked.json',
    ]);
    // sig_* are verify vectors (verify.test.ts), outbound_error_* are egress bodies (classify.test.ts)
    const updates = readdirSync(fixture('telegram')).filter((f) => !/^(sig_|outbound_error_)/.test(f));
    expect(updates.filter((f) => !covered.has(f))).toEqual([]);
  });
});

describe('normalizeTelegramUpdate, beyond the fixtures', () => {
  const base = { update_id: 10, message: { message_id: 7, date: 1700000000, chat: { id: 42, type: 'private' }, from: { id: 42, first_name: 'Ann' } } };
  const withMessage = (extra: Record<string, unknown>) => ({ ...base, message: { ...base.message, ...extra } });

  it('keeps ids beyond 2^53 exact when they arrive as strings', () => {
    const update = { ...base, message: { ...base.message, text: 'hi', chat: { id: '9007199254740993', type: 'private' }, from: { id: '9007199254740993' } } };
    const [event] = normalize(update);
    expect(event?.externalMessageId).toBe('9007199254740993:7');
    expect(event?.sender.externalId).toBe('9007199254740993');
  });

  it('maps a reply, a venue and a voice note', () => {
    const [event] = normalize(
      withMessage({
        reply_to_message: { message_id: 5, date: 1, chat: { id: 42, type: 'private' } },
        venue: { location: { latitude: 1.5, longitude: -2 }, title: 'HQ', address: 'Main St 1' },
        location: { latitude: 1.5, longitude: -2 },
        voice: { file_id: 'v1', mime_type: 'audio/ogg', file_size: 10, duration: 3 },
      }),
    );
    expect(event?.thread).toEqual({ externalId: '42', replyToExternalId: '42:5' });
    expect(event?.content.location).toEqual({ latitude: 1.5, longitude: -2, name: 'HQ', address: 'Main St 1' });
    expect(event?.content.attachments).toEqual([{ kind: 'voice', externalId: 'v1', mimeType: 'audio/ogg', size: 10 }]);
  });

  it('reports an animation once, not also as its backward-compatible document', () => {
    const gif = { file_id: 'g1', mime_type: 'video/mp4', file_name: 'a.mp4' };
    const [event] = normalize(withMessage({ animation: gif, document: gif }));
    expect(event?.content.attachments.map((a) => a.kind)).toEqual(['video']);
  });

  it('ignores service messages and callback queries in private chats', () => {
    expect(normalize(withMessage({ pinned_message: { message_id: 1, date: 1, chat: { id: 42, type: 'private' } } }))).toEqual([]);
    expect(normalize({ update_id: 11, callback_query: { id: 'q', from: { id: 42 }, data: 'x' } })).toEqual([]);
    expect(normalize({ update_id: 12, channel_post: { message_id: 1, date: 1, chat: { id: -100, type: 'channel' }, text: 'x' } })).toEqual([]);
  });

  it.each([
    ['not an object', 'hello'],
    ['no update_id', { message: base.message }],
    ['a wrongly typed update_id', { update_id: 'abc' }],
    ['a message without chat', { update_id: 1, message: { message_id: 1, date: 1, text: 'x' } }],
  ])('throws PayloadError for %s', (_name, raw) => {
    expect(() => normalize(raw)).toThrow(PayloadError);
  });
});

describe('isBotBlockedUpdate', () => {
  it('returns the user id when a private-chat user blocked the bot', () => {
    expect(isBotBlockedUpdate(fixtureJson('telegram/my_chat_member_bot_blocked.json'))).toBe('0');
  });

  it('returns undefined for messages, unblocks and invalid payloads', () => {
    expect(isBotBlockedUpdate(fixtureJson('telegram/text_private.json'))).toBeUndefined();
    const blocked = fixtureJson('telegram/my_chat_member_bot_blocked.json') as { my_chat_member: { new_chat_member: { status: string } } };
    blocked.my_chat_member.new_chat_member.status = 'member';
    expect(isBotBlockedUpdate(blocked)).toBeUndefined();
    expect(isBotBlockedUpdate(null)).toBeUndefined();
  });
});

describe('normalizeTelegramUpdate on a survey button press', () => {
  // The Telegram fixtures hold no callback_query; this one is built from the Bot API's documented
  // CallbackQuery fields (https://core.telegram.org/bots/api#callbackquery): id, from, message
  // (the keyboard's message, with its chat), chat_instance, data.
  const surveyId = '7d0f4a52-9c1e-4b8a-a3f6-2e5d8c9b1a04';
  const press = (data: string, chat: { id: number; type: string } = { id: 218485655, type: 'private' }) => ({
    update_id: 10000,
    callback_query: {
      id: '4382bfdwdsb323b2d9',
      from: { id: 218485655, is_bot: false, first_name: 'Waffle', username: 'WaffleLapkin', language_code: 'en' },
      message: { message_id: 1001, date: 1569518400, chat: { ...chat, first_name: 'Waffle' }, text: 'How satisfied are you?' },
      chat_instance: '-4637285530021948311',
      data,
    },
  });

  it('becomes a survey_answer from the keyboard message\'s chat', () => {
    const events = normalize(press(`sv:c:4:${surveyId}`));
    expect(events).toHaveLength(1);
    const event = InboundEvent.parse(events[0]);
    expect(event).toMatchObject({
      eventId: 'tg-cb-4382bfdwdsb323b2d9',
      type: 'survey_answer',
      channel: 'telegram',
      thread: { externalId: '218485655' },
      sender: { externalId: '218485655', name: 'Waffle', username: 'WaffleLapkin' },
      survey: { surveyId, csat: 4 },
      receivedAt: receivedAt.toISOString(),
    });
    expect(event.survey?.nps).toBeUndefined();
  });

  it('carries an NPS score as nps', () => {
    expect(normalize(press(`sv:n:0:${surveyId}`))[0]?.survey).toEqual({ surveyId, nps: 0 });
  });

  it.each([
    ['data that is not a survey score', press('menu:orders')],
    ['a press in a group chat', press(`sv:c:4:${surveyId}`, { id: -1001234, type: 'supergroup' })],
    ['a press without data (a game button)', { update_id: 10001, callback_query: { id: 'q2', from: { id: 1, first_name: 'A' }, chat_instance: '1', game_short_name: 'g' } }],
  ])('yields nothing for %s', (_what, update) => {
    expect(normalize(update)).toEqual([]);
  });
});
