import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { adapters, formParams, normalizeEmail, parseEmail, parseJsonLossless, parseSmsRequest, type InboxContext } from '@switchboard/channels';
import { InboundEvent, type EnabledChannel } from '@switchboard/contracts';
import { PayloadError } from '@switchboard/errors';
import { fixture } from '@switchboard/testkit';
import { FUZZ_RUNS, fuzzParams, mutationsOf } from './fuzz-kit.ts';

/**
 * Every normalizer, fed arbitrary input and mutated real payloads: it returns events that all
 * parse as InboundEvent, or throws PayloadError (the ingress parks those). Anything else (a
 * TypeError on a missing field, a RangeError on a bad date) would answer the platform 5xx.
 */

const receivedAt = new Date('2024-07-01T12:00:00.000Z');
const id = '0b6c8f5e-3f0a-4c57-9a52-6f1d2f3a4b5c';

/** Events, or null for a PayloadError; any other throw fails the property. */
function outcome(run: () => unknown, inbox: InboxContext): InboundEvent[] | null {
  let events: unknown;
  try {
    events = run();
  } catch (error) {
    if (error instanceof PayloadError) return null;
    throw error;
  }
  expect(Array.isArray(events)).toBe(true);
  return (events as unknown[]).map((event) => {
    const parsed = InboundEvent.parse(event);
    expect({ inboxId: parsed.inboxId, channel: parsed.channel }).toEqual({ inboxId: inbox.id, channel: inbox.channel });
    return parsed;
  });
}

const files = (dir: string, ext: string) =>
  readdirSync(fixture(dir))
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => readFileSync(fixture(`${dir}/${f}`), 'utf8'));

/** A channel's JSON fixtures as ingress parses them; signature vectors contribute the body they sign. */
function jsonFixtures(...dirs: string[]): unknown[] {
  return dirs.flatMap((dir) =>
    files(dir, '.json').map((text) => {
      const value = parseJsonLossless(text) as Record<string, unknown>;
      if (typeof value.body !== 'string') return value;
      try {
        return parseJsonLossless(value.body);
      } catch {
        return value;
      }
    }),
  );
}

/** An inbox whose config passed the channel's schema, as ingress loads it. */
const inboxOf = (channel: EnabledChannel, config: unknown): InboxContext => ({ id, channel, config: adapters[channel].configSchema.parse(config), secrets: {} });

interface Target {
  name: string;
  inbox: InboxContext;
  fixtures: unknown[];
}

const webchatSeeds = [
  { visitorId: 'v1', visitor: { name: 'Ann', email: 'ann@example.com' }, message: { clientMessageId: 'c-1', text: 'Hi 👋' } },
  { visitorId: 'v_2-x', message: { clientMessageId: 'c-2', attachments: [{ kind: 'image', externalId: 'up-1', mimeType: 'image/png', fileName: 'a.png', size: 10 }] } },
];
const twilioForms = [
  ...files('twilio', '.form').map((text) => ({ kind: 'form', params: formParams(text) })),
  ...jsonFixtures('twilio').flatMap((v) => ((v as { params?: unknown }).params ? [{ kind: 'form', params: (v as { params: unknown }).params }] : [])),
];
const gatewayPayloads = [
  ...jsonFixtures('sms-gateway').map((body) => ({ kind: 'json', body })),
  ...files('sms-gateway', '.form').map((text) => ({ kind: 'form', params: formParams(text) })),
  ...files('sms-gateway', '.url').map((text) => ({ kind: 'form', params: formParams(new URL(text.trim(), 'http://x').search) })),
];

const TARGETS: (Target & { normalize: (raw: unknown, inbox: InboxContext) => unknown })[] = (
  [
  { name: 'telegram', inbox: inboxOf('telegram', { mode: 'webhook' }), fixtures: jsonFixtures('telegram') },
  { name: 'whatsapp', inbox: inboxOf('whatsapp', { phoneNumberId: '1122334455667' }), fixtures: jsonFixtures('whatsapp') },
  { name: 'whatsapp (courier number)', inbox: inboxOf('whatsapp', { phoneNumberId: '1234567890' }), fixtures: jsonFixtures('whatsapp') },
  { name: 'messenger', inbox: inboxOf('messenger', { pageId: '1234567890' }), fixtures: jsonFixtures('messenger', 'instagram') },
  { name: 'instagram', inbox: inboxOf('instagram', { igUserId: '1234567890' }), fixtures: jsonFixtures('instagram', 'messenger') },
  // the Chatwoot fixtures' account id is not numeric, so it skips the config schema
  { name: 'instagram (chatwoot account)', inbox: { id, channel: 'instagram' as const, config: { igUserId: 'chatwoot-app-user-id-1' }, secrets: {} }, fixtures: jsonFixtures('instagram') },
  { name: 'webchat', inbox: inboxOf('webchat', {}), fixtures: [...webchatSeeds, ...jsonFixtures('webchat')] },
  { name: 'sms (twilio)', inbox: inboxOf('sms', { provider: 'twilio', accountSid: 'ACf19dfb164f82b2c9d6178c6ada3XXXXX', from: '+12028831111' }), fixtures: [...twilioForms, ...gatewayPayloads] },
  { name: 'sms (gateway)', inbox: inboxOf('sms', { provider: 'gateway', sendUrl: 'https://gateway.example/send' }), fixtures: [...gatewayPayloads, ...twilioForms] },
  { name: 'email adapter', inbox: inboxOf('email', { address: 'help@example.com', imap: { host: 'imap.example.com', user: 'help' }, smtp: { host: 'smtp.example.com' } }), fixtures: [{}] },
] satisfies Target[]).map((t) => ({ ...t, normalize: (raw: unknown, inbox: InboxContext) => adapters[inbox.channel as EnabledChannel].normalize(raw, inbox as never, receivedAt) }));

