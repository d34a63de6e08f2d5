import type { SurveyKind } from '@switchboard/contracts';
import type { ForceReply, InlineKeyboardMarkup } from 'telegraf/types';
import type { OutboundSurvey } from '../contract.ts';

/**
 * An inline-keyboard button's `callback_data` for one survey score: `sv:<c|n>:<score>:<survey id>`,
 * at most 44 bytes of Telegram's 1–64 (https://core.telegram.org/bots/api#inlinekeyboardbutton).
 * The data only names the survey; the router checks it against the chat the press came from.
 */
export function encodeSurveyCallback(surveyId: string, kind: SurveyKind, score: number): string {
  return `sv:${kind === 'csat' ? 'c' : 'n'}:${score}:${surveyId}`;
}

const CALLBACK = /^sv:([cn]):(\d{1,2}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The survey score a button names, or undefined for any other data (another bot feature, a forged press out of range). */
export function decodeSurveyCallback(data: string): { surveyId: string; kind: SurveyKind; score: number } | undefined {
  const match = CALLBACK.exec(data);
  if (!match) return undefined;
  const kind: SurveyKind = match[1] === 'c' ? 'csat' : 'nps';
  const score = Number(match[2]);
  const [min, max] = kind === 'csat' ? [1, 5] : [0, 10];
  if (score < min || score > max) return undefined;
  return { surveyId: match[3]!, kind, score };
}

/** The inline keyboard of a survey: CSAT 1–5 on one row, NPS 0–10 on two (11 buttons are too narrow on a phone). */
export function surveyKeyboard(surveyId: string, asks: readonly SurveyKind[]): { text: string; callback_data: string }[][] {
  const button = (kind: SurveyKind, score: number) => ({ text: String(score), callback_data: encodeSurveyCallback(surveyId, kind, score) });
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const rows: { text: string; callback_data: string }[][] = [];
  if (asks.includes('csat')) rows.push(range(1, 5).map((s) => button('csat', s)));
  if (asks.includes('nps')) rows.push(range(0, 5).map((s) => button('nps', s)), range(6, 10).map((s) => button('nps', s)));
  return rows;
}

/**
 * The reply markup of a survey message: the score keyboard, or for the comment prompt a
 * force_reply, so the customer's client opens a reply to it and the reply names the prompt
 * (https://core.telegram.org/bots/api#forcereply).
 */
export function surveyMarkup(survey: OutboundSurvey): InlineKeyboardMarkup | ForceReply {
  if (survey.prompt === 'comment') return { force_reply: true, input_field_placeholder: 'Your comment (optional)' };
  return { inline_keyboard: surveyKeyboard(survey.id, survey.asks) };
}
