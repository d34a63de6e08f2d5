import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { awaitedKind, couldBeSurveyNumber, parseSurveyNumber, surveyQuestionText, surveyStyleOf } from './survey-reply.ts';

describe('parseSurveyNumber', () => {
  it.each([
    ['5', 'csat', 5],
    ['  4 ', 'csat', 4],
    ['5!', 'csat', 5],
    ['"3".', 'csat', 3],
    ['*2*', 'csat', 2],
    ['(1)', 'csat', 1],
    ['５', 'csat', 5],
    ['１０', 'nps', 10],
    ['0', 'nps', 0],
    ['10\n', 'nps', 10],
  ] as const)('reads %j as %s %i', (text, kind, score) => {
    expect(parseSurveyNumber(text, kind)).toBe(score);
  });

  it.each([
    ['0', 'csat'],
    ['6', 'csat'],
    ['11', 'nps'],
    ['5/5', 'csat'],
    ['9 of 10', 'nps'],
    ['4.5', 'csat'],
    ['-1', 'nps'],
    ['+5', 'csat'],
    ['05', 'csat'],
    ['5 stars', 'csat'],
    ['order 5 never came', 'csat'],
    ['', 'csat'],
    ['!!!', 'nps'],
    ['1 2', 'csat'],
  ] as const)('does not take %j as a %s answer', (text, kind) => {
    expect(parseSurveyNumber(text, kind)).toBeUndefined();
  });

  it('takes every score in range, whatever punctuation and whitespace surround it', () => {
    const padding = fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '.', '!', '?', '*', '"', '«', '»', '(', ')') });
    fc.assert(
      fc.property(fc.constantFrom('csat' as const, 'nps' as const), fc.nat(10), padding, padding, (kind, n, before, after) => {
        const inRange = kind === 'csat' ? n >= 1 && n <= 5 : n <= 10;
        expect(parseSurveyNumber(`${before}${n}${after}`, kind)).toBe(inRange ? n : undefined);
      }),
    );
  });

  it('never takes a text with a letter or a second number in it', () => {
    fc.assert(
      fc.property(fc.string(), fc.nat(10), fc.string(), (before, n, after) => {
        const text = `${before}${n}${after}`;
        const score = parseSurveyNumber(text, 'nps');
        if (/\p{L}/u.test(text) || /\d\D+\d/u.test(text.normalize('NFKC'))) expect(score).toBeUndefined();
        if (score !== undefined) expect(text.normalize('NFKC')).toContain(String(score));
      }),
    );
  });

  it('agrees with couldBeSurveyNumber: a text that answers some kind is a candidate', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), (text) => {
        const answers = parseSurveyNumber(text, 'csat') !== undefined || parseSurveyNumber(text, 'nps') !== undefined;
        expect(couldBeSurveyNumber(text)).toBe(answers);
      }),
    );
  });
});

describe('a numeric survey asks one question at a time', () => {
  it('waits for CSAT first, then NPS, then nothing', () => {
    expect(awaitedKind({ asks: ['csat', 'nps'], csat: null, nps: null })).toBe('csat');
    expect(awaitedKind({ asks: ['csat', 'nps'], csat: 4, nps: null })).toBe('nps');
    expect(awaitedKind({ asks: ['nps'], csat: null, nps: null })).toBe('nps');
    expect(awaitedKind({ asks: ['csat', 'nps'], csat: 4, nps: 9 })).toBeUndefined();
  });

  it('puts only the first question and its range in the first message', () => {
    const text = surveyQuestionText('numeric', ['csat', 'nps'], {});
    expect(text).toContain('How satisfied');
    expect(text).toContain('Reply with a number from 1 to 5.');
    expect(text).not.toContain('recommend');
    expect(surveyQuestionText('links', ['csat', 'nps'], { npsQuestion: 'Recommend us?' })).toBe(
      'How satisfied are you with our support? (1 = not at all, 5 = very)\nRecommend us?',
    );
  });

  it('knows how each channel carries a survey', () => {
    expect(['telegram', 'webchat', 'email', 'whatsapp', 'sms', 'vk', 'voice'].map(surveyStyleOf)).toEqual([
      'buttons', 'buttons', 'links', 'numeric', 'numeric', 'numeric', undefined,
    ]);
  });
});
