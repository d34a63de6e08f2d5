import type { FastifyError, FastifyReply } from 'fastify';
import { z } from 'zod';
import { readSurveyLink, signSurveyLink, type SurveyLinkClaim } from '@switchboard/channels';
import { DEFAULT_SURVEY_QUESTIONS } from '@switchboard/contracts';
import { getSurveyForPage, inboxSurveySettings, recordSurveyAnswer, surveyAnswerRefusal, withTransaction, type SurveyRejection } from '@switchboard/db';
import { observeSurveyAnswer, supportMetrics } from '@switchboard/runtime';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { hitLimit } from '../rate-limit.ts';
import { choicePage, problemPage, SURVEY_PAGE_CSP, thanksPage } from './survey-page-html.ts';

/**
 * Requests a minute for one survey's links. A customer clicks a few times; more is a script
 * replaying a valid link. Forged tokens never reach the database (the HMAC is checked first),
 * so a valid link is the only way to make these pages read it.
 */
export const SURVEY_PAGE_LIMIT_PER_MIN = 30;

/** A comment of 2000 characters, percent-encoded at worst, plus room: anything bigger is not from our form. */
const BODY_LIMIT = 16 * 1024;

const SurveyForm = z.object({
  comment: z.string().max(2000, 'comment: at most 2000 characters').optional(),
});

/** The page (status, title, detail) for each rejection of recordSurveyAnswer. */
const REJECTIONS: Record<SurveyRejection, [number, string, string]> = {
  unknown_survey: [404, 'Survey not found', 'This survey no longer exists.'],
  // the thread comes from the survey itself, so this cannot happen; it would be a 404 all the same
  not_this_customer: [404, 'Survey not found', 'This survey no longer exists.'],
  expired: [410, 'This survey has closed', 'The time to answer this survey has passed. Thank you all the same!'],
  already_answered: [409, 'Already answered', 'This rating was already recorded. Thank you!'],
  not_asked: [400, 'Not part of this survey', 'This survey does not ask for that rating.'],
};

const INVALID_LINK: [number, string, string] = [400, 'This link is not valid', 'The link may have been cut or changed. Please use the link from the email as it is.'];

function send(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply
    .code(status)
    .headers({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': SURVEY_PAGE_CSP,
      // the token is in the URL: never hand it to another site, a cache or a search engine
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'x-robots-tag': 'noindex',
    })
    .send(html);
}

const problem = (reply: FastifyReply, [status, title, detail]: [number, string, string]) => send(reply, status, problemPage(title, detail));

/**
 * The page behind the one-click links of a survey mail, outside `/api/v1` and unauthenticated:
 * the signed token is the credential (docs/surveys.md). `GET /survey/:token` only shows the choice,
 * because mail scanners and link previewers fetch links the customer never clicked;
 * `POST /survey/:token` records it (and an optional comment). Registered only with a link key.
 */
export function registerSurveyPage(deps: Pick<ApiDeps, 'pool' | 'logger' | 'surveyLinkKey' | 'redis' | 'queuePrefix' | 'metrics'>, app: ZodApp): void {
  const key = deps.surveyLinkKey;
  if (!key) return;
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.setErrorHandler((error: FastifyError, _req, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) deps.logger.error({ err: error }, 'survey page failed');
    if (status === 429) return problem(reply, [429, 'Too many requests', 'Please wait a minute and try again.']);
    const detail = status === 413 ? 'The comment is too long.' : status === 500 ? 'Something went wrong on our side; please try again later.' : 'The request could not be read.';
    return problem(reply, [status, status === 500 ? 'Sorry' : 'Not sent', detail]);
  });

  const claimOf = (token: string): SurveyLinkClaim | undefined => readSurveyLink(key, token);
  const limit = async (reply: FastifyReply, claim: SurveyLinkClaim): Promise<void> => {
    if (!deps.redis) return;
    const bucket = `${deps.queuePrefix ?? 'sb'}:survey-page-rl:${claim.surveyId}`;
    await hitLimit({ redis: deps.redis, logger: deps.logger }, reply, bucket, SURVEY_PAGE_LIMIT_PER_MIN, 60_000, 'too many requests for this survey');
  };

  app.get<{ Params: { token: string } }>('/survey/:token', { schema: { hide: true } }, async (req, reply) => {
    const claim = claimOf(req.params.token);
    if (!claim) return problem(reply, INVALID_LINK);
    await limit(reply, claim);
    const survey = await getSurveyForPage(deps.pool, claim.surveyId);
    // the verdict the POST would give now (it decides for real, under the row lock)
    const refusal = survey ? surveyAnswerRefusal(survey, [claim.kind], new Date()) : 'unknown_survey';
    if (refusal) return problem(reply, REJECTIONS[refusal]);
    const settings = await inboxSurveySettings(deps.pool, survey!.inboxId);
    const question = (claim.kind === 'csat' ? settings?.csatQuestion : settings?.npsQuestion) ?? DEFAULT_SURVEY_QUESTIONS[claim.kind];
    return send(reply, 200, choicePage({
      question,
      kind: claim.kind,
      score: claim.score,
      linkFor: (score) => signSurveyLink(key, { ...claim, score }),
      askComment: survey!.acceptsComment && survey!.comment === null,
    }));
  });

  app.post<{ Params: { token: string } }>('/survey/:token', { schema: { hide: true }, bodyLimit: BODY_LIMIT }, async (req, reply) => {
    const claim = claimOf(req.params.token);
    if (!claim) return problem(reply, INVALID_LINK);
    await limit(reply, claim);
    const form = SurveyForm.safeParse(req.body ?? {});
    if (!form.success) return problem(reply, [400, 'Not sent', form.error.issues[0]!.message]);
    const comment = form.data.comment?.trim() || undefined;
    const outcome = await withTransaction(deps.pool, async (tx) => {
      const survey = await getSurveyForPage(tx, claim.surveyId);
      if (!survey) return { kind: 'rejected', reason: 'unknown_survey' } as const;
      // the thread is the survey's own: the signature, not the requester, proves the recipient
      const answer = { surveyId: claim.surveyId, [claim.kind]: claim.score, ...(comment && { comment }) };
      return recordSurveyAnswer(tx, { answer, inboxId: survey.inboxId, threadKey: survey.threadKey, via: 'email_link', now: new Date() });
    });
    if (outcome.kind === 'rejected') {
      deps.logger.warn({ surveyId: claim.surveyId, reason: outcome.reason }, 'survey answer rejected');
      return problem(reply, REJECTIONS[outcome.reason]);
    }
    observeSurveyAnswer(deps.metrics && supportMetrics(deps.metrics), outcome.channel, outcome.scores);
    return send(reply, 200, thanksPage());
  });
}
