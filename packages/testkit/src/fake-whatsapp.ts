import { createHash } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';

export type FakeWhatsAppRoute = 'messages' | 'media-upload' | 'media-info' | 'media-download';

/** One Graph API request as the fake received it. */
export interface FakeWhatsAppCall {
  route: FakeWhatsAppRoute;
  /** The bearer token sent, '' without one. */
  token: string;
  version: string;
  /** The phone number id of /messages and /media, the media id of a media lookup or download. */
  id: string;
  /** JSON body of /messages; form fields of an upload (the file as { filename, type, size, sha256 }). */
  body: Record<string, unknown>;
  query: Record<string, string>;
}

export interface FakeWhatsApp {
  /** Pass as the sender's and media fetcher's `apiRoot`, e.g. http://127.0.0.1:43121 */
  readonly apiRoot: string;
  /** Every call, failed ones included, in arrival order. */
  readonly calls: FakeWhatsAppCall[];
  /** The first call (already made or still to come) of `route` matching `predicate`. */
  waitForCall(route: FakeWhatsAppRoute, predicate?: (call: FakeWhatsAppCall) => boolean, timeoutMs?: number): Promise<FakeWhatsAppCall>;
  /** The next call of `route` answers HTTP `status` with `body` (a Graph error body, or text). */
  failNext(route: FakeWhatsAppRoute, status: number, body: unknown, headers?: Record<string, string>): void;
  /** Makes `GET /{version}/{mediaId}` and its download URL serve these bytes; `fileSize` overrides the announced size. */
  serveMedia(mediaId: string, bytes: Buffer, mimeType: string, options?: { fileSize?: number }): void;
  /** Bytes uploaded with POST /{phone-number-id}/media, by the media id the fake gave them. */
  uploaded(mediaId: string): Buffer | undefined;
  close(): Promise<void>;
}

const MESSAGE_TYPES = new Set(['text', 'image', 'video', 'audio', 'document', 'sticker', 'template', 'location', 'contacts', 'interactive', 'reaction']);

/**
 * A WhatsApp Cloud API (Graph) server on 127.0.0.1 speaking the real protocol: `POST
 * /{version}/{phone-number-id}/messages` (JSON), `POST /{version}/{phone-number-id}/media`
 * (multipart), `GET /{version}/{media-id}` → `{url, mime_type, file_size}`, and the download
 * URL, all with `Authorization: Bearer`. Errors are Graph's `{ error: { message, type, code } }`.
 */
