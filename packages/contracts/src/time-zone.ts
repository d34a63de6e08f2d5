/**
 * Wall-clock arithmetic in an IANA time zone with only Intl (no dependency): what a UTC
 * instant reads on the wall there, and which instant a wall time there names.
 */

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // throws RangeError for an unknown zone, which is what an invalid calendar deserves
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function wallTime(at: number, timeZone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(at))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour! % 24, minute: parts.minute!, second: parts.second! };
}

/** The zone's offset from UTC at an instant, in milliseconds (Europe/Berlin in summer: +2 h). */
export function offsetAt(at: number, timeZone: string): number {
  const w = wallTime(at, timeZone);
  const wholeSeconds = Math.floor(at / 1000) * 1000;
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - wholeSeconds;
}

/**
 * The instant a wall time names in the zone. A time skipped by a DST jump (02:30 on the spring
 * forward day) is read as the moment after the jump (03:30); a time that occurs twice (the
 * autumn fallback) resolves to its first occurrence. `minutes` may be 1440 (24:00): midnight
 * of the next day. Assumes at most one offset change within a day of the wall time, as in
 * every real zone.
 */
export function zonedInstant(year: number, month: number, day: number, minutes: number, timeZone: string): number {
  const local = Date.UTC(year, month - 1, day, 0, minutes);
  const DAY = 86_400_000;
  const candidates = [offsetAt(local - DAY, timeZone), offsetAt(local + DAY, timeZone)].map((offset) => ({ at: local - offset, offset }));
  const valid = candidates.filter((c) => offsetAt(c.at, timeZone) === c.offset).map((c) => c.at);
  if (valid.length) return Math.min(...valid);
  return Math.max(...candidates.map((c) => c.at));
}
