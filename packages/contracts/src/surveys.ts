import { z } from 'zod';

/** What a survey asks: CSAT (1–5, satisfaction with this conversation) and NPS (0–10, would recommend). */
export const SurveyKind = z.enum(['csat', 'nps']);
export type SurveyKind = z.infer<typeof SurveyKind>;

/**
 * An inbox's survey settings (`inboxes.survey_settings`; null = surveys off). Sent to the
 * customer on their own channel when a conversation is resolved; answers are taken for
 * `answerWindowHours`.
 */
export const SurveySettings = z
  .object({
    csat: z.boolean().default(true),
    nps: z.boolean().default(false),
    comment: z.boolean().default(false).describe('the customer may add a comment (web chat, the email page, a reply to the Telegram prompt)'),
    answerWindowHours: z.number().int().min(1).max(720).default(72),
    csatQuestion: z.string().trim().min(1).max(500).optional().describe('default: "How satisfied are you with our support?"'),
    npsQuestion: z.string().trim().min(1).max(500).optional().describe('default: "How likely are you to recommend us to a friend?"'),
  })
  .refine((s) => s.csat || s.nps, { message: 'ask for CSAT, NPS or both' });
export type SurveySettings = z.infer<typeof SurveySettings>;

export const DEFAULT_SURVEY_QUESTIONS: Record<SurveyKind, string> = {
  csat: 'How satisfied are you with our support? (1 = not at all, 5 = very)',
  nps: 'How likely are you to recommend us to a friend? (0 = not at all, 10 = very likely)',
};

/** A customer's answer to a survey, as an inbound event carries it; each score is one the survey asked. */
export const SurveyAnswer = z.object({
  surveyId: z.uuid(),
  csat: z.number().int().min(1).max(5).optional(),
  nps: z.number().int().min(0).max(10).optional(),
  comment: z.string().trim().min(1).max(2000).optional(),
});
export type SurveyAnswer = z.infer<typeof SurveyAnswer>;
