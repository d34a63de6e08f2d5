import type { FastifyInstance } from 'fastify';
import { VisitorSurveyAnswer } from '@switchboard/channels';
import { recordSurveyAnswer, withTransaction, type Pool, type SurveyAnswerOutcome } from '@switchboard/db';
import { HttpError } from '@switchboard/errors';
import type { Logger } from '@switchboard/log';
import { observeSurveyAnswer, supportMetrics, type Registry } from '@switchboard/runtime';
import { parseOr400 } from './errors.ts';
import type { WebchatInboxes } from './inboxes.ts';
import { inboxFor, visitorOf } from './visitor-request.ts';

export interface SurveyRouteDeps {
  pool: Pool;
  inboxes: WebchatInboxes;
  logger: Logger;
  /** The service registry: recorded scores count in `switchboard_survey_answers_total`. */
  metrics?: Registry;
}

type Rejection = Extract<SurveyAnswerOutcome, { kind: 'rejected' }>['reason'];

/** Another visitor's survey answers as an unknown one: whether a survey id exists is nobody else's business. */
const REJECTIONS: Record<Rejection, () => HttpError> = {
  unknown_survey: () => new HttpError(404, 'not_found', 'survey not found'),
  not_this_customer: () => new HttpError(404, 'not_found', 'survey not found'),
  expired: () => new HttpError(409, 'survey_expired', 'this survey no longer takes answers'),
  already_answered: () => new HttpError(409, 'survey_answered', 'this score is already recorded'),
  not_asked: () => new HttpError(400, 'not_asked', 'this survey does not ask for that score'),
};

/**
 * `POST /webchat/:inboxId/survey`: the visitor rates a resolved chat. Recorded here rather than
 * through the router: it is one row of the visitor's own survey, and the widget needs to know
 * at once whether it counted. Only the survey's own visitor (the conversation's thread), once
 * per score, while it is pending.
 */
export function registerSurveyRoute(app: FastifyInstance, deps: SurveyRouteDeps): void {
  app.post<{ Params: { inboxId: string } }>('/webchat/:inboxId/survey', async (req, reply) => {
    const inbox = await inboxFor(deps.inboxes, req, reply);
    const visitor = visitorOf(req, inbox);
    const answer = parseOr400(VisitorSurveyAnswer, req.body ?? {}, 'body');
    const outcome = await withTransaction(deps.pool, (tx) =>
      recordSurveyAnswer(tx, { answer, inboxId: inbox.id, threadKey: visitor.visitorId, via: 'webchat_survey', now: new Date() }),
    );
    if (outcome.kind === 'rejected') {
      deps.logger.warn({ inboxId: inbox.id, surveyId: answer.surveyId, reason: outcome.reason }, 'survey answer rejected');
      throw REJECTIONS[outcome.reason]();
    }
    observeSurveyAnswer(deps.metrics && supportMetrics(deps.metrics), outcome.channel, outcome.scores);
    return reply.send({ surveyId: outcome.surveyId, status: outcome.status });
  });
}
