/** The rating row of a CSAT/NPS survey pushed after a resolved chat (docs/webchat-protocol.md, `survey` frame). */
import { ApiError } from './api.ts';
import { h } from './dom.ts';

export interface SurveyFrame {
  id: string;
  asks: ('csat' | 'nps')[];
  acceptsComment: boolean;
  expiresAt: string;
}

export type SurveyAnswerBody = { surveyId: string; csat?: number; nps?: number; comment?: string };

const LABELS = { csat: 'Rate this chat', nps: 'How likely are you to recommend us?' } as const;
const RANGES = { csat: [1, 5], nps: [0, 10] } as const;

/**
 * One row of score buttons per question; a press sends that score (with the comment typed so
 * far, if the survey takes one) and replaces the row by a thank-you, or by the server's reason.
 */
export function surveyElement(survey: SurveyFrame, submit: (body: SurveyAnswerBody) => Promise<void>): HTMLElement {
  const comment = survey.acceptsComment ? h('textarea', { class: 'survey-comment', rows: '2', maxlength: '2000', 'aria-label': 'Comment (optional)', placeholder: 'Comment (optional)' }) : undefined;
  const rows = survey.asks.map((kind) => {
    const [from, to] = RANGES[kind];
    const buttons = Array.from({ length: to - from + 1 }, (_, i) => {
      const score = from + i;
      return h('button', { type: 'button', 'data-kind': kind, 'data-score': String(score), 'aria-label': `${LABELS[kind]}: ${score}` }, String(score));
    });
    const row = h('div', { class: 'survey-row', role: 'group', 'aria-label': LABELS[kind] }, h('span', { class: 'survey-label' }, LABELS[kind]), h('div', { class: 'survey-scores' }, ...buttons));
    for (const button of buttons) {
      button.addEventListener('click', () => {
        for (const b of buttons) b.disabled = true;
        const text = comment?.value.trim();
        submit({ surveyId: survey.id, [kind]: Number(button.dataset.score), ...(text && { comment: text }) }).then(
          () => row.replaceChildren(h('span', { class: 'survey-done' }, 'Thank you for your rating!')),
          (error: unknown) => row.replaceChildren(h('span', { class: 'survey-done' }, error instanceof ApiError && error.code === 'survey_expired' ? 'This survey has closed.' : 'Your rating could not be recorded.')),
        );
      });
    }
    return row;
  });
  return h('div', { class: 'survey', 'data-survey': survey.id }, ...rows, comment);
}
