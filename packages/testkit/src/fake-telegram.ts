import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';

/** One Bot API request as the fake received it. */
export interface FakeTelegramCall {
  token: string;
  method: string;
  params: Record<string, unknown>;
}

/** Which calls a canned failure applies to; default: the next call of its method. */
export type CallMatcher = (call: FakeTelegramCall) => boolean;

type Update = { update_id: number } & Record<string, unknown>;

export interface FakeTelegram {
  /** Pass as telegraf's `apiRoot`, e.g. http://127.0.0.1:43121 */
  readonly apiRoot: string;
  /** Every call, failed ones included, in arrival order. */
  readonly calls: FakeTelegramCall[];
  /** The first call (already made or still to come) of `method` matching `predicate`. */
  waitForCall(method: string, predicate?: (call: FakeTelegramCall) => boolean, timeoutMs?: number): Promise<FakeTelegramCall>;
  /**
   * The next call of `method` (matching `when`, if given) answers HTTP `status` with `body` (e.g.
   * an outbound_error fixture) and is not processed. Canned failures apply in the order queued.
   */
  failNext(method: string, status: number, body: unknown, when?: CallMatcher): void;
  /** The next call of `method` (matching `when`) is never answered nor processed: the client must time out. */
  hangNext(method: string, when?: CallMatcher): void;
  /** The HTTP status the fake answered `call` with; undefined while unanswered (a hung call stays so). */
  statusOf(call: FakeTelegramCall): number | undefined;
  /** Canned failures and hangs not yet used. */
  pendingFailures(): number;
  /**
   * A file the bot may download: `getFile(fileId)` answers its `file_path`, served at
   * `/file/bot<token>/<file_path>`. Returns the file_id. Over 20 MB, getFile answers "file is too big".
   */
  addFile(bytes: Buffer, options?: { fileId?: string; fileName?: string; contentType?: string }): string;
  /** Downloads served from /file/bot<token>/..., as `<token> <file_path>`. */
  readonly downloads: string[];
  /** Queues an update for getUpdates and wakes a waiting long poll. */
  pushUpdate(update: Update): void;
  close(): Promise<void>;
}

const BOT_PATH = /^\/bot([^/]+)\/([A-Za-z]+)$/;
const FILE_PATH = /^\/file\/bot([^/]+)\/(.+)$/;
const MAX_BOT_DOWNLOAD = 20 * 1024 * 1024;

/**
 * A Bot API server on 127.0.0.1 speaking the real protocol (POST /bot<token>/<method>, JSON,
 * urlencoded or query parameters; `{ok, result}` or `{ok:false, error_code, description}`).
 */
export interface FakeTelegramOptions {
  /**
   * Delay before each answer leaves, after the call was processed and recorded: the window in
   * which the platform has a message but the client does not know yet (e.g. a crash test).
   */
  answerDelayMs?: () => number;
}

