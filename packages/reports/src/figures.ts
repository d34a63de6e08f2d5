/**
 * The derived figures of docs/reports.md, as pure functions of counts. SQL only counts and takes
 * percentiles; every ratio and its rounding is decided here, once.
 */

/** Rounds to `digits` decimals, halves away from zero (so -12.5 → -13, as 12.5 → 13). */
export function roundHalfAway(value: number, digits = 0): number {
  const scale = 10 ** digits;
  // toPrecision strips binary noise first: 1.005 * 100 is 100.49999…, but means 100.5
  const scaled = Number((Math.abs(value) * scale).toPrecision(15));
  const rounded = Math.round(scaled) / scale;
  return value < 0 && rounded !== 0 ? -rounded : rounded;
}

/**
 * The continuous percentile, PostgreSQL's `percentile_cont`: sort the values, take the position
 * p × (n − 1), and interpolate linearly between the two values around it. p50 of [60, 120] is 90.
 * Null for no values.
 */
export function percentileCont(values: readonly number[], p: number): number | null {
  if (!(p >= 0 && p <= 1)) throw new RangeError('p must be within [0, 1]');
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = p * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower]!;
  return low + (sorted[upper]! - low) * (position - lower);
}

/** Part of a whole as a percentage with one decimal; null when the whole is 0. */
export function percentOf(part: number, whole: number): number | null {
  return whole > 0 ? roundHalfAway((100 * part) / whole, 1) : null;
}

export interface NpsCounts {
  /** Answers 9–10. */
  promoters: number;
  /** Answers 7–8. */
  passives: number;
  /** Answers 0–6. */
  detractors: number;
}

/** Net Promoter Score: % promoters − % detractors, an integer in [-100, 100]; null without answers. */
export function netPromoterScore(c: NpsCounts): number | null {
  const n = c.promoters + c.passives + c.detractors;
  return n > 0 ? roundHalfAway((100 * (c.promoters - c.detractors)) / n) : null;
}

/** CSAT answers by score: `byScore[0]` counts the 1s, `byScore[4]` the 5s. */
export type CsatDistribution = readonly [number, number, number, number, number];

export interface CsatFigures {
  responses: number;
  /** Mean score, two decimals; null without answers. */
  average: number | null;
  /** Share of 4s and 5s, in percent with one decimal: "CSAT %" as most help desks quote it. */
  satisfiedPercent: number | null;
}

export function csatFigures(byScore: CsatDistribution): CsatFigures {
  const responses = byScore.reduce((a, b) => a + b, 0);
  const sum = byScore.reduce((acc, n, i) => acc + n * (i + 1), 0);
  return {
    responses,
    average: responses > 0 ? roundHalfAway(sum / responses, 2) : null,
    satisfiedPercent: percentOf(byScore[3] + byScore[4], responses),
  };
}

/** SLA attainment: met ÷ (met + breached), in percent with one decimal; null when nothing settled. */
export function slaAttainment(met: number, breached: number): number | null {
  return percentOf(met, met + breached);
}
