/**
 * Issue 9's performance goals, judged against one run's figures. Targets to print beside the
 * figures, not assertions: the bench exits 0 whether they are met or missed.
 */
export interface Goal {
  /** What the goal asks, as printed. */
  goal: string;
  /** The figure it is judged on, formatted, with what it was measured at when that differs from the goal. */
  figure: string;
  /** undefined: not measured in this run (e.g. a quick run without the rate the goal names). */
  met: boolean | undefined;
}

export interface GoalInputs {
  /** Switchboard's webhook → stored+assigned throughput, and the bare pipeline's webhook → stored. */
  inbound: { switchboardPerSecond: number; floorPerSecond: number };
  /** Open-loop passes at each offered rate: Switchboard's ack p99 and first message stored → conversation assigned p99, ms. */
  paced: { rate: number; ackP99: number; storedToAssignedP99: number; storedPerSecond: number }[];
  /** Webhook ack p99 per offered rate with ingress-telegram in a process of its own, as deployed; judged before the in-process figure. */
  processAck?: { rate: number; p99: number }[];
  egress: { switchboardPerSecond: number; floorPerSecond: number };
  /** RSS change in % per service over the soak (after warm-up → end). */
  rss: { minutes: number; changePercent: Record<string, number> };
}

/** The rate the latency goals name; a run without it is judged at its highest rate and says so. */
export const GOAL_RATE = 1000;
export const GOAL_SOAK_MINUTES = 10;

const pct = (v: number) => `${(v * 100).toFixed(0)}%`;
const ms = (v: number) => `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`;

/** Change from `before` to `after` in percent of `before`. */
export function changePercent(before: number, after: number): number {
  return before > 0 ? ((after - before) / before) * 100 : Number.NaN;
}

export function judgeGoals(inputs: GoalInputs): Goal[] {
  const goals: Goal[] = [];
  const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.NaN);
  const atLeastHalf = (goal: string, r: number) => goals.push({ goal, figure: Number.isFinite(r) ? pct(r) : '—', met: Number.isFinite(r) ? r >= 0.5 : undefined });

  atLeastHalf('end-to-end inbound throughput ≥ 50% of the floor pipeline', ratio(inputs.inbound.switchboardPerSecond, inputs.inbound.floorPerSecond));

  const exact = inputs.paced.find((p) => p.rate === GOAL_RATE);
  const top = exact ?? [...inputs.paced].sort((a, b) => b.rate - a.rate)[0];
  const at = (v: string) => (top === undefined || top.rate === GOAL_RATE ? v : `${v} (at ${top.rate}/s, not ${GOAL_RATE}/s)`);
  const behind = top !== undefined && top.storedPerSecond < top.rate * 0.95 ? `; stored only ${top.storedPerSecond.toFixed(0)}/s of ${top.rate}/s offered` : '';
  const own = inputs.processAck?.find((a) => a.rate === GOAL_RATE);
  if (own) {
    const inProcess = exact ? `; ${ms(exact.ackP99)} in the one-process stack` : '';
    goals.push({ goal: `webhook ack p99 ≤ 10 ms at ${GOAL_RATE} msg/s`, figure: `${ms(own.p99)} (ingress as its own process${inProcess})`, met: own.p99 <= 10 });
  } else {
    goals.push({ goal: `webhook ack p99 ≤ 10 ms at ${GOAL_RATE} msg/s`, figure: top ? at(ms(top.ackP99)) : '—', met: exact ? exact.ackP99 <= 10 : undefined });
  }
  goals.push({ goal: `stored → assigned p99 ≤ 50 ms at ${GOAL_RATE} msg/s`, figure: top ? at(ms(top.storedToAssignedP99)) + behind : '—', met: exact ? exact.storedToAssignedP99 <= 50 : undefined });

  atLeastHalf('egress throughput ≥ 50% of its floor', ratio(inputs.egress.switchboardPerSecond, inputs.egress.floorPerSecond));

  const changes = Object.entries(inputs.rss.changePercent);
  const worst = changes.reduce<[string, number] | undefined>((w, c) => (w === undefined || Math.abs(c[1]) > Math.abs(w[1]) ? c : w), undefined);
  const flat = worst !== undefined && changes.every(([, c]) => Math.abs(c) <= 10);
  const short = inputs.rss.minutes < GOAL_SOAK_MINUTES ? ` over ${inputs.rss.minutes} min, not ${GOAL_SOAK_MINUTES}` : '';
  goals.push({
    goal: `RSS flat (±10%) over a ${GOAL_SOAK_MINUTES}-minute soak`,
    figure: worst ? `worst ${worst[0]} ${worst[1] >= 0 ? '+' : ''}${worst[1].toFixed(1)}%${short}` : '—',
    // a short soak can show growth, but cannot show flatness over ten minutes
    met: worst === undefined ? undefined : !flat ? false : short ? undefined : true,
  });
  return goals;
}

export function verdict(met: boolean | undefined): string {
  return met === undefined ? 'not judged' : met ? 'met' : 'MISSED';
}

/** The goals as table lines: goal, figure, verdict. */
export function formatGoals(goals: readonly Goal[]): string[] {
  const w = Math.max(...goals.map((g) => g.goal.length)) + 2;
  const f = Math.max(...goals.map((g) => g.figure.length)) + 2;
  return goals.map((g) => `  ${g.goal.padEnd(w)}${g.figure.padEnd(f)}${verdict(g.met)}`);
}
