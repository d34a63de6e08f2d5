import { describe, expect, it } from '@jest/globals';
import { resumePoint } from './progress.ts';

describe('resumePoint', () => {
  it('starts from the beginning for a mailbox never polled', () => {
    expect(resumePoint(undefined, '1700000000')).toEqual({ lastUid: 0, resync: false });
  });

  it('continues after the last processed UID while UIDVALIDITY is unchanged', () => {
    expect(resumePoint({ uidValidity: '1700000000', lastUid: 42 }, '1700000000')).toEqual({ lastUid: 42, resync: false });
  });

  it('resyncs from the start when UIDVALIDITY changed', () => {
    expect(resumePoint({ uidValidity: '1700000000', lastUid: 42 }, '1800000000')).toEqual({ lastUid: 0, resync: true });
  });
});
