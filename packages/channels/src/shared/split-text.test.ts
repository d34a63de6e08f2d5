import { describe, expect, it } from '@jest/globals';
import { splitText } from './split-text.ts';

describe('splitText', () => {
  it('returns short text as one chunk', () => {
    expect(splitText('hello', 10)).toEqual(['hello']);
  });

  it('breaks after a newline or a space in the second half of a chunk', () => {
    expect(splitText('aaaa bbbbbb\ncc', 12)).toEqual(['aaaa bbbbbb\n', 'cc']);
    expect(splitText('aaaaaa bbbbbbbb', 10)).toEqual(['aaaaaa ', 'bbbbbbbb']);
  });

  it('cuts hard when there is no whitespace, keeping every character in order', () => {
    const text = 'x'.repeat(25);
    const chunks = splitText(text, 10);
    expect(chunks.map((c) => c.length)).toEqual([10, 10, 5]);
    expect(chunks.join('')).toBe(text);
  });

  it('never splits a surrogate pair', () => {
    const text = 'a'.repeat(9) + '😡' + 'b';
    const chunks = splitText(text, 10);
    expect(chunks).toEqual(['a'.repeat(9), '😡b']);
  });

  it('drops whitespace-only chunks', () => {
    expect(splitText(`${'a'.repeat(10)}${' '.repeat(10)}`, 10)).toEqual(['a'.repeat(10)]);
  });
});
