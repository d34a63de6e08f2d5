import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fixtureJson, type FakeTelegramCall } from '@switchboard/testkit';
import { removeLogs, startFaultSystem, type FaultSystem } from './system.ts';
import { printFigures, tally, waitUntilSettled } from './tally.ts';
import { chatIdOf, setUpTelegramDesk, startStream, writeReplies } from './traffic.ts';

// Issue 8, scenario 3: the Bot API answers 429 with retry_after, 500s and hangs before it
// accepts; and 403 "bot was blocked by the user" for one customer.

const CHATS = 20;
const PER_CHAT = 3;
// short, so the three hangs cost seconds; long enough that a loaded CI machine's slow answer is not one
const SEND_TIMEOUT_MS = 2_000;
const rateLimited = { ...(fixtureJson('telegram/outbound_error_429_retry_after.json') as object), description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } };
const blocked = fixtureJson('telegram/outbound_error_403_bot_blocked.json');
const serverError = { ok: false, error_code: 500, description: 'Internal Server Error' };

let system: FaultSystem;
let passed = false;

beforeAll(async () => {
  system = await startFaultSystem({ env: { TELEGRAM_SEND_TIMEOUT_MS: String(SEND_TIMEOUT_MS) } });
}, 90_000);

afterAll(async () => {
  await system?.close();
  if (passed) removeLogs(system);
}, 60_000);

describe('a Bot API that fails before it accepts', () => {
  it('delivers each reply exactly once, in order, and fails a blocked chat at once with the reason', async () => {
    const desk = await setUpTelegramDesk(system.urls.api, system.adminToken, { agents: 1, capacity: CHATS });
    const stream = startStream({ webhookUrl: desk.webhookUrl, secret: desk.secret, count: CHATS, chats: CHATS, perSecond: 100, concurrency: 4 });
    await stream.done;

    const blockedChat = chatIdOf(CHATS - 1);
    const chatOf = (call: FakeTelegramCall) => String(call.params.chat_id);
    const others = (call: FakeTelegramCall) => chatOf(call) !== blockedChat;
    const telegram = system.telegram;
    for (let i = 0; i < 3; i++) {
      telegram.failNext('sendMessage', 429, rateLimited, others);
      telegram.failNext('sendMessage', 500, serverError, others);
      telegram.hangNext('sendMessage', others);
    }
    telegram.failNext('sendMessage', 403, blocked, (call) => chatOf(call) === blockedChat);

    const written = await writeReplies({
      apiUrl: system.urls.api,
      token: system.adminToken,
      db: system.db,
      chatIds: Array.from({ length: CHATS - 1 }, (_, i) => chatIdOf(i)),
      perChat: PER_CHAT,
      pauseMs: 50,
    });
    const [blockedReply] = await writeReplies({ apiUrl: system.urls.api, token: system.adminToken, db: system.db, chatIds: [blockedChat], perChat: 1, pauseMs: 0 });
    await waitUntilSettled(system.db, stream, 90_000);

    const figures = await tally(system.db, telegram, stream, CHATS, written);
    const sends = telegram.calls.filter((c) => c.method === 'sendMessage');
    const byStatus = new Map<string, number>();
    for (const call of sends) {
      const answer = String(telegram.statusOf(call) ?? 'no answer');
      byStatus.set(answer, (byStatus.get(answer) ?? 0) + 1);
    }
    printFigures('Bot API 429 / 500 / hang / 403', figures, { 'sendMessage answers': Object.fromEntries(byStatus) });

    expect(telegram.pendingFailures()).toBe(0);
    expect(byStatus.get('429')).toBe(3);
    expect(byStatus.get('500')).toBe(3);
    expect(byStatus.get('no answer')).toBe(3);
    expect(figures.replies).toMatchObject({ written: (CHATS - 1) * PER_CHAT, delivered: (CHATS - 1) * PER_CHAT, deliveredTwice: 0, lost: 0, outOfOrder: 0, uncertain: 0 });

    const { rows } = await system.db.query(`select status, error_code as "errorCode", error_message as "errorMessage" from messages where id = $1`, [blockedReply!.messageId]);
    expect(rows[0]).toEqual({ status: 'failed', errorCode: 'recipient_blocked', errorMessage: expect.stringContaining('bot was blocked by the user') });
    expect(sends.filter((c) => chatOf(c) === blockedChat)).toHaveLength(1);
    passed = true;
  }, 120_000);
});
