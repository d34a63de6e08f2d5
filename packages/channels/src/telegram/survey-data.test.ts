import { describe, expect, it } from '@jest/globals';
import { decodeSurveyCallback, encodeSurveyCallback, surveyKeyboard, surveyMarkup } from './survey-data.ts';

const surveyId = '7d0f4a52-9c1e-4b8a-a3f6-2e5d8c9b1a04';

describe('survey callback_data', () => {
  it.each([
    ['csat', 1],
    ['csat', 5],
    ['nps', 0],
    ['nps', 10],
  ] as const)('round-trips %s %i within Telegram\'s 64 bytes', (kind, score) => {
    const data = encodeSurveyCallback(surveyId, kind, score);
    expect(Buffer.byteLength(data, 'utf8')).toBeLessThanOrEqual(64);
    expect(decodeSurveyCallback(data)).toEqual({ surveyId, kind, score });
  });

  it.each([
    ['a CSAT score out of range', `sv:c:0:${surveyId}`],
    ['a CSAT score out of range', `sv:c:6:${surveyId}`],
    ['an NPS score out of range', `sv:n:11:${surveyId}`],
    ['an unknown kind', `sv:x:3:${surveyId}`],
    ['a malformed survey id', 'sv:c:3:not-a-survey'],
    ['trailing data', `sv:c:3:${surveyId}:extra`],
    ["another feature's data", 'menu:orders'],
  ])('rejects %s (%s)', (_what, data) => {
    expect(decodeSurveyCallback(data)).toBeUndefined();
  });

  it('lays out CSAT 1–5 on one row and NPS 0–10 on two', () => {
    const rows = surveyKeyboard(surveyId, ['csat', 'nps']);
    expect(rows.map((row) => row.map((b) => b.text))).toEqual([
      ['1', '2', '3', '4', '5'],
      ['0', '1', '2', '3', '4', '5'],
      ['6', '7', '8', '9', '10'],
    ]);
    expect(rows[1]![0]!.callback_data).toBe(`sv:n:0:${surveyId}`);
    expect(surveyKeyboard(surveyId, ['csat'])).toHaveLength(1);
  });
});

describe('surveyMarkup', () => {
  const survey = { id: '0b7c4f0e-8d3a-4c55-9a57-3f0d6b2f9e11', asks: ['csat'] as const, acceptsComment: true, expiresAt: '2026-01-01T00:00:00.000Z' };

  it('puts the score keyboard on the question message', () => {
    expect(surveyMarkup(survey)).toEqual({ inline_keyboard: surveyKeyboard(survey.id, survey.asks) });
  });

  it('asks for the comment with a force_reply, so the answer names the prompt', () => {
    expect(surveyMarkup({ ...survey, prompt: 'comment' })).toEqual({ force_reply: true, input_field_placeholder: 'Your comment (optional)' });
  });
});
