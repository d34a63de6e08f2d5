import { describe, expect, it } from '@jest/globals';
import { classifyByRules, containsWord, matchRule, ruleMatches, type RoutingRule, type RuleFacts, type RuleMatch } from './rules.ts';

const facts = (over: Partial<RuleFacts> = {}): RuleFacts => ({
  channel: 'telegram',
  inboxId: 'inbox-1',
  locale: 'es-MX',
  text: 'Hola, I want a REFUND for order 42!',
  contactAttributes: { vip: true, plan: 'gold', tags: ['a', 'b'] },
  ...over,
});

const rule = (id: string, position: number, match: RuleMatch, over: Partial<RoutingRule> = {}): RoutingRule => ({
  id, position, enabled: true, match, queueId: `queue-${id}`, priority: 0, requiredSkills: [], ageAdjustS: 0, ...over,
});

describe('containsWord', () => {
  it.each([
    ['REFUND!', 'refund', true],
    ['refunded', 'refund', false],
    ['prerefund', 'refund', false],
    ['card   blocked today', 'card blocked', true],
    ['cardblocked', 'card blocked', false],
    ['¿reembolso?', 'Reembolso', true],
    ['Straße gesperrt', 'straße', true],
    ['price is $5 (USD)', '$5', true],
    ['anything', '   ', false],
  ])('%s / %s', (text, keyword, expected) => {
    expect(containsWord(text, keyword)).toBe(expected);
  });
});

describe('ruleMatches', () => {
  it.each<[string, RuleMatch, Partial<RuleFacts>, boolean]>([
    ['empty match is a catch-all', {}, {}, true],
    ['channel', { channel: 'telegram' }, {}, true],
    ['other channel', { channel: 'webchat' }, {}, false],
    ['one of channels', { channel: ['webchat', 'telegram'] }, {}, true],
    ['inbox', { inboxId: 'inbox-2' }, {}, false],
    ['language prefix', { language: 'es' }, {}, true],
    ['language underscore form', { language: 'es' }, { locale: 'ES_mx' }, true],
    ['exact region', { language: 'es-MX' }, {}, true],
    ['other region', { language: 'es-ES' }, {}, false],
    ['language is not a prefix of another', { language: 'e' }, {}, false],
    ['no locale', { language: 'es' }, { locale: null }, false],
    ['keyword, case-insensitive', { keywords: ['refund'] }, {}, true],
    ['any keyword', { keywords: ['invoice', 'order'] }, {}, true],
    ['no keyword', { keywords: ['invoice'] }, {}, false],
    ['keywords on a message without text', { keywords: ['refund'] }, { text: null }, false],
    ['vip', { contactAttributes: { vip: true } }, {}, true],
    ['vip false', { contactAttributes: { vip: false } }, {}, false],
    ['missing attribute', { contactAttributes: { tier: 1 } }, {}, false],
    ['array attribute', { contactAttributes: { tags: ['a', 'b'] } }, {}, true],
    ['all fields must hold', { channel: 'telegram', keywords: ['refund'], contactAttributes: { vip: false } }, {}, false],
  ])('%s', (_name, match, over, expected) => {
    expect(ruleMatches(match, facts(over))).toBe(expected);
  });
});

describe('matchRule and classifyByRules', () => {
  const rules = [
    rule('catch-all', 1000, {}),
    rule('vip', 10, { contactAttributes: { vip: true } }, { priority: 10, ageAdjustS: 600 }),
    rule('refund', 20, { keywords: ['refund'] }, { requiredSkills: [{ skill: 'billing', min: 2 }] }),
    rule('disabled-first', 1, {}, { enabled: false }),
  ];

  it('first match by position wins, disabled rules are skipped', () => {
    expect(matchRule(rules, facts())?.id).toBe('vip');
    expect(matchRule(rules, facts({ contactAttributes: {} }))?.id).toBe('refund');
    expect(matchRule(rules, facts({ contactAttributes: {}, text: 'hello' }))?.id).toBe('catch-all');
  });

  it('carries the rule decision', () => {
    expect(classifyByRules(rules, facts(), 'default')).toEqual({ queueId: 'queue-vip', priority: 10, requiredSkills: [], ageAdjustS: 600, ruleId: 'vip' });
    expect(classifyByRules(rules, facts({ contactAttributes: {} }), 'default')).toMatchObject({ queueId: 'queue-refund', requiredSkills: [{ skill: 'billing', min: 2 }] });
  });

  it('no match: the inbox default queue, else nowhere', () => {
    const few = [rule('es', 1, { language: 'es' })];
    expect(classifyByRules(few, facts({ locale: 'en' }), 'default')).toEqual({ queueId: 'default', priority: 0, requiredSkills: [], ageAdjustS: 0, ruleId: null });
    expect(classifyByRules(few, facts({ locale: 'en' }), null)).toBeUndefined();
  });

  it('equal positions keep the given order', () => {
    expect(matchRule([rule('a', 5, {}), rule('b', 5, {})], facts())?.id).toBe('a');
  });
});
