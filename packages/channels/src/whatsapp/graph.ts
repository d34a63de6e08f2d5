import { PermanentError } from '@switchboard/errors';
import type { InboxContext } from '../contract.ts';
import { classifyWhatsAppError, classifyWhatsAppResponse } from './classify.ts';
import { WHATSAPP_API_ROOT, WHATSAPP_DEFAULT_API_VERSION } from './wire.ts';

export interface GraphDeps {
  /** Graph API root; tests point it at a fake server. Default https://graph.facebook.com */
  apiRoot?: string;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** Per request. Default 30 s. */
  timeoutMs?: number;
}

/** What a WhatsApp call needs from the inbox; egress keeps every channel in one map, so it arrives untyped. */
export interface GraphInbox {
  token: string;
  phoneNumberId: string;
  base: string;
}

export function graphInbox(deps: GraphDeps, inbox: InboxContext): GraphInbox {
  const token = (inbox.secrets as { accessToken?: unknown } | null)?.accessToken;
  if (typeof token !== 'string' || !token) throw new PermanentError('channel_auth_failed', 'the inbox has no WhatsApp access token');
  const config = (inbox.config ?? {}) as { phoneNumberId?: unknown; apiVersion?: unknown };
  if (typeof config.phoneNumberId !== 'string' || !config.phoneNumberId) {
    throw new PermanentError('inbox_misconfigured', 'the inbox has no WhatsApp phoneNumberId');
  }
  const version = typeof config.apiVersion === 'string' ? config.apiVersion : WHATSAPP_DEFAULT_API_VERSION;
  return { token, phoneNumberId: config.phoneNumberId, base: `${(deps.apiRoot ?? WHATSAPP_API_ROOT).replace(/\/+$/, '')}/${version}` };
}

/**
 * One Graph API call with the inbox's bearer token: resolves the response when it is 2xx,
 * otherwise throws what `classifyWhatsAppResponse` says (network failures are retryable).
 */
export async function graphCall(deps: GraphDeps, token: string, url: string, init: { method: string; json?: unknown; form?: FormData } = { method: 'GET' }): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await (deps.fetch ?? fetch)(url, {
      method: init.method,
      headers,
      body: init.json !== undefined ? JSON.stringify(init.json) : init.form,
      signal: AbortSignal.timeout(deps.timeoutMs ?? 30_000),
    });
  } catch (error) {
    throw classifyWhatsAppError(error);
  }
  if (res.ok) return res;
  const text = await res.text().catch(() => '');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // an HTML error page from a proxy: classified by status
  }
  throw classifyWhatsAppResponse({ status: res.status, retryAfter: res.headers.get('retry-after'), body });
}

/** The JSON of a 2xx answer, checked by `schema`; an unexpected shape is retryable (a proxy, a partial answer). */
export async function graphJson<T>(res: Response, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, what: string): Promise<T> {
  const body = await res.json().catch(() => undefined);
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw classifyWhatsAppError(new Error(`unexpected ${what} answer from the Graph API`));
  return parsed.data;
}
