/** The HTTP half of docs/webchat-protocol.md: session handling, JSON calls, uploads. */
import type { SurveyFrame } from './survey.ts';

export interface Session {
  visitorId: string;
  token: string;
  /** The signed-in user this session was made for, so another user on this browser gets their own. */
  userId?: string;
}

export interface Attachment {
  fileName: string;
  contentType: string;
  size: number;
  url: string;
}

export interface Message {
  id: string;
  seq?: number;
  direction: 'in' | 'out';
  text: string | null;
  createdAt?: string;
  clientMessageId?: string | null;
  attachments?: Attachment[];
  /** A survey still open (history pages; a live `survey` frame carries it beside the message). */
  survey?: SurveyFrame;
}

export interface Settings {
  online: boolean;
  offlineReason: string | null;
  uploads?: { maxBytes: number; allowedTypes: string[] };
  callback?: { enabled: boolean };
}

export interface Position {
  position: number | null;
  estimatedWaitS: number | null;
  routingState: string;
}

export interface Identity {
  userId: string;
  signature: string;
  name?: string;
  email?: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export interface ApiOptions {
  base: string;
  inboxId: string;
  identity?: Identity;
}

export type Api = ReturnType<typeof createApi>;

export function createApi(options: ApiOptions) {
  const root = `${options.base}/webchat/${encodeURIComponent(options.inboxId)}`;
  const key = `switchboard:${options.inboxId}`;
  const userId = options.identity?.userId;
  let session = load();
  let creating: Promise<Session> | undefined;

  function load(): Session | undefined {
    try {
      const saved = JSON.parse(localStorage.getItem(key) ?? 'null') as Session | null;
      return saved && typeof saved.token === 'string' && saved.userId === userId ? saved : undefined;
    } catch {
      return undefined;
    }
  }

  function save(value: Session | undefined): void {
    session = value;
    try {
      if (value) localStorage.setItem(key, JSON.stringify(value));
      else localStorage.removeItem(key);
    } catch {
      // storage may be disabled (private mode, sandboxed frames): the session lives for this page only
    }
  }

  async function ensureSession(): Promise<Session> {
    if (session) return session;
    creating ??= call<Session>('POST', '/sessions', options.identity ? { identity: options.identity } : {}, false)
      .then((created) => {
        save({ visitorId: created.visitorId, token: created.token, ...(userId ? { userId } : {}) });
        return session!;
      })
      .finally(() => (creating = undefined));
    return creating;
  }

  async function call<T>(method: string, path: string, body: unknown, auth: boolean, retried = false): Promise<T> {
    const headers: Record<string, string> = {};
    if (auth) headers.authorization = `Bearer ${(await ensureSession()).token}`;
    const isForm = body instanceof FormData;
    if (body !== undefined && !isForm) headers['content-type'] = 'application/json';
    const res = await fetch(root + path, {
      method,
      headers,
      body: body === undefined ? undefined : isForm ? body : JSON.stringify(body),
    });
    // any 401 means the stored session is gone (rotated key, expired): start a new one, once
    if (res.status === 401 && auth && !retried) {
      save(undefined);
      return call<T>(method, path, body, auth, true);
    }
    const text = await res.text();
    const data = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const error = (data as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(res.status, error?.code ?? 'http_error', error?.message ?? `HTTP ${res.status}`);
    }
    return data as T;
  }

  return {
    root,
    hasSession: () => session !== undefined,
    visitorId: () => session?.visitorId,
    session: ensureSession,
    /** Called on a socket close 4401: the next call makes a new session. */
    dropSession: () => save(undefined),
    settings: () => call<Settings>('GET', '/settings', undefined, false),
    messages: (afterSeq: number) => call<{ items: Message[] }>('GET', `/messages?after_seq=${afterSeq}&limit=100`, undefined, true),
    send: (body: { clientMessageId: string; text?: string; attachments?: string[]; name?: string; email?: string; locale?: string }) =>
      call<{ accepted: boolean }>('POST', '/messages', body, true),
    position: () => call<Position>('GET', '/position', undefined, true),
    upload(file: File) {
      const form = new FormData();
      form.append('file', file, file.name);
      return call<{ uploadToken: string; fileName: string }>('POST', '/uploads', form, true);
    },
    offline: (body: { clientMessageId: string; name: string; email?: string; phone?: string; message: string }) =>
      call<unknown>('POST', '/offline', body, true),
    callback: (body: { clientRequestId: string; name: string; phone: string; preferredTime?: string }) =>
      call<unknown>('POST', '/callbacks', body, true),
    survey: (body: { surveyId: string; csat?: number; nps?: number; comment?: string }) => call<unknown>('POST', '/survey', body, true),
    /** An attachment's download link: relative to the service, authorised by the visitor token. */
    fileUrl(url: string): string {
      const link = new URL(url, options.base);
      if (session) link.searchParams.set('token', session.token);
      return link.toString();
    },
    async socketUrl(): Promise<string> {
      const token = (await ensureSession()).token;
      return `${root.replace(/^http/, 'ws')}/socket?token=${encodeURIComponent(token)}`;
    },
  };
}

/** A client-made id for idempotent sends: crypto.randomUUID is missing on plain-http pages. */
export function newClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
