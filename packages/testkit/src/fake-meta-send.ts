import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';

/** One Send API request as the fake received it (Messenger and Instagram share the Graph API). */
export interface FakeMetaSendCall {
  /** The path's account segment: `me`, or a page / Instagram account id. */
  account: string;
  version: string;
  token: string;
  recipientId: string;
  messagingType: string | undefined;
  /** `message` as sent: `{ text }` or `{ attachment: { type, payload } }`. */
  message: Record<string, unknown>;
  /** The multipart `filedata` part, when a file was uploaded with the message. */
  file?: { fileName: string; contentType: string; size: number; bytes: Buffer };
  /** The message_id the fake answered (absent for a failed call). */
  messageId?: string;
}

export interface FakeMetaSend {
  /** Pass as the sender's `apiRoot`, e.g. http://127.0.0.1:43121 */
  readonly apiRoot: string;
  /** Every Send API call, failed ones included, in arrival order. */
  readonly calls: FakeMetaSendCall[];
  /** Media downloads, as paths, in arrival order. */
  readonly mediaRequests: string[];
  /** The first call (already made or still to come) matching `predicate`. */
  waitForCall(predicate?: (call: FakeMetaSendCall) => boolean, timeoutMs?: number): Promise<FakeMetaSendCall>;
  /** The next Send API call answers HTTP `status` with `body` (e.g. a Graph `{error:{code,...}}`) and `headers`. */
  failNext(status: number, body: unknown, headers?: Record<string, string>): void;
  /** Serves `bytes` at a CDN-like url (what a webhook's `payload.url` would name); returns the url. */
  serveMedia(name: string, bytes: Buffer, contentType: string, options?: { status?: number }): string;
  close(): Promise<void>;
}

const SEND_PATH = /^\/(v\d+\.\d+)\/([^/]+)\/messages$/;

/**
 * A Graph API Send API on 127.0.0.1 speaking the real protocol: `POST /{version}/{me|id}/messages`
 * with a Bearer token (or `access_token` query), JSON or multipart (`recipient`, `message`,
 * `filedata`); `{recipient_id, message_id}` or `{"error":{message,type,code,error_subcode,fbtrace_id}}`.
 * Also a CDN for inbound media (`GET /cdn/...`).
 */
