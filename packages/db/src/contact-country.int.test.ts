import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import type { ChannelId, InboundEvent } from '@switchboard/contracts';
import { createTestDatabase, type TestDatabase } from '@switchboard/testkit';
import { getContact, lockContactsForWrite, mergeContacts, undoMerge, updateContact } from './contacts.ts';
import { recordInbound, type InboundOptions } from './inbound.ts';
import { createInbox } from './inboxes.ts';
import { withTransaction } from './pool.ts';
import { createSecretBox } from './secret-box.ts';

let db: TestDatabase;
const inboxes: Partial<Record<ChannelId, string>> = {};
beforeAll(async () => {
  db = await createTestDatabase();
  const box = createSecretBox(randomBytes(32));
  for (const channel of ['sms', 'webchat', 'telegram'] as const) {
    inboxes[channel] = (await createInbox(db.pool, box, { channel, name: channel, config: {}, secrets: {}, defaultQueueId: null })).id;
  }
});
afterAll(() => db.drop());

type Sender = InboundEvent['sender'];

/** One customer message; the contact it landed on. */
async function write(channel: ChannelId, sender: Sender, extra: Partial<InboundEvent> = {}, options?: InboundOptions): Promise<string> {
  const id = randomUUID();
  const event: InboundEvent = {
    eventId: id, inboxId: inboxes[channel]!, channel, type: 'message', externalMessageId: id,
    thread: { externalId: sender.externalId }, sender, content: { text: 'hello', attachments: [] },
    sentAt: new Date().toISOString(), receivedAt: new Date().toISOString(), raw: {}, ...extra,
  };
  const outcome = await withTransaction(db.pool, (tx) => recordInbound(tx, event, options));
  if (outcome.kind !== 'stored') throw new Error(outcome.kind);
  const { rows } = await db.pool.query<{ contactId: string }>(`select contact_id as "contactId" from conversations where id = $1`, [outcome.conversationId]);
  return rows[0]!.contactId;
}

const countryOf = async (contactId: string) => {
  const c = (await getContact(db.pool, contactId))!;
  return { country: c.country, source: c.countrySource };
};

describe('the country of a contact the router creates', () => {
  it('comes from a valid international phone number', async () => {
    const contact = await write('sms', { externalId: '+79161230001', phone: '+79161230001' });
    expect(await countryOf(contact)).toEqual({ country: 'RU', source: 'phone' });
  });

  it('comes from a national number only with a default region', async () => {
    const without = await write('sms', { externalId: '89161230002', phone: '89161230002' });
    expect(await countryOf(without)).toEqual({ country: null, source: null });
    const withRegion = await write('sms', { externalId: '89161230003', phone: '89161230003' }, {}, { defaultPhoneRegion: 'RU' });
    expect(await countryOf(withRegion)).toEqual({ country: 'RU', source: 'phone' });
  });

  it('comes from a locale that names a country, not from a bare language', async () => {
    expect(await countryOf(await write('webchat', { externalId: randomUUID(), locale: 'pt-BR' }))).toEqual({ country: 'BR', source: 'locale' });
    expect(await countryOf(await write('telegram', { externalId: '5001', locale: 'ru' }))).toEqual({ country: null, source: null });
  });

  it('comes from the number a callback request gives', async () => {
    const visitor = randomUUID();
    const contact = await write('webchat', { externalId: visitor }, { type: 'callback_request', callback: { phone: '+4915123456789' } });
    expect(await countryOf(contact)).toEqual({ country: 'DE', source: 'phone' });
  });
});

