import Fastify from 'fastify';

/** One send request as the fake gateway received it. */
export interface FakeSmsGatewayCall {
  authorization: string | undefined;
  body: Record<string, unknown>;
  /** The provider id the fake answered with (absent for failed calls). */
  id?: string;
}

export interface FakeSmsGateway {
  /** The inbox's `sendUrl`. */
  readonly sendUrl: string;
  readonly calls: FakeSmsGatewayCall[];
  waitForCall(predicate?: (call: FakeSmsGatewayCall) => boolean, timeoutMs?: number): Promise<FakeSmsGatewayCall>;
  /** The next send answers HTTP `status` with `body` and headers (e.g. 429 with Retry-After). */
  failNext(status: number, body: unknown, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

/**
 * An SMS gateway speaking docs/channels/sms-gateway.md on 127.0.0.1: `POST /send` with JSON
 * `{to, text, from?, id}` and `Authorization: Bearer <token>` → 200 `{id}`; 401 for another token.
 */
export async function startFakeSmsGateway(options: { token?: string } = {}): Promise<FakeSmsGateway> {
  const calls: FakeSmsGatewayCall[] = [];
  const failures: { status: number; body: unknown; headers: Record<string, string> }[] = [];
  const waiters = new Set<(call: FakeSmsGatewayCall) => void>();
  let seq = 0;
  const app = Fastify({ logger: false, forceCloseConnections: true });

  app.post('/send', async (request, reply) => {
    const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
    const call: FakeSmsGatewayCall = { authorization: request.headers.authorization, body };
    calls.push(call);
    for (const waiter of [...waiters]) waiter(call);
    const canned = failures.shift();
    if (canned) return reply.code(canned.status).headers(canned.headers).send(canned.body);
    if (options.token !== undefined && call.authorization !== `Bearer ${options.token}`) return reply.code(401).send({ error: 'bad token' });
    if (typeof body.to !== 'string' || typeof body.text !== 'string' || !body.text) return reply.code(400).send({ error: 'to and text are required' });
    seq += 1;
    call.id = `gw-${seq}`;
    return reply.code(200).send({ id: call.id });
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('fake SMS gateway did not bind a TCP port');
  return {
    sendUrl: `http://127.0.0.1:${address.port}/send`,
    calls,
    waitForCall(predicate = () => true, timeoutMs = 10_000) {
      const seen = calls.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(onCall);
          reject(new Error(`no matching gateway send within ${timeoutMs} ms; ${calls.length} calls`));
        }, timeoutMs);
        function onCall(call: FakeSmsGatewayCall) {
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
    async close() {
      await app.close();
    },
  };
}
