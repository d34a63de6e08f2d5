import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';

/** One Messages.json request as the fake received it. */
export interface FakeTwilioCall {
  accountSid: string;
  /** The basic-auth credentials sent, or undefined without them. */
  auth: { user: string; password: string } | undefined;
  /** Form parameters; a repeated one (MediaUrl) as an array. */
  params: Record<string, string | string[]>;
  /** The sid the fake answered with (absent for failed calls). */
  sid?: string;
}

export interface FakeTwilio {
  /** Pass as the sender's and media fetcher's `apiRoot`, e.g. http://127.0.0.1:43121 */
  readonly apiRoot: string;
  /** Message creations, failed ones included, in arrival order. */
  readonly calls: FakeTwilioCall[];
  /** Media downloads: the path and whether they carried the account's credentials. */
  readonly mediaRequests: { path: string; authorized: boolean }[];
  waitForCall(predicate?: (call: FakeTwilioCall) => boolean, timeoutMs?: number): Promise<FakeTwilioCall>;
  /** The next Messages.json call answers HTTP `status` with `body` (Twilio's `{code, message, status}`) and headers. */
  failNext(status: number, body: unknown, headers?: Record<string, string>): void;
  /** The account (sid, auth token) whose credentials the fake accepts; calls with others get 401 / 20003. */
  addAccount(accountSid: string, authToken: string): void;
  /** Serves `bytes` at an account's MediaUrl (basic auth required, as Twilio's HTTP auth setting does); returns the URL. */
  serveMedia(accountSid: string, bytes: Buffer, contentType: string): string;
  close(): Promise<void>;
}

const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const MEDIA_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/[^/]+\/Media\/[^/]+$/;

/**
 * Twilio's Programmable Messaging REST API on 127.0.0.1: `POST /2010-04-01/Accounts/{sid}/Messages.json`
 * (form-encoded, basic auth) answering 201 with the message resource or `{code, message, status}`,
 * and media URLs behind basic auth.
 */
export async function startFakeTwilio(): Promise<FakeTwilio> {
  const calls: FakeTwilioCall[] = [];
  const mediaRequests: { path: string; authorized: boolean }[] = [];
  const failures: { status: number; body: unknown; headers: Record<string, string> }[] = [];
  const accounts = new Map<string, string>();
  const media = new Map<string, { accountSid: string; bytes: Buffer; contentType: string }>();
  const waiters = new Set<(call: FakeTwilioCall) => void>();
  let seq = 0;

  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    const params: Record<string, string | string[]> = {};
    for (const [key, value] of new URLSearchParams(body as string)) {
      const seen = params[key];
      params[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
    }
    done(null, params);
  });
  const error = (reply: FastifyReply, status: number, code: number, message: string) =>
    reply.code(status).send({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

  function credentials(request: FastifyRequest): { user: string; password: string } | undefined {
    const header = request.headers.authorization ?? '';
    if (!header.startsWith('Basic ')) return undefined;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const split = decoded.indexOf(':');
    return split < 0 ? undefined : { user: decoded.slice(0, split), password: decoded.slice(split + 1) };
  }
  const authorized = (accountSid: string, auth: FakeTwilioCall['auth']) =>
    auth !== undefined && auth.user === accountSid && accounts.get(accountSid) === auth.password;

  app.post('/*', async (request, reply) => {
    const match = MESSAGES_PATH.exec(request.url.split('?')[0] ?? '');
    if (!match) return error(reply, 404, 20404, 'The requested resource was not found');
    const accountSid = decodeURIComponent(match[1]!);
    const params = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, string | string[]>;
    const call: FakeTwilioCall = { accountSid, auth: credentials(request), params };
    calls.push(call);
    for (const waiter of [...waiters]) waiter(call);
    const canned = failures.shift();
    if (canned) return reply.code(canned.status).headers(canned.headers).send(canned.body);
    if (!authorized(accountSid, call.auth)) return error(reply, 401, 20003, 'Authenticate');
    const to = typeof params.To === 'string' ? params.To : '';
    if (!to) return error(reply, 400, 21604, "A 'To' phone number is required.");
    if (!params.From && !params.MessagingServiceSid) return error(reply, 400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required");
    if (!params.Body && !params.MediaUrl) return error(reply, 400, 21602, 'Message body is required.');
    if (typeof params.Body === 'string' && params.Body.length > 1600) return error(reply, 400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    seq += 1;
    call.sid = `SM${seq.toString(16).padStart(32, '0')}`;
    return reply.code(201).send({
      sid: call.sid,
      account_sid: accountSid,
      to,
      from: params.From ?? null,
      messaging_service_sid: params.MessagingServiceSid ?? null,
      body: params.Body ?? '',
      status: 'queued',
      num_media: String(Array.isArray(params.MediaUrl) ? params.MediaUrl.length : params.MediaUrl ? 1 : 0),
      date_created: new Date().toUTCString(),
      api_version: '2010-04-01',
    });
  });

  app.get('/*', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const match = MEDIA_PATH.exec(path);
    const file = match ? media.get(path) : undefined;
    const auth = credentials(request);
    const ok = file !== undefined && authorized(file.accountSid, auth);
    mediaRequests.push({ path, authorized: ok });
    if (!file) return error(reply, 404, 20404, 'The requested resource was not found');
    if (!ok) return error(reply, 401, 20003, 'Authenticate');
    return reply.code(200).header('content-type', file.contentType).send(file.bytes);
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('fake Twilio did not bind a TCP port');
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
          reject(new Error(`no matching Messages.json call within ${timeoutMs} ms; ${calls.length} calls`));
        }, timeoutMs);
        function onCall(call: FakeTwilioCall) {
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
    addAccount(accountSid, authToken) {
      accounts.set(accountSid, authToken);
    },
    serveMedia(accountSid, bytes, contentType) {
      seq += 1;
      const id = seq.toString(16).padStart(32, '0');
      const path = `/2010-04-01/Accounts/${accountSid}/Messages/MM${id}/Media/ME${id}`;
      media.set(path, { accountSid, bytes, contentType });
      return `${apiRoot}${path}`;
    },
    async close() {
      await app.close();
    },
  };
}
