import { describe, expect, it } from '@jest/globals';
import { SignatureError } from '@switchboard/errors';
import type { InboundRequest, InboxContext } from '../contract.ts';
import { fixtureJson } from '@switchboard/testkit';
import { verifyTelegramRequest } from './verify.ts';

interface SecretTokenVector {
  secret: string;
  headers: Record<string, string>;
  body: string;
  valid: boolean;
}

function requestFrom(vector: SecretTokenVector): InboundRequest {
  const headers = Object.fromEntries(Object.entries(vector.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method: 'POST', headers, query: {}, rawBody: Buffer.from(vector.body, 'utf8') };
}

const inboxWith = (webhookSecret: string): InboxContext<unknown, { webhookSecret: string }> => ({
  id: '0b6c8f5e-3f0a-4c57-9a52-6f1d2f3a4b5c',
  channel: 'telegram',
  config: {},
  secrets: { webhookSecret },
});

describe('verifyTelegramRequest', () => {
  it('accepts the secret token Telegram echoes back (sig_secret_token_valid.json)', () => {
    const vector = fixtureJson('telegram/sig_secret_token_valid.json') as SecretTokenVector;
    expect(vector.valid).toBe(true);
    expect(() => verifyTelegramRequest(requestFrom(vector), inboxWith(vector.secret))).not.toThrow();
  });

  it('rejects a wrong secret token (sig_secret_token_wrong.json)', () => {
    const vector = fixtureJson('telegram/sig_secret_token_wrong.json') as SecretTokenVector;
    expect(vector.valid).toBe(false);
    expect(() => verifyTelegramRequest(requestFrom(vector), inboxWith(vector.secret))).toThrow(SignatureError);
  });

  it('rejects a request without the header', () => {
    const vector = fixtureJson('telegram/sig_secret_token_valid.json') as SecretTokenVector;
    const req = requestFrom({ ...vector, headers: { 'Content-Type': 'application/json' } });
    expect(() => verifyTelegramRequest(req, inboxWith(vector.secret))).toThrow(SignatureError);
  });

  it('rejects a prefix of the secret, a repeated header and an inbox without a secret', () => {
    const req = (value: string | string[]): InboundRequest => ({
      method: 'POST',
      headers: { 'x-telegram-bot-api-secret-token': value },
      query: {},
      rawBody: Buffer.from('{}'),
    });
    expect(() => verifyTelegramRequest(req('Secret'), inboxWith('SecretToken'))).toThrow(SignatureError);
    expect(() => verifyTelegramRequest(req(['SecretToken', 'SecretToken']), inboxWith('SecretToken'))).toThrow(SignatureError);
    expect(() => verifyTelegramRequest(req(''), inboxWith(''))).toThrow(SignatureError);
  });
});
