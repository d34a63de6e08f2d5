/**
 * Routing decisions as pure functions: who is eligible, in which order, and what happens to
 * a sticky customer. The dispatcher loads the facts and applies these.
 */

export const STRATEGIES = ['least_load', 'round_robin', 'longest_idle', 'most_skilled', 'manual'] as const;
export type Strategy = (typeof STRATEGIES)[number];
export type LoadMode = 'ratio' | 'absolute';
export type Presence = 'online' | 'away' | 'transfer_only' | 'offline';

export interface SkillRequirement {
  skill: string;
  min: number;
}

/** One queue member as the dispatcher sees them for one conversation. */
export interface Candidate {
  agentId: string;
  ring: number;
  presence: Presence;
  /** When the agent's presence last changed (longest_idle). */
  statusSince: Date;
  /** The capacity pool this conversation would draw on: its channel, or '*' for weighted units. */
  pool: string;
  capacity: number;
  /** Units held by active conversations and by pending offers. */
  active: number;
  pendingOffers: number;
  /** Units this conversation costs the agent (1 per conversation unless weighted). */
  cost: number;
  lastAssignedAt: Date | null;
  lastOfferAt: Date | null;
  /** Position in the global order of work handed out (null: never); breaks timestamp ties exactly. */
  lastWorkSeq?: number | null;
  excluded: boolean;
  skills: Record<string, number>;
}

export type Ineligibility = 'presence' | 'ring' | 'excluded' | 'skills' | 'capacity' | 'fairness';

export interface Requirements {
  ringMax: number | null;
  skills: SkillRequirement[];
  /** A transfer may go to `transfer_only` agents; queue work may not. */
  transfer: boolean;
}

export function freeUnits(c: Pick<Candidate, 'capacity' | 'active' | 'pendingOffers'>): number {
  return c.capacity - c.active - c.pendingOffers;
}

/** Why an agent cannot take this conversation now, or undefined when they can. */
export function ineligibility(c: Candidate, req: Requirements): Ineligibility | undefined {
  if (!(c.presence === 'online' || (req.transfer && c.presence === 'transfer_only'))) return 'presence';
  if (req.ringMax !== null && c.ring > req.ringMax) return 'ring';
  if (c.excluded) return 'excluded';
  if (req.skills.some((s) => (c.skills[s.skill] ?? 0) < s.min)) return 'skills';
  if (freeUnits(c) < c.cost) return 'capacity';
  return undefined;
}

/**
 * Eligibility plus the fairness guard: an agent already given `burst` new conversations in
 * this pass waits for the next one, so the first agent online does not absorb a backlog
 * (LiveHelperChat #1921, Chatwoot PR #12334).
 */
export function verdictOf(c: Candidate, req: Requirements, givenThisPass: number, burst: number): Ineligibility | undefined {
  return ineligibility(c, req) ?? (givenThisPass >= burst ? 'fairness' : undefined);
}

/** Whether anyone who could serve this step (presence, ring, skills) is online, full or not. */
export function stepStaffed(candidates: readonly Candidate[], req: Requirements): boolean {
  const present = (c: Candidate) => c.presence === 'online' || (req.transfer && c.presence === 'transfer_only');
  return candidates.some((c) => present(c) && (req.ringMax === null || c.ring <= req.ringMax) && req.skills.every((s) => (c.skills[s.skill] ?? 0) >= s.min));
}

const time = (d: Date | null) => d?.getTime() ?? 0;
const byId = (a: Candidate, b: Candidate) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0);

function loadOrder(mode: LoadMode) {
  // ratio: the smallest share of capacity in use first; absolute: the most free units first
  return mode === 'ratio'
    ? (a: Candidate, b: Candidate) => (a.active + a.pendingOffers) / a.capacity - (b.active + b.pendingOffers) / b.capacity
    : (a: Candidate, b: Candidate) => freeUnits(b) - freeUnits(a);
}

function skillScore(c: Candidate, skills: SkillRequirement[]): number {
  return skills.reduce((sum, s) => sum + (c.skills[s.skill] ?? 0), 0);
}

/**
 * Orders eligible candidates by the queue's strategy; ties end in a stable, total order.
 * Inner rings come first (bullseye): a widened step lets outer rings help, but an agent of
 * ring 1 with room is still preferred to one of ring 2.
 */
export function rank(strategy: Strategy, candidates: readonly Candidate[], options: { loadMode?: LoadMode; skills?: SkillRequirement[] } = {}): Candidate[] {
  const load = loadOrder(options.loadMode ?? 'ratio');
  // who got work longest ago: the work sequence (one order for all routers), then timestamps
  const lastWork = (a: Candidate, b: Candidate) =>
    (a.lastWorkSeq ?? 0) - (b.lastWorkSeq ?? 0) ||
    Math.max(time(a.lastAssignedAt), time(a.lastOfferAt)) - Math.max(time(b.lastAssignedAt), time(b.lastOfferAt));
  const orders: Record<Strategy, (a: Candidate, b: Candidate) => number> = {
    least_load: (a, b) => load(a, b) || lastWork(a, b) || byId(a, b),
    round_robin: (a, b) => lastWork(a, b) || byId(a, b),
    longest_idle: (a, b) => Math.max(time(a.lastAssignedAt), a.statusSince.getTime()) - Math.max(time(b.lastAssignedAt), b.statusSince.getTime()) || lastWork(a, b) || byId(a, b),
    most_skilled: (a, b) => skillScore(b, options.skills ?? []) - skillScore(a, options.skills ?? []) || load(a, b) || lastWork(a, b) || byId(a, b),
    manual: () => 0,
  };
  if (strategy === 'manual') return [];
  const order = orders[strategy];
  return [...candidates].sort((a, b) => a.ring - b.ring || order(a, b));
}

export type StickyDecision =
  | { kind: 'none' }
  | { kind: 'offer'; agentId: string }
  | { kind: 'wait' }
  | { kind: 'drop' };

/**
 * Sticky first: the customer's last agent, if eligible. Online but full: wait up to
 * `stickyWaitS` from when the conversation was queued. Already served once in this pass
 * (fairness): wait for the next pass, which the loop runs because an offer was made.
 * Offline, away, excluded, outside the step, or waited long enough: drop stickiness and
 * route normally at once (chatwoot/chatwoot #4158).
 */
export function stickyDecision(input: {
  stickyAgentId: string | null;
  /** The sticky agent as a member of this queue and why they cannot take it now (undefined: they can); absent if not a member. */
  verdict: { candidate: Candidate; why: Ineligibility | undefined } | undefined;
  enqueuedAt: Date;
  stickyWaitS: number;
  now: Date;
}): StickyDecision {
  if (!input.stickyAgentId) return { kind: 'none' };
  const v = input.verdict;
  if (v && v.why === undefined) return { kind: 'offer', agentId: input.stickyAgentId };
  if (v?.why === 'fairness') return { kind: 'wait' };
  const waiting = input.now.getTime() < input.enqueuedAt.getTime() + input.stickyWaitS * 1000;
  if (v?.why === 'capacity' && waiting) return { kind: 'wait' };
  return { kind: 'drop' };
}