/** Inputs straight from JSON text (as a webhook body would parse) or any JS value at all. */
const randomInput = fc.oneof(fc.json({ maxDepth: 4 }).map((text) => parseJsonLossless(text)), fc.anything({ maxDepth: 4 }));

describe.each(TARGETS)('normalizer $name', ({ inbox, fixtures, normalize }) => {
  it(`never crashes on arbitrary input (${FUZZ_RUNS} cases)`, () => {
    fc.assert(fc.property(randomInput, (raw) => void outcome(() => normalize(raw, inbox), inbox)), fuzzParams());
  });

  it(`never crashes on mutated real payloads (${FUZZ_RUNS} cases)`, () => {
    let events = 0;
    fc.assert(
      fc.property(mutationsOf(fixtures), (raw) => {
        events += outcome(() => normalize(raw, inbox), inbox)?.length ?? 0;
      }),
      fuzzParams(),
    );
    // the mutations keep enough of the payloads to reach the event-building code
    if (fixtures.length > 1) expect(events).toBeGreaterThan(0);
  });
});

describe('sms bodies through parseSmsRequest', () => {
  const twilio = TARGETS.find((t) => t.name === 'sms (twilio)')!;
  const gateway = TARGETS.find((t) => t.name === 'sms (gateway)')!;
  it(`never crashes on arbitrary form or JSON bytes (${FUZZ_RUNS} cases)`, () => {
    const body = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.json({ maxDepth: 3 }), fc.dictionary(fc.string(), fc.string()).map((d) => new URLSearchParams(d).toString()));
    fc.assert(
      fc.property(body, fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain; charset=utf-8'), fc.boolean(), (text, type, viaGateway) => {
        const target = viaGateway ? gateway : twilio;
        outcome(() => target.normalize(parseSmsRequest({ method: 'POST', headers: { 'content-type': type }, query: {}, rawBody: Buffer.from(text) }), target.inbox), target.inbox);
      }),
      fuzzParams(),
    );
  });
});

describe('email: parseEmail + normalizeEmail', () => {
  const inbox: InboxContext = { id, channel: 'email', config: { address: 'help@example.com' }, secrets: {} };
  const normalize = async (raw: Buffer) => {
    let parsed;
    try {
      parsed = await parseEmail(raw);
    } catch (error) {
      if (error instanceof PayloadError) return;
      throw error;
    }
    outcome(() => normalizeEmail(parsed, raw, inbox, receivedAt), inbox);
  };
  const mails = files('email', '.eml');
  const runs = FUZZ_RUNS;

  it(`never crashes on arbitrary bytes (${runs} cases)`, async () => {
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)), fc.string({ unit: 'grapheme', maxLength: 400 }).map((s) => Buffer.from(s)));
    await fc.assert(fc.asyncProperty(bytes, normalize), fuzzParams(runs));
  });

  it(`never crashes on mutated real mail (${runs} cases)`, async () => {
    const header = fc.constantFrom('From', 'To', 'Cc', 'Date', 'Subject', 'Message-ID', 'In-Reply-To', 'References', 'Content-Type', 'Content-Transfer-Encoding', 'Auto-Submitted', 'Return-Path', 'List-Id', 'Content-Disposition');
    const line = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.tuple(header, fc.string({ maxLength: 60 })).map(([h, v]) => `${h}: ${v}`), fc.constantFrom('', '--', 'Content-Type: multipart/mixed; boundary=', 'Date: Thu, 31 Feb 99999 25:61:61 +9999', 'Date: 1 Jan 10000 00:00:00 +0000', 'Date: 1 Jan 1969 00:00:00 +0000', 'From: <>', 'References: <<>>', 'Content-Type: text/plain; charset=x-unknown'));
    const edit = fc.record({ at: fc.nat(), op: fc.constantFrom('drop', 'replace', 'insert', 'truncate'), line });
    const mutated = fc.tuple(fc.constantFrom(...mails), fc.array(edit, { minLength: 1, maxLength: 5 })).map(([mail, list]) => {
      let lines = mail.split('\n');
      for (const { at, op, line: text } of list) {
        const i = at % Math.max(lines.length, 1);
        if (op === 'drop') lines.splice(i, 1);
        else if (op === 'replace') lines[i] = text;
        else if (op === 'insert') lines.splice(i, 0, text);
        else lines = lines.slice(0, i);
      }
      return Buffer.from(lines.join('\n'));
    });
    await fc.assert(fc.asyncProperty(mutated, normalize), fuzzParams(runs));
  });
});