export async function startFakeWhatsApp(): Promise<FakeWhatsApp> {
  const calls: FakeWhatsAppCall[] = [];
  const failures = new Map<FakeWhatsAppRoute, Array<{ status: number; body: unknown; headers: Record<string, string> }>>();
  const waiters = new Set<(call: FakeWhatsAppCall) => void>();
  const media = new Map<string, { bytes: Buffer; mimeType: string; fileSize: number }>();
  const uploads = new Map<string, Buffer>();
  let sent = 0;
  let apiRoot = '';

  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 200 * 1024 * 1024 });
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const graphError = (reply: FastifyReply, status: number, code: number, message: string) =>
    reply.code(status).send({ error: { message, type: code === 190 ? 'OAuthException' : 'GraphMethodException', code, fbtrace_id: `fake-${calls.length}` } });

  /** Records the call, then answers a canned failure or a missing token; undefined: go on. */
  function begin(request: FastifyRequest, reply: FastifyReply, route: FakeWhatsAppRoute, id: string, version: string, body: Record<string, unknown>) {
    const auth = request.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
    const call: FakeWhatsAppCall = { route, token, version, id, body, query: request.query as Record<string, string> };
    calls.push(call);
    for (const waiter of [...waiters]) waiter(call);
    const canned = failures.get(route)?.shift();
    if (canned) return reply.code(canned.status).headers(canned.headers).send(canned.body);
    if (!token) return graphError(reply, 401, 190, 'Invalid OAuth access token - Cannot parse access token');
    return undefined;
  }

  app.post<{ Params: { version: string; id: string } }>('/:version/:id/messages', async (request, reply) => {
    const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
    const early = begin(request, reply, 'messages', request.params.id, request.params.version, body);
    if (early) return early;
    if (body.messaging_product !== 'whatsapp') return graphError(reply, 400, 100, '(#100) The parameter messaging_product is required.');
    const to = typeof body.to === 'string' ? body.to : typeof body.recipient === 'string' ? body.recipient : '';
    if (!to) return graphError(reply, 400, 100, '(#100) The parameter to is required.');
    const type = typeof body.type === 'string' ? body.type : 'text';
    if (!MESSAGE_TYPES.has(type) || typeof body[type] !== 'object' || body[type] === null) {
      return graphError(reply, 400, 100, `(#100) Param ${type} must be an object`);
    }
    if (type === 'text' && !String((body.text as { body?: unknown }).body ?? '').trim()) return graphError(reply, 400, 100, '(#100) Param text[body] is required');
    sent += 1;
    const contact = typeof body.to === 'string' ? { input: to, wa_id: to.replace(/^\+/, '') } : { input: to, user_id: to };
    return { messaging_product: 'whatsapp', contacts: [contact], messages: [{ id: `wamid.FAKE${String(sent).padStart(6, '0')}` }] };
  });

  app.post<{ Params: { version: string; id: string } }>('/:version/:id/media', async (request, reply) => {
    let form: FormData | undefined;
    try {
      form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': request.headers['content-type'] ?? '' }, body: request.body as Buffer }).formData();
    } catch {
      form = undefined;
    }
    const file = form?.get('file');
    const bytes = file instanceof Blob ? Buffer.from(await file.arrayBuffer()) : undefined;
    const fields: Record<string, unknown> = {};
    for (const [key, value] of form?.entries() ?? []) {
      fields[key] = typeof value === 'string' ? value : { filename: (value as File).name, type: value.type, size: value.size, sha256: sha256(bytes!) };
    }
    const early = begin(request, reply, 'media-upload', request.params.id, request.params.version, fields);
    if (early) return early;
    if (fields.messaging_product !== 'whatsapp') return graphError(reply, 400, 100, '(#100) The parameter messaging_product is required.');
    if (!bytes) return graphError(reply, 400, 100, '(#100) The parameter file is required.');
    const id = String(9_000_000_000_000 + uploads.size + 1);
    uploads.set(id, bytes);
    return { id };
  });

  app.get<{ Params: { version: string; id: string } }>('/:version/:id', async (request, reply) => {
    const early = begin(request, reply, 'media-info', request.params.id, request.params.version, {});
    if (early) return early;
    const file = media.get(request.params.id);
    if (!file) return graphError(reply, 404, 100, `(#100) Unsupported get request. Object with ID '${request.params.id}' does not exist`);
    return {
      messaging_product: 'whatsapp',
      url: `${apiRoot}/download/${encodeURIComponent(request.params.id)}?ext=1&hash=fake`,
      mime_type: file.mimeType,
      sha256: sha256(file.bytes),
      file_size: file.fileSize,
      id: request.params.id,
    };
  });

  app.get<{ Params: { id: string } }>('/download/:id', async (request, reply) => {
    const early = begin(request, reply, 'media-download', request.params.id, '', {});
    if (early) return early;
    const file = media.get(request.params.id);
    if (!file) return reply.code(404).send('Not Found');
    return reply.type(file.mimeType).send(file.bytes);
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('fake WhatsApp did not bind a TCP port');
  apiRoot = `http://127.0.0.1:${address.port}`;

  return {
    apiRoot,
    calls,
    waitForCall(route, predicate = () => true, timeoutMs = 10_000) {
      const matches = (call: FakeWhatsAppCall) => call.route === route && predicate(call);
      const seen = calls.find(matches);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(onCall);
          reject(new Error(`no ${route} call within ${timeoutMs} ms; calls: ${calls.map((c) => c.route).join(', ') || 'none'}`));
        }, timeoutMs);
        function onCall(call: FakeWhatsAppCall) {
          if (!matches(call)) return;
          clearTimeout(timer);
          waiters.delete(onCall);
          resolve(call);
        }
        waiters.add(onCall);
      });
    },
    failNext(route, status, body, headers = {}) {
      failures.set(route, [...(failures.get(route) ?? []), { status, body, headers }]);
    },
    serveMedia(mediaId, bytes, mimeType, options = {}) {
      media.set(mediaId, { bytes, mimeType, fileSize: options.fileSize ?? bytes.length });
    },
    uploaded: (mediaId) => uploads.get(mediaId),
    close: () => app.close(),
  };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('base64');
}
