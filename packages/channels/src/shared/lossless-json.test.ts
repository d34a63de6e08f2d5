import { describe, expect, it } from '@jest/globals';
import { parseJsonLossless } from './lossless-json.ts';

describe('parseJsonLossless', () => {
  it('keeps integers beyond 2^53 as their exact decimal text', () => {
    const parsed = parseJsonLossless('{"message_token":4912661846655238145,"neg":-9007199254740993}');
    expect(parsed).toEqual({ message_token: '4912661846655238145', neg: '-9007199254740993' });
  });

  it('leaves safe integers, fractions and exponents as numbers', () => {
    const parsed = parseJsonLossless('{"a":9007199254740991,"b":-42,"c":1.5,"d":1e21,"e":[0,"12345678901234567890"]}');
    expect(parsed).toEqual({ a: 9007199254740991, b: -42, c: 1.5, d: 1e21, e: [0, '12345678901234567890'] });
  });

  it('parses nested structures like JSON.parse', () => {
    const text = '{"update_id":1,"message":{"chat":{"id":-1001276785818},"ok":true,"n":null}}';
    expect(parseJsonLossless(text)).toEqual(JSON.parse(text));
  });

  it('throws SyntaxError on invalid JSON', () => {
    expect(() => parseJsonLossless('{"a":')).toThrow(SyntaxError);
  });
});