export async function startFakeMetaSend(options: { maxTextLength?: number } = {}): Promise<FakeMetaSend> {
  const maxText = options.maxTextLength ?? 2000;
  const calls: FakeMetaSendCall[] = [];
  const mediaRequests: string[] = [];
  const failures: Array<{ status: number; body: unknown; headers: Record<string, string> }> = [];
  const waiters = new Set<(call: FakeMetaSendCall) => void>();
  const media = new Map<string, { bytes: Buffer; contentType: string; status: number }>();
  let nextId = 1;

  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 30 * 1024 * 1024 });
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (req, body, done) => {
    const boundary = /boundary=("?)([^";]+)\1/.exec(req.headers['content-type'] ?? '')?.[2];
    done(null, boundary ? multipartParts(body as Buffer, boundary) : {});
  });

  const graphError = (reply: FastifyReply, status: number, code: number, message: string, type = 'OAuthException') =>
    reply.code(status).send({ error: { message, type, code, fbtrace_id: `FAKE${calls.length}` } });

  async function send(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const match = SEND_PATH.exec(request.url.split('?')[0] ?? '');
    if (!match) return graphError(reply, 404, 803, 'Unknown path components', 'OAuthException');
    const query = new URLSearchParams(request.url.split('?')[1] ?? '');
    const bearer = /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
    const token = bearer ?? query.get('access_token') ?? '';
    const fields = (request.body ?? {}) as Record<string, unknown>;
    const recipient = jsonField(fields.recipient) as { id?: unknown } | undefined;
    const message = (jsonField(fields.message) ?? {}) as Record<string, unknown>;
    const filedata = fields.filedata as { fileName: string; contentType: string; bytes: Buffer } | undefined;
    const call: FakeMetaSendCall = {
      version: match[1]!,
      account: match[2]!,
      token,
      recipientId: String(recipient?.id ?? ''),
      messagingType: typeof fields.messaging_type === 'string' ? fields.messaging_type : undefined,
      message,
      ...(filedata && { file: { ...filedata, size: filedata.bytes.length } }),
    };
    calls.push(call);
    const answer = () => {
      for (const waiter of [...waiters]) waiter(call);
    };

    const canned = failures.shift();
    if (canned) {
      answer();
      return reply.code(canned.status).headers(canned.headers).send(canned.body);
    }
    let refusal: [number, number, string] | undefined;
    if (!token) refusal = [400, 190, 'An active access token must be used to query information about the current user.'];
    else if (!call.recipientId) refusal = [400, 100, '(#100) param recipient must be non-empty.'];
    else if (typeof message.text === 'string' && message.text.length > maxText)
      refusal = [400, 100, `(#100) Length of param message[text] must be less than or equal to ${maxText}`];
    else if (message.text === undefined && message.attachment === undefined) refusal = [400, 100, '(#100) Must send either message or state'];
    else if (message.attachment !== undefined && !filedata && !(message.attachment as { payload?: { url?: unknown } }).payload?.url)
      refusal = [400, 100, '(#100) Upload attachment failure.'];
    if (refusal) {
      answer();
      return graphError(reply, refusal[0], refusal[1], refusal[2]);
    }
    call.messageId = `m_fake${String(nextId++).padStart(6, '0')}`;
    answer();
    return reply.send({ recipient_id: call.recipientId, message_id: call.messageId });
  }

  app.post('/*', send);
  app.get('/cdn/*', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    mediaRequests.push(path);
    const file = media.get(path);
    if (!file) return reply.code(404).type('text/plain').send('URL signature expired');
    return reply.code(file.status).header('content-type', file.contentType).header('content-length', String(file.bytes.length)).send(file.bytes);
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('fake Graph API did not bind a TCP port');
  const apiRoot = `http://127.0.0.1:${address.port}`;

  return {
    apiRoot,
    calls,
    mediaRequests,
    waitForCall(predicate = () => true, timeoutMs = 10_000) {
      const seen = calls.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(onCall);
          reject(new Error(`no matching Send API call within ${timeoutMs} ms; calls: ${calls.length}`));
        }, timeoutMs);
        function onCall(call: FakeMetaSendCall) {
          if (!predicate(call)) return;
          clearTimeout(timer);
          waiters.delete(onCall);
          resolve(call);
        }
        waiters.add(onCall);
      });
    },
    failNext(status, body, headers = {}) {
      failures.push({ status, body, headers });
    },
    serveMedia(name, bytes, contentType, opts = {}) {
      const path = `/cdn/${encodeURIComponent(name)}`;
      media.set(path, { bytes, contentType, status: opts.status ?? 200 });
      return `${apiRoot}${path}?oh=fake-signature`;
    },
    close: () => app.close(),
  };
}

function jsonField(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** multipart/form-data → text fields as strings, file parts as `{ fileName, contentType, bytes }`. */
function multipartParts(body: Buffer, boundary: string): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  // latin1 maps bytes 1:1, so file bytes stay exact; text fields are re-decoded as UTF-8
  for (const part of body.toString('latin1').split(`--${boundary}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = part.slice(0, split);
    const content = part.slice(split + 4).replace(/\r\n$/, '');
    const name = /;\s*name="([^"]*)"/.exec(head)?.[1];
    if (name === undefined) continue;
    const rawName = /filename="([^"]*)"/.exec(head)?.[1];
    const bytes = Buffer.from(content, 'latin1');
    if (rawName !== undefined) {
      const contentType = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1]?.trim() ?? 'application/octet-stream';
      fields[name] = { fileName: Buffer.from(rawName, 'latin1').toString('utf8'), contentType, bytes };
    } else {
      fields[name] = bytes.toString('utf8');
    }
  }
  return fields;
}
