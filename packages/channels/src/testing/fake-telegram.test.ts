import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Telegram, TelegramError } from 'telegraf';
import { startFakeTelegram, type FakeTelegram } from '@switchboard/testkit';

const token = '4242:fake-token';
let fake: FakeTelegram;
let telegram: Telegram;
beforeAll(async () => {
  fake = await startFakeTelegram();
  telegram = new Telegram(token, { apiRoot: fake.apiRoot });
});
afterAll(async () => {
  await fake.close();
});

const update = (update_id: number) => ({ update_id, message: { message_id: update_id, date: 1, chat: { id: 7, type: 'private' }, text: `u${update_id}` } });

describe('the fake Telegram Bot API (driven by telegraf)', () => {
  it('answers getMe and records the token', async () => {
    await expect(telegram.getMe()).resolves.toMatchObject({ id: 4242, is_bot: true });
    expect(fake.calls.at(-1)).toEqual({ token, method: 'getMe', params: {} });
  });

  it('hands out pushed updates, drops confirmed ones and honours limit', async () => {
    fake.pushUpdate(update(1));
    fake.pushUpdate(update(2));
    fake.pushUpdate(update(3));
    expect((await telegram.getUpdates(0, 2, 0, undefined)).map((u) => u.update_id)).toEqual([1, 2]);
    expect((await telegram.getUpdates(0, 100, 3, undefined)).map((u) => u.update_id)).toEqual([3]);
    expect(await telegram.getUpdates(0, 100, 4, undefined)).toEqual([]);
  });

  it('holds a long poll until an update is pushed', async () => {
    const poll = telegram.getUpdates(30, 100, 4, undefined);
    await fake.waitForCall('getUpdates', (c) => c.params.timeout === 30);
    fake.pushUpdate(update(4));
    expect((await poll).map((u) => u.update_id)).toEqual([4]);
  });

  it('ends an empty long poll after its timeout', async () => {
    const started = Date.now();
    await expect(telegram.getUpdates(1, 100, 5, undefined)).resolves.toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('refuses getUpdates while a webhook is set, like the real API', async () => {
    await telegram.setWebhook('https://example.com/hook', { secret_token: 'SecretToken' });
    await expect(telegram.getUpdates(0, 100, 5, undefined)).rejects.toMatchObject({ code: 409 });
    await telegram.deleteWebhook();
    await expect(telegram.getUpdates(0, 100, 5, undefined)).resolves.toEqual([]);
  });

  it('answers unknown methods with 404 and replays canned failures once', async () => {
    await expect(telegram.callApi('noSuchMethod' as never, {} as never)).rejects.toMatchObject({
      response: { ok: false, error_code: 404, description: 'Not Found: method not found' },
    });
    fake.failNext('getMe', 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    await expect(telegram.getMe()).rejects.toBeInstanceOf(TelegramError);
    await expect(telegram.getMe()).resolves.toMatchObject({ is_bot: true });
  });

  it('accepts urlencoded and query-string parameters', async () => {
    await fetch(`${fake.apiRoot}/bot${token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ chat_id: '77', text: 'form body', reply_parameters: '{"message_id":5}' }),
    });
    await fetch(`${fake.apiRoot}/bot${token}/sendMessage?chat_id=78&text=query`);
    expect(fake.calls.slice(-2).map((c) => c.params)).toEqual([
      { chat_id: '77', text: 'form body', reply_parameters: { message_id: 5 } },
      { chat_id: '78', text: 'query' },
    ]);
  });

  it('parses multipart uploads as telegraf sends them', async () => {
    await telegram.sendDocument(79, { source: Buffer.from('hello file'), filename: 'a.txt' }, { caption: 'doc' }).catch(() => undefined);
    const call = await fake.waitForCall('sendDocument');
    expect(call.params).toEqual({ chat_id: '79', caption: 'doc', document: { filename: 'a.txt', size: 10 } });
  });

  it('rejects waitForCall after its timeout', async () => {
    await expect(fake.waitForCall('sendSticker', undefined, 50)).rejects.toThrow(/no sendSticker call/);
  });
});
