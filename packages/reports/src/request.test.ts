import { describe, expect, it } from '@jest/globals';
import { reportQuery, toReportRequest } from './request.ts';
import { isIanaTimeZone, startOfLocalDate } from './time-zone.ts';

const issuesOf = (report: Parameters<typeof reportQuery>[0], query: Record<string, string>) => {
  const r = reportQuery(report).safeParse(query);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('report request', () => {
  it('reads local dates as midnight in the time zone, the range half-open', () => {
    const q = reportQuery('volume').parse({ from: '2026-01-12', to: '2026-01-13', timeZone: 'Europe/Moscow', groupBy: 'channel,day', country: 'DE' });
    expect(toReportRequest('volume', q)).toEqual({
      report: 'volume',
      from: new Date('2026-01-11T21:00:00Z'),
      to: new Date('2026-01-12T21:00:00Z'),
      timeZone: 'Europe/Moscow',
      groupBy: ['channel', 'day'],
      filters: { country: 'DE' },
      format: 'json',
    });
  });

  it('takes date-times with offsets as instants, UTC and JSON by default', () => {
    const q = reportQuery('sla').parse({ from: '2026-03-01T00:00:00+02:00', to: '2026-03-02T00:00:00Z' });
    expect(toReportRequest('sla', q)).toMatchObject({ from: new Date('2026-02-28T22:00:00Z'), to: new Date('2026-03-02T00:00:00Z'), timeZone: 'UTC', groupBy: [], format: 'json' });
  });

  it('names the field of each bad value', () => {
    expect(issuesOf('volume', { from: '2026-01-13', to: '2026-01-12' })).toEqual(['to: must be after from']);
    expect(issuesOf('volume', { from: '2025-01-01', to: '2026-02-06' })).toEqual(['to: the range must be at most 400 days']);
    expect(issuesOf('volume', { from: 'yesterday', to: '2026-01-12' })[0]).toMatch(/^from: /);
    expect(issuesOf('volume', { from: '2026-01-01', to: '2026-01-12', timeZone: 'Mars/Olympus' })[0]).toMatch(/^timeZone: must be an IANA/);
    expect(issuesOf('volume', { from: '2026-01-01', to: '2026-01-12', timeZone: '+03:00' })[0]).toMatch(/^timeZone: /);
    expect(issuesOf('volume', { from: '2026-01-01', to: '2026-01-12', groupBy: 'channel,colour' })).toEqual([
      'groupBy: unknown dimension "colour"; one of channel, inbox, queue, agent, country, day, hour, hourOfDay',
    ]);
    expect(issuesOf('channel-share', { from: '2026-01-01', to: '2026-01-12', groupBy: 'channel' })[0]).toMatch(/^groupBy: unknown dimension "channel"/);
    expect(issuesOf('volume', { from: '2026-01-01', to: '2026-01-12', groupBy: 'day,hour' })).toEqual(['groupBy: at most one of day, hour, hourOfDay']);
    expect(issuesOf('volume', { from: '2026-01-01', to: '2026-01-12', groupBy: 'channel,inbox,queue,agent' })).toEqual(['groupBy: at most 3 dimensions']);
    expect(issuesOf('volume', { from: '2026-01-01', to: '2026-01-12', country: 'de' })[0]).toMatch(/^country: /);
    expect(issuesOf('volume', { from: '2026-01-01', to: '2026-01-12', format: 'xlsx' })[0]).toMatch(/^format: /);
  });

  it('allows 400 local days across a DST change', () => {
    expect(issuesOf('volume', { from: '2025-03-01', to: '2026-04-05', timeZone: 'America/New_York' })).toEqual([]);
  });
});

describe('time zones', () => {
  it('accepts IANA names only', () => {
    expect(isIanaTimeZone('UTC')).toBe(true);
    expect(isIanaTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isIanaTimeZone('Etc/GMT+3')).toBe(true);
    expect(isIanaTimeZone('+03:00')).toBe(false);
    expect(isIanaTimeZone('Nowhere/City')).toBe(false);
  });

  it('finds local midnight across DST and in zones with quarter-hour offsets', () => {
    expect(startOfLocalDate('2026-03-08', 'America/New_York')).toEqual(new Date('2026-03-08T05:00:00Z')); // EST, the change is at 02:00
    expect(startOfLocalDate('2026-03-09', 'America/New_York')).toEqual(new Date('2026-03-09T04:00:00Z')); // EDT
    expect(startOfLocalDate('2026-01-12', 'Asia/Kathmandu')).toEqual(new Date('2026-01-11T18:15:00Z')); // +05:45
    // Chile skips midnight: 2026-09-06 00:00 does not exist there, the day starts at 01:00 (-03)
    expect(startOfLocalDate('2026-09-06', 'America/Santiago')).toEqual(new Date('2026-09-06T04:00:00Z'));
  });
});
