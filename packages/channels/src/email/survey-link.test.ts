import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { readSurveyLink, signSurveyLink, surveyLinkKey, surveyLinkUrl } from './survey-link.ts';
import { renderSurveyEmail } from './survey-render.ts';

const master = randomBytes(32);
const key = surveyLinkKey(master);
const surveyId = randomUUID();

describe('signed survey links', () => {
  it('reads back the survey, kind and score a token was signed for', () => {
    for (const [kind, score] of [['csat', 1], ['csat', 5], ['nps', 0], ['nps', 10]] as const) {
      const token = signSurveyLink(key, { surveyId, kind, score });
      expect(token).toMatch(/^[A-Za-z0-9_-]{24}\.[A-Za-z0-9_-]{43}$/);
      expect(readSurveyLink(key, token)).toEqual({ surveyId, kind, score });
    }
  });

  it('derives its own key: not the master key, and stable for one master key', () => {
    expect(key.equals(master)).toBe(false);
    expect(surveyLinkKey(master).equals(key)).toBe(true);
    expect(readSurveyLink(surveyLinkKey(randomBytes(32)), signSurveyLink(key, { surveyId, kind: 'csat', score: 3 }))).toBeUndefined();
  });

  it('rejects a token whose payload or signature was altered in any character', () => {
    const token = signSurveyLink(key, { surveyId, kind: 'csat', score: 3 });
    for (let i = 0; i < token.length; i++) {
      if (token[i] === '.') continue;
      const altered = `${token.slice(0, i)}${token[i] === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`;
      const read = readSurveyLink(key, altered);
      // base64url's last character carries unused bits: a change there may decode to the same bytes
      if (read !== undefined) expect(read).toEqual({ surveyId, kind: 'csat', score: 3 });
    }
    expect(readSurveyLink(key, `${token}x`)).toBeUndefined();
    expect(readSurveyLink(key, 'not-a-token')).toBeUndefined();
  });

  it('rejects a correctly signed score out of range', () => {
    expect(() => signSurveyLink(key, { surveyId: 'NOT-A-UUID', kind: 'csat', score: 1 })).toThrow();
    expect(readSurveyLink(key, signSurveyLink(key, { surveyId, kind: 'csat', score: 9 }))).toBeUndefined();
  });

  it('points at the survey page of the API host', () => {
    expect(surveyLinkUrl('https://support.example.com/', 'abc.def')).toBe('https://support.example.com/survey/abc.def');
  });
});

describe('renderSurveyEmail', () => {
  const linkFor = (kind: string, score: number) => `https://x.example/survey/${kind}-${score}?a=1&b=2`;

  it('puts one link per score under each question, in text and HTML', () => {
    const { text, html } = renderSurveyEmail('How satisfied?\nRecommend <us>?', { asks: ['csat', 'nps'], acceptsComment: true }, linkFor);
    expect(text).toContain('How satisfied?\n  1: https://x.example/survey/csat-1?a=1&b=2');
    expect(text).toContain('  10: https://x.example/survey/nps-10?a=1&b=2');
    expect(text).toContain('add a comment');
    expect((html.match(/<a href=/g) ?? []).length).toBe(5 + 11);
    expect(html).toContain('Recommend &lt;us&gt;?');
    expect(html).toContain('href="https://x.example/survey/nps-0?a=1&amp;b=2"');
  });

  it('keeps a text that is not one line per question above labelled scales', () => {
    const { text } = renderSurveyEmail('Thanks!\nTell us how we did.\nReally.', { asks: ['csat'], acceptsComment: false }, linkFor);
    expect(text.startsWith('Thanks!\nTell us how we did.\nReally.\n\nYour satisfaction (1–5):')).toBe(true);
    expect(text).not.toContain('comment');
  });
});
