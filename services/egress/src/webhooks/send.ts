import type { AttemptOutcome, ClaimedDelivery } from './store.ts';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from './signature.ts';

export const SEND_TIMEOUT_MS = 10_000;
const MAX_ERROR_LENGTH = 500;

/**
 * One attempt: POST the stored body, signed with a fresh timestamp. 2xx is success; anything
 * else (another status, a redirect, a timeout, a refused connection) is a failure to retry.
 * Redirects are not followed: the signature is for the URL the admin registered.
 */
export async function sendDelivery(
  delivery: ClaimedDelivery,
  secret: string,
  options: { timeoutMs?: number; fetch?: typeof fetch; nowMs?: () => number } = {},
): Promise<AttemptOutcome> {
  const nowMs = options.nowMs ?? Date.now;
  const startedAt = new Date(nowMs());
  const timestamp = Math.floor(startedAt.getTime() / 1000);
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    const response = await (options.fetch ?? fetch)(delivery.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? SEND_TIMEOUT_MS),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Switchboard-Webhooks/1',
        [SIGNATURE_HEADER]: signWebhook(secret, timestamp, delivery.body),
        [TIMESTAMP_HEADER]: String(timestamp),
        [DELIVERY_HEADER]: delivery.id,
        [EVENT_HEADER]: delivery.eventType,
      },
      body: delivery.body,
    });
    // the answer's body means nothing to us; drop it so the connection can be reused
    await response.body?.cancel().catch(() => {});
    const succeeded = response.status >= 200 && response.status < 300;
    return { startedAt, succeeded, responseCode: response.status, latencyMs: latency(), error: succeeded ? null : `HTTP ${response.status}` };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    const reason = e.name === 'TimeoutError' ? `timed out after ${options.timeoutMs ?? SEND_TIMEOUT_MS} ms` : (e.cause?.code ?? e.message);
    return { startedAt, succeeded: false, responseCode: null, latencyMs: latency(), error: String(reason).slice(0, MAX_ERROR_LENGTH) };
  }
}
