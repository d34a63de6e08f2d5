import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createEmailSender, normalizeEmail, parseEmail } from '@switchboard/channels';
import { recordInbound } from '@switchboard/db';
import { createTestDatabase, fixtureText, seedDesk, type TestDatabase } from '@switchboard/testkit';
import { withEmailContext } from './email-context.ts';

const CONFIG = {
  address: 'support@shop.example',
  imap: { host: '127.0.0.1', port: 143, secure: false, user: 'support@shop.example' },
  smtp: { host: '127.0.0.1', port: 25, secure: false },
};

let db: TestDatabase;
let inbox: { id: string; channel: 'email'; config: typeof CONFIG; secrets: unknown };
let conversationId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const desk = await seedDesk(db.pool, { channel: 'email', agents: 0, config: CONFIG, secrets: { imapPassword: 'x' } });
  inbox = { id: desk.inbox.id, channel: 'email', config: CONFIG, secrets: { imapPassword: 'x' } };
  const raw = Buffer.from(fixtureText('email/reply_in_reply_to_references.eml'));
  const [event] = normalizeEmail(await parseEmail(raw), raw, inbox, new Date());
  const stored = await recordInbound(db.pool, event!);
  if (stored.kind !== 'stored') throw new Error(`not stored: ${stored.kind}`);
  conversationId = stored.conversationId;
});
afterAll(() => db.drop());

describe('withEmailContext', () => {
  it('threads a reply under the customer\'s whole References chain plus their Message-ID (RFC 5322 §3.6.4)', async () => {
    const sent: { inReplyTo?: unknown; references?: unknown }[] = [];
    const send = withEmailContext(db.pool, createEmailSender({ transportFor: () => ({ sendMail: async (mail) => { sent.push(mail); } }) }));
    await send({ messageId: 'm1', conversationId, recipientExternalId: 'xxxxxxxx@xxx.org', threadExternalId: '<473FFE27.20003@xxx.org>', text: 'Hello' }, inbox);
    expect(sent[0]!.inReplyTo).toBe('<473FFE27.20003@xxx.org>');
    expect(sent[0]!.references).toEqual([
      '<473FF3B8.9020707@xxx.org>',
      '<348F04F142D69C21-291E56D292BC@xxxx.net>',
      '<473FFE27.20003@xxx.org>',
    ]);
  });
});
