import { describe, expect, it } from '@jest/globals';
import { PermanentError, RateLimitedError, RetryableError } from '@switchboard/errors';
import { RetryLaterSignal } from '@switchboard/queue';
import { Registry } from 'prom-client';
import { sendOutcome, timedSend } from './metrics.ts';

const job = (attemptsMade: number, attempts = 3) => ({ attemptsMade, opts: { attempts } });

describe('send outcome', () => {
  it('fails a reply on a permanent error or the last attempt, retries otherwise', () => {
    expect(sendOutcome(new PermanentError('recipient_blocked', 'blocked'), job(0))).toBe('failed');
    expect(sendOutcome(new RetryableError('upstream_502', 'bad gateway'), job(0))).toBe('retry');
    expect(sendOutcome(new RetryableError('upstream_502', 'bad gateway'), job(2))).toBe('failed');
  });

  it('never fails a reply on a rate limit, even on its last attempt: it does not spend one', () => {
    expect(sendOutcome(new RateLimitedError('rate_limited', 'slow down', 1_000), job(2))).toBe('retry');
    expect(sendOutcome(new RetryLaterSignal(10, 'later'), job(2))).toBe('retry');
  });
});

describe('timed send', () => {
  it('counts by outcome and code and rethrows what the send threw', async () => {
    const registry = new Registry();
    await timedSend(registry, 'sms', job(0), async () => 'ok');
    await expect(timedSend(registry, 'sms', job(0), async () => { throw new Error('socket hang up'); })).rejects.toThrow('socket hang up');
    const text = await registry.metrics();
    expect(text).toContain('switchboard_egress_sends_total{channel="sms",outcome="sent",code="ok"} 1');
    expect(text).toContain('switchboard_egress_sends_total{channel="sms",outcome="retry",code="send_failed"} 1');
    expect(text).toContain('switchboard_egress_send_duration_seconds_count{channel="sms"} 2');
  });
});
