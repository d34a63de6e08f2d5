import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { csvField, toCsv } from './csv.ts';

describe('CSV (RFC 4180)', () => {
  it('writes a header row and CRLF after every record, quoting only what needs it', () => {
    const csv = toCsv(['channel', 'name', 'count'], [
      { channel: 'telegram', name: 'Support, EU', count: 3 },
      { channel: 'email', name: 'say "hi"\nthen go', count: null },
    ]);
    expect(csv).toBe('channel,name,count\r\ntelegram,"Support, EU",3\r\nemail,"say ""hi""\nthen go",\r\n');
  });

  it('defuses text a spreadsheet would run as a formula, but leaves numbers alone', () => {
    expect(csvField('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvField('+7 999')).toBe("'+7 999");
    expect(csvField('-x')).toBe("'-x");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\tcmd')).toBe("'\tcmd");
    expect(csvField(-3)).toBe('-3');
    expect(csvField('plain')).toBe('plain');
  });

  it('parses back to the same cells with a real parser, whatever the text', () => {
    const cell = fc.oneof(fc.string(), fc.constantFrom('a,b', '"q"', 'line\r\nbreak', '=1+1', ' lead', ''));
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 20 }), (pairs) => {
        const rows = pairs.map(([a, b]) => ({ a, b }));
        const parsed = parse(toCsv(['a', 'b'], rows), { relax_column_count: false }) as string[][];
        const defused = (s: string) => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
        expect(parsed).toEqual([['a', 'b'], ...rows.map((r) => [defused(r.a), defused(r.b)])]);
      }),
    );
  });
});
