import type { SkillRequirement } from './policy.ts';

/**
 * What a routing rule looks at. Every present field must match; an empty match is a
 * catch-all. Stored in `routing_rules.match`.
 */
export interface RuleMatch {
  channel?: string | string[];
  inboxId?: string | string[];
  /** Sender locale: "es" matches "es", "es-MX" and "es_MX"; "es-MX" matches only "es-MX". */
  language?: string | string[];
  /** Any one of these, as a whole word or phrase, case-insensitive. */
  keywords?: string[];
  /** Every attribute equal, e.g. {"vip": true}. */
  contactAttributes?: Record<string, unknown>;
}

export interface RoutingRule {
  id: string;
  position: number;
  enabled: boolean;
  match: RuleMatch;
  queueId: string;
  priority: number;
  requiredSkills: SkillRequirement[];
  ageAdjustS: number;
}

/** The facts of one conversation at classification time. */
export interface RuleFacts {
  channel: string;
  inboxId: string;
  locale: string | null;
  text: string | null;
  contactAttributes: Record<string, unknown>;
}

export interface Classification {
  queueId: string;
  priority: number;
  requiredSkills: SkillRequirement[];
  ageAdjustS: number;
  /** The rule that decided, or null for the inbox's default queue. */
  ruleId: string | null;
}

const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
const normalLocale = (l: string) => l.trim().toLowerCase().replaceAll('_', '-');

function languageMatches(locale: string | null, wanted: string | string[]): boolean {
  if (!locale) return false;
  const have = normalLocale(locale);
  return list(wanted).some((w) => {
    const want = normalLocale(w);
    return have === want || have.startsWith(`${want}-`);
  });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A whole-word (or whole-phrase) match: "refund" matches "Refund!" but not "refunded". */
export function containsWord(text: string, keyword: string): boolean {
  const words = keyword.trim().split(/\s+/).filter(Boolean).map(escape);
  if (!words.length) return false;
  return new RegExp(`(?<![\\p{L}\\p{N}_])${words.join('\\s+')}(?![\\p{L}\\p{N}_])`, 'iu').test(text);
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

export function ruleMatches(match: RuleMatch, facts: RuleFacts): boolean {
  if (match.channel !== undefined && !list(match.channel).includes(facts.channel)) return false;
  if (match.inboxId !== undefined && !list(match.inboxId).includes(facts.inboxId)) return false;
  if (match.language !== undefined && !languageMatches(facts.locale, match.language)) return false;
  if (match.keywords?.length && !(facts.text && match.keywords.some((k) => containsWord(facts.text!, k)))) return false;
  for (const [key, value] of Object.entries(match.contactAttributes ?? {})) {
    if (!sameValue(facts.contactAttributes[key], value)) return false;
  }
  return true;
}

/** The first enabled rule, by position, whose match holds; undefined when none does. */
export function matchRule(rules: readonly RoutingRule[], facts: RuleFacts): RoutingRule | undefined {
  return [...rules]
    .filter((r) => r.enabled)
    .sort((a, b) => a.position - b.position)
    .find((r) => ruleMatches(r.match ?? {}, facts));
}

/** The rule's decision, else the inbox's default queue at priority 0, else nowhere (unrouted). */
export function classifyByRules(rules: readonly RoutingRule[], facts: RuleFacts, defaultQueueId: string | null): Classification | undefined {
  const rule = matchRule(rules, facts);
  if (rule) return { queueId: rule.queueId, priority: rule.priority, requiredSkills: rule.requiredSkills, ageAdjustS: rule.ageAdjustS, ruleId: rule.id };
  if (!defaultQueueId) return undefined;
  return { queueId: defaultQueueId, priority: 0, requiredSkills: [], ageAdjustS: 0, ruleId: null };
}
