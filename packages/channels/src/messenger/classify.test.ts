import { describe, expect, it } from '@jest/globals';
import { PermanentError, RateLimitedError, RetryableError } from '@switchboard/errors';
import { classifyMetaNetworkError, classifyMetaSendError, retryAfterMs } from './classify.ts';

const graph = (code: number, subcode?: number, extra: object = {}) => ({ error: { message: `(#${code}) error`, type: 'OAuthException', code, error_subcode: subcode, fbtrace_id: 'AbC', ...extra } });

describe('classifyMetaSendError', () => {
  it.each([
    ['outside the 24 h window', 400, graph(10, 2018278), PermanentError, 'messenger_10_2018278'],
    ['user unavailable', 400, graph(551, 1545041), PermanentError, 'messenger_551_1545041'],
    ['no matching user', 400, graph(100, 2018001), PermanentError, 'messenger_100_2018001'],
    ['token expired', 400, graph(190, 463), PermanentError, 'messenger_190_463'],
    ['permission missing', 403, graph(10), PermanentError, 'messenger_10'],
    ['app call rate', 400, graph(4), RateLimitedError, 'messenger_4'],
    ['page call rate', 400, graph(32), RateLimitedError, 'messenger_32'],
    ['too many calls', 400, graph(613), RateLimitedError, 'messenger_613'],
    ['HTTP 429 without body', 429, undefined, RateLimitedError, 'messenger_http_429'],
    ['temporary send failure', 500, graph(1200), RetryableError, 'messenger_1200'],
    ['unexpected, retry later', 400, graph(2), RetryableError, 'messenger_2'],
    ['is_transient', 400, graph(9999, undefined, { is_transient: true }), RetryableError, 'messenger_9999'],
    ['502 from a proxy', 502, '<html>Bad Gateway</html>', RetryableError, 'messenger_http_502'],
    ['other 400', 400, graph(100), PermanentError, 'messenger_100'],
  ])('%s', (_name, status, body, type, code) => {
    const error = classifyMetaSendError('messenger', { status, body });
    expect(error).toBeInstanceOf(type);
    expect(error.code).toBe(code);
  });

  it('waits Retry-After when given, else a minute', () => {
    expect((classifyMetaSendError('instagram', { status: 429, body: graph(613), retryAfter: '7' }) as RateLimitedError).retryAfterMs).toBe(7_000);
    expect((classifyMetaSendError('instagram', { status: 400, body: graph(4) }) as RateLimitedError).retryAfterMs).toBe(60_000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
  });

  it('keeps Meta’s message, code and trace id for the logs', () => {
    const error = classifyMetaSendError('instagram', { status: 400, body: graph(551) });
    expect(error.message).toBe('(#551) error');
    expect(error.details).toMatchObject({ status: 400, code: 551, fbtraceId: 'AbC' });
  });

  it('retries network failures', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    expect(classifyMetaNetworkError('messenger', refused)).toMatchObject({ code: 'network_error', retryable: true });
    expect(classifyMetaNetworkError('messenger', new DOMException('timed out', 'TimeoutError'))).toBeInstanceOf(RetryableError);
  });
});
