import type { ChannelId } from './channels.ts';
import { DEFAULT_SURVEY_QUESTIONS, type SurveyKind, type SurveySettings } from './surveys.ts';

/**
 * How a channel carries a survey: answer buttons (Telegram keyboard, web-chat frame), one-click
 * links to a signed page on the API host (email), or a numeric reply (every text channel without
 * buttons). A channel missing here gets no survey (voice, WeChat).
 */
export type SurveyStyle = 'buttons' | 'links' | 'numeric';

export const SURVEY_STYLES: Readonly<Partial<Record<ChannelId, SurveyStyle>>> = {
  telegram: 'buttons',
  webchat: 'buttons',
  email: 'links',
  whatsapp: 'numeric',
  messenger: 'numeric',
  instagram: 'numeric',
  sms: 'numeric',
  viber: 'numeric',
  vk: 'numeric',
};

export function surveyStyleOf(channel: string): SurveyStyle | undefined {
  return SURVEY_STYLES[channel as ChannelId];
}

export const SCORE_RANGES: Readonly<Record<SurveyKind, { min: number; max: number }>> = {
  csat: { min: 1, max: 5 },
  nps: { min: 0, max: 10 },
};

/** The kind a numeric survey waits for: the first asked kind without a score (CSAT before NPS), or undefined when all are in. */
export function awaitedKind(survey: { asks: readonly SurveyKind[]; csat: number | null; nps: number | null }): SurveyKind | undefined {
  return (['csat', 'nps'] as const).find((kind) => survey.asks.includes(kind) && survey[kind] === null);
}

/**
 * What may surround the number: whitespace, sentence punctuation, quotes and brackets, and the
 * marks messengers use for bold/italic/strike (`*5*`). Signs (`-`, `+`), slashes, decimal points
 * between digits and words are not stripped, so "-1", "5/5", "4.5" and "9 of 10" are not answers.
 */
const SURROUNDING = /^[\s.,!?;:…'"«»“”„‘’()[\]{}*_~]+|[\s.,!?;:…'"«»“”„‘’()[\]{}*_~]+$/gu;
const LONE_INTEGER = /^(?:0|[1-9]\d?)$/;

/**
 * The score a customer's text gives `kind`, or undefined when the text is not an answer: it must
 * be one integer in the kind's range and nothing else but surrounding punctuation. NFKC first, so
 * full-width digits (５) count as digits. Strict on purpose: a text that merely contains a number
 * ("order 5 never came") is an ordinary message, not a rating.
 */
export function parseSurveyNumber(text: string, kind: SurveyKind): number | undefined {
  const core = text.normalize('NFKC').replace(SURROUNDING, '');
  if (!LONE_INTEGER.test(core)) return undefined;
  const score = Number(core);
  const { min, max } = SCORE_RANGES[kind];
  return score >= min && score <= max ? score : undefined;
}

/** Whether the text could answer any survey question: a cheap test before looking for a pending survey. */
export function couldBeSurveyNumber(text: string | undefined): text is string {
  return text !== undefined && text.length <= 40 && (parseSurveyNumber(text, 'nps') !== undefined || parseSurveyNumber(text, 'csat') !== undefined);
}

function question(kind: SurveyKind, settings: Pick<SurveySettings, 'csatQuestion' | 'npsQuestion'>): string {
  return (kind === 'csat' ? settings.csatQuestion : settings.npsQuestion) ?? DEFAULT_SURVEY_QUESTIONS[kind];
}

/** The instruction a numeric question ends with. */
export function replyWithNumber(kind: SurveyKind): string {
  const { min, max } = SCORE_RANGES[kind];
  return `Reply with a number from ${min} to ${max}.`;
}

/**
 * The text of a survey's first message. Buttons and links show every question at once; a numeric
 * survey asks one question at a time, so a lone number can only mean one thing (the next question
 * follows once the first is answered).
 */
export function surveyQuestionText(style: SurveyStyle, asks: readonly SurveyKind[], settings: Pick<SurveySettings, 'csatQuestion' | 'npsQuestion'>): string {
  if (style !== 'numeric') return asks.map((kind) => question(kind, settings)).join('\n');
  const first = asks[0]!;
  return numericQuestionText(first, settings);
}

export function numericQuestionText(kind: SurveyKind, settings: Pick<SurveySettings, 'csatQuestion' | 'npsQuestion'>): string {
  return `${question(kind, settings)}\n${replyWithNumber(kind)}`;
}

/** The Telegram prompt for a comment after the ratings; the customer answers by replying to it. */
export const SURVEY_COMMENT_PROMPT = 'Thank you! Anything you would like to add? Reply to this message with a comment (optional).';
