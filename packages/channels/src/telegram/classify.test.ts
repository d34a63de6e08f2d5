import { describe, expect, it } from '@jest/globals';
import { PermanentError, RateLimitedError, RetryableError } from '@switchboard/errors';
import { TelegramError } from 'telegraf';
import { fixtureJson } from '@switchboard/testkit';
import { classifyTelegramError } from './classify.ts';

const body = (error_code: number, description: string, parameters?: object) => ({ ok: false, error_code, description, parameters });
const systemError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });
const fetchError = (message: string, type: string, code?: string) =>
  Object.assign(new Error(message), { name: 'FetchError', type, ...(code ? { code } : {}) });

describe('classifyTelegramError', () => {
  it.each([
    ['429 fixture', fixtureJson('telegram/outbound_error_429_retry_after.json'), RateLimitedError, 'rate_limited'],
    ['403 blocked fixture', fixtureJson('telegram/outbound_error_403_bot_blocked.json'), PermanentError, 'recipient_blocked'],
    ['403 deactivated', body(403, 'Forbidden: user is deactivated'), PermanentError, 'recipient_blocked'],
    ['403 never started', body(403, "Forbidden: bot can't initiate conversation with a user"), PermanentError, 'recipient_blocked'],
    ['400 chat not found', body(400, 'Bad Request: chat not found'), PermanentError, 'recipient_not_found'],
    ['401 bad token', body(401, 'Unauthorized'), PermanentError, 'channel_auth_failed'],
    ['404 malformed token', body(404, 'Not Found'), PermanentError, 'channel_auth_failed'],
    ['400 other', body(400, 'Bad Request: message is too long'), PermanentError, 'rejected'],
    ['409 conflict', body(409, 'Conflict: terminated by other getUpdates request'), RetryableError, 'upstream_409'],
    ['500', body(500, 'Internal Server Error'), RetryableError, 'upstream_500'],
    ['502 via telegraf', new TelegramError({ error_code: 502, description: 'Bad Gateway' }), RetryableError, 'upstream_502'],
    ['ECONNREFUSED', systemError('ECONNREFUSED'), RetryableError, 'network_error'],
    ['ETIMEDOUT', systemError('ETIMEDOUT'), RetryableError, 'network_error'],
    ['node-fetch system', fetchError('request to https://api.telegram.org/ failed', 'system', 'ECONNRESET'), RetryableError, 'network_error'],
    ['global fetch failure', new TypeError('fetch failed', { cause: systemError('ENOTFOUND') }), RetryableError, 'network_error'],
    ['unknown throw', 'boom', RetryableError, 'unexpected_error'],
  ])('%s', (_name, input, type, code) => {
    const error = classifyTelegramError(input);
    expect(error).toBeInstanceOf(type);
    expect(error.code).toBe(code);
  });

  it('waits retry_after seconds on 429 (outbound_error_429_retry_after.json)', () => {
    const error = classifyTelegramError(new TelegramError(fixtureJson('telegram/outbound_error_429_retry_after.json') as never));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(30_000);
  });

  it('reads the wait from the description when parameters are missing', () => {
    const error = classifyTelegramError(body(429, 'Too Many Requests: retry after 7'));
    expect((error as RateLimitedError).retryAfterMs).toBe(7_000);
  });

  it('keeps the Bot API description and code for logs', () => {
    const error = classifyTelegramError(new TelegramError(fixtureJson('telegram/outbound_error_403_bot_blocked.json') as never));
    expect(error.message).toBe('Forbidden: bot was blocked by the user');
    expect(error.details).toEqual({ errorCode: 403, description: 'Forbidden: bot was blocked by the user' });
  });

  it('scrubs the bot token from errors telegraf leaves unredacted', () => {
    const leaked = fetchError('invalid json response body at http://127.0.0.1:1/bot123456:AAH-secret_x/sendMessage reason: Unexpected token <', 'invalid-json');
    const error = classifyTelegramError(leaked);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).not.toContain('AAH-secret_x');
    expect(leaked.message).not.toContain('AAH-secret_x');
  });
});
