import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { InboundEvent } from '@switchboard/contracts';
import { PayloadError, SignatureError } from '@switchboard/errors';
import type { InboundRequest, InboxContext } from '../contract.ts';
import { DEFAULT_UPLOAD_TYPES, webchatAdapter, WebchatConfig, type WebchatSecrets } from './adapter.ts';
import { normalizeWebchatMessage } from './normalize.ts';
import { authenticateVisitor } from './verify.ts';
import { signVisitorToken } from './visitor-token.ts';
import { VisitorMessageRequest } from './wire.ts';

const key = randomBytes(32);
const inbox: InboxContext<WebchatConfig, WebchatSecrets> = {
  id: '7d1c3a52-8f0e-4a8b-9d6e-1f2a3b4c5d6e',
  channel: 'webchat',
  config: WebchatConfig.parse({}),
  secrets: { visitorTokenKey: key.toString('base64') },
};
const receivedAt = new Date('2024-05-01T10:00:00.000Z');

describe('normalizeWebchatMessage', () => {
  it("carries the visitor's stated locale in canonical form, and drops one that does not parse", () => {
    const message = { clientMessageId: 'c-9', text: 'Olá' };
    const [stated] = normalizeWebchatMessage({ visitorId: 'v9', visitor: { locale: 'pt_br' }, message }, inbox, receivedAt);
    expect(stated!.sender).toEqual({ externalId: 'v9', locale: 'pt-BR' });
    const [garbled] = normalizeWebchatMessage({ visitorId: 'v9', visitor: { locale: 'pt BR!' }, message }, inbox, receivedAt);
    expect(garbled!.sender).toEqual({ externalId: 'v9' });
    expect(() => normalizeWebchatMessage({ visitorId: 'v9', visitor: { locale: 'x'.repeat(36) }, message }, inbox, receivedAt)).toThrow(PayloadError);
  });

  it('makes one message event keyed by visitor and client message id', () => {
    const raw = { visitorId: 'v1', visitor: { name: 'Ann', email: 'ann@example.com' }, message: { clientMessageId: 'c-1', text: 'Hi 👋' } };
    const [event, ...rest] = normalizeWebchatMessage(raw, inbox, receivedAt);
    expect(rest).toEqual([]);
    expect(InboundEvent.parse(event)).toEqual({
      eventId: 'wc-v1-c-1',
      inboxId: inbox.id,
      channel: 'webchat',
      type: 'message',
      externalMessageId: 'v1:c-1',
      thread: { externalId: 'v1' },
      sender: { externalId: 'v1', name: 'Ann', email: 'ann@example.com' },
      content: { text: 'Hi 👋', attachments: [] },
      sentAt: receivedAt.toISOString(),
      receivedAt: receivedAt.toISOString(),
      raw,
    });
  });

  it('gives a retried send the same eventId', () => {
    const raw = { visitorId: 'v1', message: { clientMessageId: 'c-2', text: 'again' } };
    const ids = [raw, structuredClone(raw)].map((r) => normalizeWebchatMessage(r, inbox, new Date())[0]?.eventId);
    expect(ids).toEqual(['wc-v1-c-2', 'wc-v1-c-2']);
  });

  it.each([
    ['no visitor', { message: { clientMessageId: 'c', text: 'x' } }],
    ['an empty text', { visitorId: 'v1', message: { clientMessageId: 'c', text: '' } }],
    ['a client id with a colon', { visitorId: 'v1', message: { clientMessageId: 'a:b', text: 'x' } }],
  ])('throws PayloadError for %s', (_name, raw) => {
    expect(() => normalizeWebchatMessage(raw, inbox, receivedAt)).toThrow(PayloadError);
  });
});

describe('VisitorMessageRequest', () => {
  it('accepts 1..10000 characters of non-blank text and ids of [A-Za-z0-9_-]{1,100}', () => {
    expect(VisitorMessageRequest.safeParse({ clientMessageId: 'a'.repeat(100), text: 'x'.repeat(10_000) }).success).toBe(true);
    expect(VisitorMessageRequest.safeParse({ clientMessageId: 'a'.repeat(101), text: 'x' }).success).toBe(false);
    expect(VisitorMessageRequest.safeParse({ clientMessageId: 'a', text: 'x'.repeat(10_001) }).success).toBe(false);
    expect(VisitorMessageRequest.safeParse({ clientMessageId: 'a', text: '   ' }).success).toBe(false);
  });
});

describe('webchat verify', () => {
  const token = signVisitorToken({ inboxId: inbox.id, visitorId: 'v1', issuedAt: new Date() }, key);
  const request = (headers: InboundRequest['headers']): InboundRequest => ({ method: 'POST', headers, query: {}, rawBody: Buffer.from('{}') });

  it('returns the visitor of a valid bearer token', () => {
    expect(authenticateVisitor(request({ authorization: `Bearer ${token}` }), inbox).visitorId).toBe('v1');
    expect(() => webchatAdapter.verify(request({ authorization: `Bearer ${token}` }), inbox)).not.toThrow();
  });

  it('rejects a missing or invalid token', () => {
    expect(() => webchatAdapter.verify(request({}), inbox)).toThrow(SignatureError);
    expect(() => webchatAdapter.verify(request({ authorization: token }), inbox)).toThrow(SignatureError);
    expect(() => webchatAdapter.verify(request({ authorization: `Bearer ${token}x` }), inbox)).toThrow(SignatureError);
  });

  it('checks the origin when the inbox lists allowed origins', () => {
    const strict = { ...inbox, config: WebchatConfig.parse({ allowedOrigins: ['https://shop.example'] }) };
    const auth = `Bearer ${token}`;
    expect(() => webchatAdapter.verify(request({ authorization: auth, origin: 'https://shop.example' }), strict)).not.toThrow();
    expect(() => webchatAdapter.verify(request({ authorization: auth, origin: 'https://evil.example' }), strict)).toThrow(SignatureError);
    expect(() => webchatAdapter.verify(request({ authorization: auth }), strict)).toThrow(SignatureError);
  });

  it('validates inbox settings', () => {
    expect(webchatAdapter.configSchema.parse({})).toEqual({ allowedOrigins: [], callbacks: true, uploads: { maxBytes: 10 * 1024 * 1024, allowedTypes: DEFAULT_UPLOAD_TYPES } });
    expect(webchatAdapter.secretsSchema.safeParse({ visitorTokenKey: randomBytes(16).toString('base64') }).success).toBe(false);
  });
});
