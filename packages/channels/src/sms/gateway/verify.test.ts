import { describe, expect, it } from '@jest/globals';
import { SignatureError } from '@switchboard/errors';
import { fixtureText } from '@switchboard/testkit';
import type { InboundRequest } from '../../contract.ts';
import { androidGatewaySignature, gatewaySignature, verifyGatewayRequest } from './verify.ts';

const secret = 'gateway-signing-secret-0123456789';
const body = fixtureText('sms-gateway/android_sms_gateway_sms_received.json');
const now = Date.parse('2024-06-07T04:41:40Z');
const ts = String(Math.floor(now / 1000));
const req = (headers: Record<string, string>, rawBody = body): InboundRequest => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  query: {},
  rawBody: Buffer.from(rawBody),
});
const judge = (r: InboundRequest, at = now) => {
  try {
    verifyGatewayRequest(r, secret, at);
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(SignatureError);
    return false;
  }
};

describe('verifyGatewayRequest', () => {
  it('accepts our scheme: sha256=hex(HMAC(secret, timestamp + "." + body))', () => {
    expect(gatewaySignature(secret, ts, body)).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(judge(req({ 'x-timestamp': ts, 'x-signature': gatewaySignature(secret, ts, body) }))).toBe(true);
  });

  it("accepts the Android SMS gateway app's scheme: hex(HMAC(key, body + timestamp)) without prefix", () => {
    expect(judge(req({ 'x-timestamp': ts, 'x-signature': androidGatewaySignature(secret, ts, body) }))).toBe(true);
  });

  it('rejects the unsigned fixture, a changed byte, another secret and a swapped scheme order', () => {
    expect(judge(req({}))).toBe(false);
    expect(judge(req({ 'x-timestamp': ts, 'x-signature': gatewaySignature(secret, ts, body) }, body.replace('Received', 'received')))).toBe(false);
    expect(judge(req({ 'x-timestamp': ts, 'x-signature': gatewaySignature('another-secret-0123456789', ts, body) }))).toBe(false);
    expect(judge(req({ 'x-timestamp': ts, 'x-signature': `sha256=${androidGatewaySignature(secret, `${ts}.`, '')}` }))).toBe(false);
  });

  it('rejects a timestamp more than five minutes old or ahead, and one that is not unix seconds', () => {
    const old = String(Number(ts) - 301);
    expect(judge(req({ 'x-timestamp': old, 'x-signature': gatewaySignature(secret, old, body) }))).toBe(false);
    const ahead = String(Number(ts) + 301);
    expect(judge(req({ 'x-timestamp': ahead, 'x-signature': gatewaySignature(secret, ahead, body) }))).toBe(false);
    const edge = String(Number(ts) - 299);
    expect(judge(req({ 'x-timestamp': edge, 'x-signature': gatewaySignature(secret, edge, body) }))).toBe(true);
    expect(judge(req({ 'x-timestamp': '2024-06-07', 'x-signature': gatewaySignature(secret, '2024-06-07', body) }))).toBe(false);
  });

  it('fails closed for an inbox without a signing secret', () => {
    expect(() => verifyGatewayRequest(req({ 'x-timestamp': ts, 'x-signature': gatewaySignature('', ts, body) }), undefined, now)).toThrow(SignatureError);
  });
});
