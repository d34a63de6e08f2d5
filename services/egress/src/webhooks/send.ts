import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { blockedReason, DEFAULT_ADDRESS_POLICY, guardedLookup, type WebhookAddressPolicy } from './address-policy.ts';
import type { AttemptOutcome, ClaimedDelivery } from './store.ts';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from './signature.ts';

export const SEND_TIMEOUT_MS = 10_000;
const MAX_ERROR_LENGTH = 500;

/**
 * One attempt: POST the stored body, signed with a fresh timestamp. 2xx is success; anything
 * else (another status, a redirect, a timeout, a refused or blocked connection) is a failure to
 * retry. Redirects are not followed: the signature is for the URL the admin registered.
 */
export async function sendDelivery(
  delivery: ClaimedDelivery,
  secret: string,
  options: { timeoutMs?: number; nowMs?: () => number; addressPolicy?: WebhookAddressPolicy } = {},
): Promise<AttemptOutcome> {
  const nowMs = options.nowMs ?? Date.now;
  const timeoutMs = options.timeoutMs ?? SEND_TIMEOUT_MS;
  const startedAt = new Date(nowMs());
  const timestamp = Math.floor(startedAt.getTime() / 1000);
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    const status = await post(delivery.url, delivery.body, {
      'content-type': 'application/json',
      'user-agent': 'Switchboard-Webhooks/1',
      [SIGNATURE_HEADER]: signWebhook(secret, timestamp, delivery.body),
      [TIMESTAMP_HEADER]: String(timestamp),
      [DELIVERY_HEADER]: delivery.id,
      [EVENT_HEADER]: delivery.eventType,
    }, { timeoutMs, policy: options.addressPolicy ?? DEFAULT_ADDRESS_POLICY });
    const succeeded = status >= 200 && status < 300;
    return { startedAt, succeeded, responseCode: status, latencyMs: latency(), error: succeeded ? null : `HTTP ${status}` };
  } catch (error) {
    const e = error as Error & { code?: string };
    const timedOut = e.name === 'AbortError' || e.name === 'TimeoutError';
    const reason = timedOut ? `timed out after ${timeoutMs} ms` : e.code === 'EBLOCKED' ? e.message : (e.code ?? e.message);
    return { startedAt, succeeded: false, responseCode: null, latencyMs: latency(), error: String(reason).slice(0, MAX_ERROR_LENGTH) };
  }
}

/**
 * POSTs `body` and resolves with the status. node:http rather than fetch: its `lookup` hook
 * checks the address the connection is really made to (see address-policy.ts).
 */
function post(url: string, body: string, headers: Record<string, string>, options: { timeoutMs: number; policy: WebhookAddressPolicy }): Promise<number> {
  const target = new URL(url);
  // an IP literal is never looked up, so it is judged here
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  const literal = net.isIP(host) ? blockedReason(host, options.policy) : undefined;
  if (literal) return Promise.reject(Object.assign(new Error(`blocked: ${literal}`), { code: 'EBLOCKED' }));
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(options.policy) as never,
        signal: AbortSignal.timeout(options.timeoutMs),
      },
      (response) => {
        // the answer's body means nothing to us; drain it so the connection can be reused
        response.resume();
        response.once('end', () => resolve(response.statusCode ?? 0));
        response.once('error', reject);
      },
    );
    request.once('error', reject);
    request.end(body);
  });
}
