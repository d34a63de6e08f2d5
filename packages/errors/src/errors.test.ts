import { describe, expect, it } from '@jest/globals';
import { PermanentError, RateLimitedError, RetryableError, isRetryable } from './index.ts';

describe('isRetryable', () => {
  it('treats typed permanent errors as final and everything else as retryable', () => {
    expect(isRetryable(new PermanentError('blocked', 'bot was blocked'))).toBe(false);
    expect(isRetryable(new RetryableError('upstream_5xx', 'bad gateway'))).toBe(true);
    expect(isRetryable(new RateLimitedError('rate_limited', 'slow down', 30_000))).toBe(true);
    expect(isRetryable(new Error('socket hang up'))).toBe(true);
  });
});