describe('a later message', () => {
  it('lets a phone replace a locale, never the other way round', async () => {
    const visitor = randomUUID();
    const contact = await write('webchat', { externalId: visitor, locale: 'en-GB' });
    expect(await countryOf(contact)).toEqual({ country: 'GB', source: 'locale' });
    await write('webchat', { externalId: visitor }, { type: 'callback_request', callback: { phone: '+77012345678' } });
    expect(await countryOf(contact)).toEqual({ country: 'KZ', source: 'phone' });
    await write('webchat', { externalId: visitor, locale: 'fr-FR' });
    expect(await countryOf(contact)).toEqual({ country: 'KZ', source: 'phone' });
  });

  it('keeps the first phone country and the first locale country', async () => {
    const visitor = randomUUID();
    const contact = await write('webchat', { externalId: visitor, locale: 'de-AT' });
    await write('webchat', { externalId: visitor, locale: 'de-DE' });
    expect(await countryOf(contact)).toEqual({ country: 'AT', source: 'locale' });
    await write('webchat', { externalId: visitor }, { type: 'callback_request', callback: { phone: '+79161230004' } });
    await write('webchat', { externalId: visitor }, { type: 'callback_request', callback: { phone: '+4915123456789' } });
    expect(await countryOf(contact)).toEqual({ country: 'RU', source: 'phone' });
  });

  it('never overwrites a country an admin set, and fills one an admin cleared', async () => {
    const contact = await write('sms', { externalId: '+79161230005', phone: '+79161230005' });
    await updateContact(db.pool, contact, { country: 'BY' });
    expect(await countryOf(contact)).toEqual({ country: 'BY', source: 'admin' });
    await write('sms', { externalId: '+79161230005', phone: '+79161230005' });
    expect(await countryOf(contact)).toEqual({ country: 'BY', source: 'admin' });
    await updateContact(db.pool, contact, { country: null });
    expect(await countryOf(contact)).toEqual({ country: null, source: null });
    await write('sms', { externalId: '+79161230005', phone: '+79161230005' });
    expect(await countryOf(contact)).toEqual({ country: 'RU', source: 'phone' });
  });
});

describe('merging contacts', () => {
  async function merge(intoId: string, fromId: string) {
    return withTransaction(db.pool, async (tx) => {
      const locked = await lockContactsForWrite(tx, [intoId, fromId]);
      return mergeContacts(tx, locked.get(intoId)!, locked.get(fromId)!, null);
    });
  }
  const undo = (mergeId: string) =>
    withTransaction(db.pool, async (tx) => {
      const { rows } = await tx.query(`select id, into_contact_id as "intoContactId", from_contact_id as "fromContactId", identity_ids as "identityIds", conversation_ids as "conversationIds" from contact_merges where id = $1`, [mergeId]);
      await lockContactsForWrite(tx, [rows[0].intoContactId, rows[0].fromContactId], rows[0].identityIds);
      return undoMerge(tx, rows[0], null);
    });

  it('keeps the country of higher precedence, and an undo gives back the kept contact’s own', async () => {
    const web = await write('webchat', { externalId: randomUUID(), locale: 'fr-FR' });
    const sms = await write('sms', { externalId: '+79161230006', phone: '+79161230006' });
    const done = await merge(web, sms);
    expect(await countryOf(web)).toEqual({ country: 'RU', source: 'phone' });
    await undo(done.id);
    expect(await countryOf(web)).toEqual({ country: 'FR', source: 'locale' });
    expect(await countryOf(sms)).toEqual({ country: 'RU', source: 'phone' });
  });

  it('keeps the kept contact’s country on a tie, and an admin’s over a phone’s', async () => {
    const a = await write('sms', { externalId: '+79161230007', phone: '+79161230007' });
    const b = await write('sms', { externalId: '+4915123456780', phone: '+4915123456780' });
    await merge(a, b);
    expect(await countryOf(a)).toEqual({ country: 'RU', source: 'phone' });

    const c = await write('sms', { externalId: '+79161230008', phone: '+79161230008' });
    const d = await write('webchat', { externalId: randomUUID() });
    await updateContact(db.pool, d, { country: 'AM' });
    await merge(c, d);
    expect(await countryOf(c)).toEqual({ country: 'AM', source: 'admin' });
  });

  it('leaves a country changed since the merge alone on undo', async () => {
    const web = await write('webchat', { externalId: randomUUID() });
    const sms = await write('sms', { externalId: '+79161230009', phone: '+79161230009' });
    const done = await merge(web, sms);
    await updateContact(db.pool, web, { country: 'GE' });
    await undo(done.id);
    expect(await countryOf(web)).toEqual({ country: 'GE', source: 'admin' });
  });
});
