import { describe, expect, it } from '@jest/globals';
import { DEFAULT_RETRY_SCHEDULE, retryDelayMs } from './backoff.ts';

describe('webhook retry delays', () => {
  it('double from 30 s up to the 1 h cap, with the full range as jitter', () => {
    const top = (attempt: number) => retryDelayMs(DEFAULT_RETRY_SCHEDULE, attempt, () => 0.999_999_9);
    expect([1, 2, 3, 4].map(top)).toEqual([29_999, 59_999, 119_999, 239_999]);
    expect(top(8)).toBe(3_599_999);
    expect(top(200)).toBe(3_599_999);
    expect(retryDelayMs(DEFAULT_RETRY_SCHEDULE, 5, () => 0)).toBe(0);
    expect(retryDelayMs(DEFAULT_RETRY_SCHEDULE, 2, () => 0.5)).toBe(30_000);
  });
});
