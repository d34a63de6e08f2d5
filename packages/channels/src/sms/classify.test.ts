import { describe, expect, it } from '@jest/globals';
import { PermanentError, RateLimitedError, RetryableError } from '@switchboard/errors';
import { classifyGatewayError } from './gateway/classify.ts';
import { classifyTwilioError } from './twilio/classify.ts';

const twilio = (code: number, status: number) => ({ code, message: `error ${code}`, more_info: '', status });

describe('classifyTwilioError', () => {
  it.each([
    [429, twilio(20429, 429), '7', RateLimitedError, 'twilio_20429'],
    [400, twilio(63018, 400), null, RateLimitedError, 'twilio_63018'],
    [429, undefined, null, RateLimitedError, 'rate_limited'],
    [400, twilio(21610, 400), null, PermanentError, 'recipient_blocked'],
    [400, twilio(21211, 400), null, PermanentError, 'twilio_21211'],
    [401, twilio(20003, 401), null, PermanentError, 'channel_auth_failed'],
    [400, twilio(63016, 400), null, PermanentError, 'twilio_63016'],
    [503, undefined, null, RetryableError, 'upstream_503'],
    [500, twilio(20500, 500), null, RetryableError, 'upstream_500'],
  ])('HTTP %i %j (Retry-After %s) → %p %s', (status, body, retryAfter, type, code) => {
    const error = classifyTwilioError(status, body, retryAfter);
    expect(error).toBeInstanceOf(type);
    expect(error.code).toBe(code);
  });

  it('honours Retry-After and names the Twilio code in the STOP message', () => {
    expect((classifyTwilioError(429, twilio(20429, 429), '7') as RateLimitedError).retryAfterMs).toBe(7_000);
    expect(classifyTwilioError(400, twilio(21610, 400)).message).toContain('twilio_21610');
  });
});

describe('classifyGatewayError', () => {
  it.each([
    [429, RateLimitedError, 'rate_limited'],
    [500, RetryableError, 'upstream_500'],
    [502, RetryableError, 'upstream_502'],
    [401, PermanentError, 'channel_auth_failed'],
    [400, PermanentError, 'gateway_400'],
    [422, PermanentError, 'gateway_422'],
  ])('HTTP %i → %p %s', (status, type, code) => {
    const error = classifyGatewayError(status, { error: 'x' }, '3');
    expect(error).toBeInstanceOf(type);
    expect(error.code).toBe(code);
  });

  it('waits Retry-After seconds on 429', () => {
    expect((classifyGatewayError(429, undefined, '3') as RateLimitedError).retryAfterMs).toBe(3_000);
  });
});
