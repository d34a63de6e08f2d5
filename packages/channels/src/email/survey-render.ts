import { SCORE_RANGES, type SurveyKind } from '@switchboard/contracts';
import type { OutboundSurvey } from '../contract.ts';
import { escapeHtml } from '../shared/escape-html.ts';

/** The link for one score (signed, see survey-link.ts). */
export type SurveyLinkFor = (kind: SurveyKind, score: number) => string;

const SCALE_LABEL: Record<SurveyKind, string> = { csat: 'Your satisfaction (1–5):', nps: 'How likely you are to recommend us (0–10):' };

const scores = (kind: SurveyKind) => {
  const { min, max } = SCORE_RANGES[kind];
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
};

/**
 * The survey mail's two parts: the questions (the message text, one per line, in the order asked)
 * each followed by one link per score. The plain-text part lists the links, since a text-only
 * client shows no buttons; the HTML part shows the scores as a row of links.
 */
export function renderSurveyEmail(text: string, survey: Pick<OutboundSurvey, 'asks' | 'acceptsComment'>, linkFor: SurveyLinkFor): { text: string; html: string } {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  // one line per question (as createSurvey writes it): each gets its links; otherwise the text
  // stands above and each scale gets a plain label
  const interleave = lines.length === survey.asks.length;
  const sections = survey.asks.map((kind, index) => ({ question: interleave ? lines[index]! : SCALE_LABEL[kind], kind }));
  const intro = interleave ? [] : lines;
  const closing = survey.acceptsComment ? 'The page that opens lets you add a comment.' : '';

  const plain = [
    ...intro,
    ...sections.flatMap(({ question, kind }) => ['', question, ...scores(kind).map((score) => `  ${score}: ${linkFor(kind, score)}`)]),
    ...(closing ? ['', closing] : []),
  ].join('\n').trim();

  const cell = (kind: SurveyKind, score: number) =>
    `<a href="${escapeHtml(linkFor(kind, score))}" style="display:inline-block;min-width:28px;padding:6px 8px;margin:2px;border:1px solid #888;border-radius:4px;text-align:center;text-decoration:none;color:#222">${score}</a>`;
  const html = [
    ...intro.map((line) => `<p>${escapeHtml(line)}</p>`),
    ...sections.map(({ question, kind }) => `<p>${escapeHtml(question)}</p>\n<p>${scores(kind).map((score) => cell(kind, score)).join('')}</p>`),
    ...(closing ? [`<p>${escapeHtml(closing)}</p>`] : []),
  ].join('\n');
  return { text: plain, html: `<div>${html}</div>` };
}
