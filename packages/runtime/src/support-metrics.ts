import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * The live support figures (the "Switchboard — support figures" dashboard), counted by the
 * process where each thing happens: conversations opened and survey answers arriving through
 * the router, resolutions and email survey pages in the API, web-chat survey answers in
 * ingress-webchat. The same
 * names on several services: dashboards `sum` across them. Labels are bounded sets only
 * (channel, survey kind, score), never ids.
 */
export interface SupportMetrics {
  conversationsOpened: Counter<'channel'>;
  conversationsResolved: Counter<'channel'>;
  firstResponse: Histogram<'channel'>;
  resolution: Histogram<'channel'>;
  surveyAnswers: Counter<'channel' | 'kind' | 'score'>;
}

/** Replies within seconds to replies after days: the spread support teams report on. */
const FIRST_RESPONSE_BUCKETS = [15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14_400, 28_800, 86_400, 172_800];
const RESOLUTION_BUCKETS = [60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400, 172_800, 345_600, 604_800];

const byRegistry = new WeakMap<Registry, SupportMetrics>();

/** The support metrics of a service registry, registered on first use (a registry refuses a name twice). */
export function supportMetrics(registry: Registry): SupportMetrics {
  const known = byRegistry.get(registry);
  if (known) return known;
  const registers = [registry];
  const metrics: SupportMetrics = {
    conversationsOpened: new Counter({ name: 'switchboard_conversations_opened_total', help: 'New conversations opened by a customer message, by channel (a reopened one is not new).', labelNames: ['channel'], registers }),
    conversationsResolved: new Counter({ name: 'switchboard_conversations_resolved_total', help: 'Conversations resolved by an agent or supervisor, by channel (every resolve, a reopened one again; abandoned ones are in switchboard_abandoned_total).', labelNames: ['channel'], registers }),
    firstResponse: new Histogram({
      name: 'switchboard_first_response_seconds',
      help: 'First response time (wall clock, docs/reports.md) of conversations at their first resolution, by channel; those never answered are not observed.',
      labelNames: ['channel'],
      buckets: FIRST_RESPONSE_BUCKETS,
      registers,
    }),
    resolution: new Histogram({
      name: 'switchboard_resolution_seconds',
      help: 'Time from a conversation opening to its first resolution (wall clock, docs/reports.md), by channel.',
      labelNames: ['channel'],
      buckets: RESOLUTION_BUCKETS,
      registers,
    }),
    surveyAnswers: new Counter({ name: 'switchboard_survey_answers_total', help: 'Recorded survey scores by channel, kind (csat 1-5, nps 0-10) and score.', labelNames: ['channel', 'kind', 'score'], registers }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}

/** What the resolve path recorded about one conversation (`recordConversationMetrics`). */
export interface ResolutionFigures {
  channel: string;
  /** How many times it has been resolved, this time included. */
  resolutions: number;
  firstResponseS: number | null;
  firstResolutionS: number | null;
}

/**
 * A resolve that committed. The times are observed at the first resolution only: a reopened
 * conversation resolved again would otherwise count its first response twice.
 */
export function observeResolution(metrics: SupportMetrics | undefined, figures: ResolutionFigures | undefined): void {
  if (!metrics || !figures) return;
  metrics.conversationsResolved.inc({ channel: figures.channel });
  if (figures.resolutions !== 1) return;
  if (figures.firstResponseS !== null) metrics.firstResponse.observe({ channel: figures.channel }, figures.firstResponseS);
  if (figures.firstResolutionS !== null) metrics.resolution.observe({ channel: figures.channel }, figures.firstResolutionS);
}

/** A survey answer that was recorded (a rejected one changes nothing and is not counted). */
export function observeSurveyAnswer(metrics: SupportMetrics | undefined, channel: string, answer: { csat?: number; nps?: number }): void {
  if (!metrics) return;
  if (answer.csat !== undefined) metrics.surveyAnswers.inc({ channel, kind: 'csat', score: String(answer.csat) });
  if (answer.nps !== undefined) metrics.surveyAnswers.inc({ channel, kind: 'nps', score: String(answer.nps) });
}
