import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { InboundEvent } from '@switchboard/contracts';
import { recordInbound } from '@switchboard/db';
import { silentLogger } from '@switchboard/log';
import type { Producer } from '@switchboard/queue';
import { createTestDatabase, fixtureText, seedDesk, type TestDatabase } from '@switchboard/testkit';
import { acceptMail, type AcceptMailDeps } from './accept-mail.ts';

const CONFIG = {
  address: 'support@shop.example',
  imap: { host: '127.0.0.1', port: 143, secure: false, user: 'support@shop.example' },
  smtp: { host: '127.0.0.1', port: 25, secure: false },
};
const mail = (name: string) => Buffer.from(fixtureText(`email/${name}`));

let db: TestDatabase;
let inbox: { id: string; channel: 'email'; config: unknown; secrets: unknown };
const queued: InboundEvent[] = [];
let deps: AcceptMailDeps;

beforeAll(async () => {
  db = await createTestDatabase();
  const desk = await seedDesk(db.pool, { channel: 'email', agents: 0, config: CONFIG, secrets: { imapPassword: 'x' } });
  inbox = { id: desk.inbox.id, channel: 'email', config: CONFIG, secrets: { imapPassword: 'x' } };
  const producer: Producer = { add: async (_name, data) => { queued.push(data as InboundEvent); }, close: async () => {} };
  deps = { pool: db.pool, producer, logger: silentLogger() };
});
afterAll(() => db.drop());

describe('acceptMail', () => {
  it('queues a person\'s mail as a new conversation keyed by its own Message-ID, with the decision recorded', async () => {
    expect(await acceptMail(deps, inbox, mail('reply_in_reply_to_references.eml'))).toMatchObject({ kind: 'queued' });
    const event = queued.at(-1)!;
    // the References root names no message we know: it must not decide the thread
    expect(event.thread.externalId).toBe('<473FFE27.20003@xxx.org>');
    expect(event.raw).toMatchObject({ threading: { rule: 'new' } });
  });

  it('ignores an auto-reply without queueing it', async () => {
    const before = queued.length;
    expect(await acceptMail(deps, inbox, mail('auto_reply_auto_submitted_trimmed.eml'))).toEqual({ kind: 'ignored', reason: 'auto_submitted' });
    expect(queued).toHaveLength(before);
  });

  it('marks our reply failed when its bounce arrives', async () => {
    const stored = await recordInbound(db.pool, { ...queued[0]! });
    if (stored.kind !== 'stored') throw new Error(`not stored: ${stored.kind}`);
    const { rows } = await db.pool.query<{ id: string }>(
      `insert into messages(conversation_id, inbox_id, seq, direction, text, status, external_id)
       values ($1, $2, 1000, 'out', 'our reply', 'sent', '<xxxxx@email.amazonses.com>') returning id`,
      [stored.conversationId, inbox.id],
    );
    const before = queued.length;
    expect(await acceptMail(deps, inbox, mail('bounce_ses_delivery_status.eml'))).toEqual({ kind: 'bounced', messageId: rows[0]!.id });
    const reply = await db.pool.query(`select status, error_code as "code", error_message as "error" from messages where id = $1`, [rows[0]!.id]);
    expect(reply.rows[0]).toMatchObject({ status: 'failed', code: 'bounced' });
    expect(reply.rows[0].error).toMatch(/5\.\d\.\d/);
    expect(queued).toHaveLength(before);
  });
});
