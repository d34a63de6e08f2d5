import { describe, expect, it } from '@jest/globals';
import { PermanentError, RateLimitedError, RetryableError } from '@switchboard/errors';
import { classifyWhatsAppError, classifyWhatsAppResponse } from './classify.ts';

const graph = (code: number, message = 'error', extra: object = {}) => ({ error: { message, type: 'OAuthException', code, fbtrace_id: 'A1', ...extra } });
const systemError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });

describe('classifyWhatsAppResponse', () => {
  it.each([
    ['131047 window closed', 400, graph(131047, 'Re-engagement message'), PermanentError, 'whatsapp_131047'],
    ['131026 undeliverable', 400, graph(131026, 'Message Undeliverable'), PermanentError, 'whatsapp_131026'],
    ['131051 unsupported type', 400, graph(131051, 'Unsupported message type'), PermanentError, 'whatsapp_131051'],
    ['100 invalid parameter', 400, graph(100, 'Invalid parameter'), PermanentError, 'whatsapp_100'],
    ['132001 template does not exist', 404, graph(132001, 'Template name does not exist in the translation'), PermanentError, 'whatsapp_132001'],
    ['190 token expired', 401, graph(190, 'Error validating access token'), PermanentError, 'whatsapp_190'],
    ['4 app rate limit', 400, graph(4, 'Application request limit reached'), RateLimitedError, 'whatsapp_4'],
    ['80007 WABA rate limit', 400, graph(80007, 'Rate limit issues'), RateLimitedError, 'whatsapp_80007'],
    ['130429 throughput', 400, graph(130429, 'Rate limit hit'), RateLimitedError, 'whatsapp_130429'],
    ['131056 pair rate', 400, graph(131056, '(Business Account, Consumer Account) pair rate limit hit'), RateLimitedError, 'whatsapp_131056'],
    ['131048 spam rate', 400, graph(131048, 'Spam rate limit hit'), RateLimitedError, 'whatsapp_131048'],
    ['2 service unavailable', 503, graph(2, 'Service temporarily unavailable'), RetryableError, 'whatsapp_2'],
    ['131000 with a 500', 500, graph(131000, 'Something went wrong'), RetryableError, 'whatsapp_131000'],
    ['is_transient', 400, graph(1, 'unknown', { is_transient: true }), RetryableError, 'whatsapp_1'],
    ['429 without a Graph body', 429, 'Too Many Requests', RateLimitedError, 'rate_limited'],
    ['502 HTML from a proxy', 502, '<html>Bad Gateway</html>', RetryableError, 'upstream_502'],
    ['401 without a Graph body', 401, '', PermanentError, 'channel_auth_failed'],
    ['400 without a Graph body', 400, 'nope', PermanentError, 'rejected'],
  ])('%s', (_name, status, body, type, code) => {
    const error = classifyWhatsAppResponse({ status, body });
    expect(error).toBeInstanceOf(type);
    expect(error.code).toBe(code);
  });

  it('tells the agent to send a template when the window is closed (131047)', () => {
    const error = classifyWhatsAppResponse({ status: 400, body: graph(131047, 'Re-engagement message') });
    expect(error.message).toMatch(/template/);
    expect(error.details).toMatchObject({ status: 400, code: 131047, message: 'Re-engagement message', fbtrace_id: 'A1' });
  });

  it('honours Retry-After in seconds or as a date, else waits per code', () => {
    const wait = (retryAfter: string | null, code = 130429) => (classifyWhatsAppResponse({ status: 429, retryAfter, body: graph(code) }) as RateLimitedError).retryAfterMs;
    expect(wait('17')).toBe(17_000);
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    expect(wait(inTenSeconds)).toBeGreaterThan(8_000);
    expect(wait(null)).toBe(1_000);
    expect(wait(null, 131056)).toBe(6_000);
    expect((classifyWhatsAppResponse({ status: 429, body: 'slow down' }) as RateLimitedError).retryAfterMs).toBe(5_000);
  });
});

describe('classifyWhatsAppError', () => {
  it.each([
    ['ECONNREFUSED', systemError('ECONNREFUSED'), 'network_error'],
    ['fetch failed', new TypeError('fetch failed', { cause: systemError('ENOTFOUND') }), 'network_error'],
    ['timeout', Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }), 'network_error'],
    ['unknown throw', 'boom', 'unexpected_error'],
  ])('%s is retryable', (_name, input, code) => {
    const error = classifyWhatsAppError(input);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.code).toBe(code);
  });

  it('passes typed errors through', () => {
    const permanent = new PermanentError('whatsapp_131047', 'closed');
    expect(classifyWhatsAppError(permanent)).toBe(permanent);
  });
});