export async function startFakeTelegram(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const calls: FakeTelegramCall[] = [];
  type Canned = { status: number; body: unknown; when?: CallMatcher } | { hang: true; when?: CallMatcher };
  const failures = new Map<string, Canned[]>();
  const hung = new Set<() => void>();
  const answering = new WeakMap<FastifyRequest, FakeTelegramCall>();
  const statuses = new WeakMap<FakeTelegramCall, number>();
  const callWaiters = new Set<(call: FakeTelegramCall) => void>();
  const pollWaiters = new Set<() => void>();
  let updates: Update[] = [];
  let webhookUrl = '';
  const nextMessageId = new Map<string, number>();
  const files = new Map<string, { bytes: Buffer; path: string; contentType: string }>();
  const downloads: string[] = [];
  let closing = false;

  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, formParams(new URLSearchParams(body as string)));
  });

  // media uploads: text fields as values, files as { filename, size }
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (req, body, done) => {
    const boundary = /boundary=("?)([^";]+)\1/.exec(req.headers['content-type'] ?? '')?.[2];
    const { method: _ignored, ...params } = boundary ? multipartParams(body as Buffer, boundary) : {};
    // telegraf also writes the method name into multipart bodies; the Bot API ignores it
    done(null, params);
  });
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const code = error.statusCode ?? 500;
    return reply.code(code).send({ ok: false, error_code: code, description: `Bad Request: ${error.message}` });
  });

  // the status is recorded before the answer leaves, so a client that saw it also sees it here
  app.addHook('onSend', async (request, reply, payload) => {
    const call = answering.get(request);
    if (call) statuses.set(call, reply.statusCode);
    const delay = options.answerDelayMs?.() ?? 0;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    return payload;
  });

  const ok = (reply: FastifyReply, result: unknown) => reply.send({ ok: true, result });
  const fail = (reply: FastifyReply, code: number, description: string) =>
    reply.code(code).send({ ok: false, error_code: code, description });

  /** The fields every sent message has: the next message id of the chat, the chat, the date. */
  function sentMessage(chatId: string) {
    const messageId = nextMessageId.get(chatId) ?? 1000;
    nextMessageId.set(chatId, messageId + 1);
    const id = /^-?\d+$/.test(chatId) && Number.isSafeInteger(Number(chatId)) ? Number(chatId) : chatId;
    return { message_id: messageId, chat: { id, type: 'private' }, date: Math.floor(Date.now() / 1000) };
  }

  async function getUpdates(params: Record<string, unknown>): Promise<Update[]> {
    const offset = Number(params.offset ?? 0);
    const limit = Math.min(Math.max(Number(params.limit ?? 100), 1), 100);
    const deadline = Date.now() + Math.max(Number(params.timeout ?? 0), 0) * 1000;
    // "An update is considered confirmed as soon as getUpdates is called with an offset higher than its update_id"
    if (offset > 0) updates = updates.filter((u) => u.update_id >= offset);
    while (updates.length === 0 && !closing && Date.now() < deadline) {
      await new Promise<void>((wake) => {
        const timer = setTimeout(done, deadline - Date.now());
        function done() {
          clearTimeout(timer);
          pollWaiters.delete(done);
          wake();
        }
        pollWaiters.add(done);
      });
    }
    return updates.slice(0, limit);
  }

  async function handle(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const download = FILE_PATH.exec(request.url.split('?')[0] ?? '');
    if (download && request.method === 'GET') {
      const [, token = '', path = ''] = download;
      downloads.push(`${token} ${path}`);
      const file = [...files.values()].find((f) => f.path === path);
      if (!file) return fail(reply, 404, 'Not Found');
      return reply.header('content-type', file.contentType).send(file.bytes);
    }
    const match = BOT_PATH.exec(request.url.split('?')[0] ?? '');
    if (!match) return fail(reply, 404, 'Not Found');
    const [, token = '', method = ''] = match;
    const query = formParams(new URLSearchParams(request.url.split('?')[1] ?? ''));
    const body = typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
    const call: FakeTelegramCall = { token, method, params: { ...query, ...body } };
    calls.push(call);
    for (const waiter of [...callWaiters]) waiter(call);

    const queued = failures.get(method) ?? [];
    const index = queued.findIndex((c) => !c.when || c.when(call));
    const canned = index >= 0 ? queued.splice(index, 1)[0] : undefined;
    if (canned && 'hang' in canned) {
      // held until close, which destroys the connection: the client sees no answer at all
      await new Promise<void>((release) => hung.add(release));
      return reply;
    }
    // a client that gave up (its timeout passed while this loaded process got to the call) never
    // hears an answer: accepting the call anyway would send a message nobody knows was sent,
    // which a busy test machine turned into a "delivered twice" the system could not have known
    if (request.raw.socket?.destroyed) return reply;
    answering.set(request, call);
    return canned ? reply.code(canned.status).send(canned.body) : answer(call, reply);
  }

  async function answer(call: FakeTelegramCall, reply: FastifyReply): Promise<unknown> {
    const { token, method, params } = call;
    switch (method) {
      case 'getMe':
        return ok(reply, { id: Number(token.split(':')[0]), is_bot: true, first_name: 'Fake Bot', username: 'fake_bot', can_join_groups: false });
      case 'sendMessage': {
        const chatId = String(params.chat_id ?? '');
        const text = String(params.text ?? '');
        if (!chatId) return fail(reply, 400, 'Bad Request: chat_id is empty');
        if (!text.trim()) return fail(reply, 400, 'Bad Request: message text is empty');
        if (text.length > 4096) return fail(reply, 400, 'Bad Request: message is too long');
        // the keyboard comes back on the message as Telegram returns it (JSON body, or a JSON string in a form)
        const markup = typeof params.reply_markup === 'string' ? JSON.parse(params.reply_markup) : params.reply_markup;
        return ok(reply, { ...sentMessage(chatId), text, ...(markup ? { reply_markup: markup } : {}) });
      }
      case 'answerCallbackQuery':
        if (!params.callback_query_id) return fail(reply, 400, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
        return ok(reply, true);
      case 'sendPhoto':
      case 'sendDocument': {
        const chatId = String(params.chat_id ?? '');
        const field = method === 'sendPhoto' ? 'photo' : 'document';
        const file = params[field] as { filename?: string; size?: number } | string | undefined;
        if (!chatId) return fail(reply, 400, 'Bad Request: chat_id is empty');
        if (!file) return fail(reply, 400, `Bad Request: there is no ${field} in the request`);
        const uploaded = typeof file === 'object' ? file : { filename: undefined, size: 0 };
        const fileId = `fake-${field}-${calls.length}`;
        return ok(reply, {
          ...sentMessage(chatId),
          ...(field === 'photo'
            ? { photo: [{ file_id: fileId, file_unique_id: fileId, width: 1, height: 1, file_size: uploaded.size }] }
            : { document: { file_id: fileId, file_unique_id: fileId, file_name: uploaded.filename, file_size: uploaded.size } }),
        });
      }
      case 'getFile': {
        const fileId = String(params.file_id ?? '');
        const file = files.get(fileId);
        if (!file) return fail(reply, 400, 'Bad Request: invalid file_id');
        if (file.bytes.length > MAX_BOT_DOWNLOAD) return fail(reply, 400, 'Bad Request: file is too big');
        return ok(reply, { file_id: fileId, file_unique_id: `u-${fileId}`, file_size: file.bytes.length, file_path: file.path });
      }
      case 'setWebhook':
        webhookUrl = String(params.url ?? '');
        return ok(reply, true);
      case 'deleteWebhook':
        webhookUrl = '';
        if (params.drop_pending_updates === true || params.drop_pending_updates === 'true') updates = [];
        return ok(reply, true);
      case 'getWebhookInfo':
        return ok(reply, { url: webhookUrl, has_custom_certificate: false, pending_update_count: webhookUrl ? updates.length : 0 });
      case 'getUpdates':
        if (webhookUrl) return fail(reply, 409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
        return ok(reply, await getUpdates(params));
      default:
        return fail(reply, 404, 'Not Found: method not found');
    }
  }
  app.all('/*', handle);

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('fake Telegram did not bind a TCP port');

  return {
    apiRoot: `http://127.0.0.1:${address.port}`,
    calls,
    downloads,
    addFile(bytes, options = {}) {
      const fileId = options.fileId ?? `file-${files.size + 1}-${bytes.length}`;
      const path = `${options.contentType?.startsWith('image/') ? 'photos' : 'documents'}/${options.fileName ?? `file_${files.size + 1}`}`;
      files.set(fileId, { bytes, path, contentType: options.contentType ?? 'application/octet-stream' });
      return fileId;
    },
    waitForCall(method, predicate = () => true, timeoutMs = 10_000) {
      const matches = (call: FakeTelegramCall) => call.method === method && predicate(call);
      const seen = calls.find(matches);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          callWaiters.delete(onCall);
          reject(new Error(`no ${method} call within ${timeoutMs} ms; calls: ${calls.map((c) => c.method).join(', ') || 'none'}`));
        }, timeoutMs);
        function onCall(call: FakeTelegramCall) {
          if (!matches(call)) return;
          clearTimeout(timer);
          callWaiters.delete(onCall);
          resolve(call);
        }
        callWaiters.add(onCall);
      });
    },
    failNext(method, status, body, when) {
      failures.set(method, [...(failures.get(method) ?? []), { status, body, ...(when && { when }) }]);
    },
    hangNext(method, when) {
      failures.set(method, [...(failures.get(method) ?? []), { hang: true, ...(when && { when }) }]);
    },
    statusOf: (call) => statuses.get(call),
    pendingFailures() {
      return [...failures.values()].reduce((n, queued) => n + queued.length, 0);
    },
    pushUpdate(update) {
      updates.push(update);
      for (const wake of [...pollWaiters]) wake();
    },
    async close() {
      closing = true;
      for (const wake of [...pollWaiters]) wake();
      for (const release of [...hung]) release();
      await app.close();
    },
  };
}

/** Form and query values are strings; JSON-serialized fields (reply_parameters, ...) are decoded. */
function formParams(search: URLSearchParams): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [key, value] of search) {
    params[key] = /^[[{]/.test(value) ? tryJson(value) : value;
  }
  return params;
}

function multipartParams(body: Buffer, boundary: string): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  // latin1 maps bytes 1:1, so file sizes stay exact; text fields are re-decoded as UTF-8
  for (const part of body.toString('latin1').split(`--${boundary}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = part.slice(0, split);
    const content = part.slice(split + 4).replace(/\r\n$/, '');
    const name = /;\s*name="([^"]*)"/.exec(head)?.[1];
    if (name === undefined) continue;
    // clients write the file name as raw UTF-8 bytes in the header
    const rawName = /filename="([^"]*)"/.exec(head)?.[1];
    const filename = rawName === undefined ? undefined : Buffer.from(rawName, 'latin1').toString('utf8');
    const text = Buffer.from(content, 'latin1').toString('utf8');
    params[name] = filename !== undefined ? { filename, size: content.length } : /^[[{]/.test(text) ? tryJson(text) : text;
  }
  return params;
}

function tryJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
