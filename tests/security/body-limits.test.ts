import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { silentLogger } from '@switchboard/log';
import { buildWebhookIngress } from '@switchboard/webhook-ingress';
import { ADMIN_TOKEN, startStack, type Stack } from '../support/stack.ts';

// Every endpoint that takes a body refuses one over its limit with 413 and the JSON error shape,
// before any handler runs: never a 500, never accepted.
const MIB = 1024 * 1024;
const API_LIMIT = MIB;
const WEBHOOK_LIMIT = MIB;
const WEBCHAT_LIMIT = 64 * 1024;

let stack: Stack;
let hooks: FastifyInstance;
let hooksUrl: string;
let apiDoc: { paths: Record<string, Record<string, unknown>> };

beforeAll(async () => {
  stack = await startStack();
  hooks = await buildWebhookIngress({ pool: stack.pool, producer: stack.producer, inboxes: stack.inboxes, logger: silentLogger(), readiness: {} }, ['whatsapp', 'messenger', 'instagram', 'sms']);
  hooksUrl = await hooks.listen({ host: '127.0.0.1', port: 0 });
  apiDoc = (await (await fetch(`${stack.urls.api}/docs/json`)).json()) as typeof apiDoc;
});
afterAll(async () => {
  await hooks?.close();
  await stack?.close();
});

/** A JSON document of exactly `bytes` bytes. */
const jsonOf = (bytes: number) => JSON.stringify({ pad: 'x'.repeat(bytes - 10) });

async function postOver(url: string, method: string, limit: number, headers: Record<string, string> = {}) {
  const body = jsonOf(limit + 1);
  expect(Buffer.byteLength(body)).toBe(limit + 1);
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as { error?: { code: string; message: string } } | undefined };
}

const withIds = (path: string) => path.replace(/\{[^}]+\}/g, (p) => (p === '{queue}' ? 'inbound' : p === '{key}' ? 'a'.repeat(64) : randomUUID()));

describe('request size limits', () => {
  it('the API refuses every JSON body over 1 MiB with 413 on every route that takes one', async () => {
    const routes = Object.entries(apiDoc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).filter((m) => ['post', 'put', 'patch'].includes(m)).map((method) => ({ path, method: method.toUpperCase() })),
    );
    expect(routes.length).toBeGreaterThan(30);
    const answers: string[] = [];
    for (const { path, method } of routes) {
      const res = await postOver(`${stack.urls.api}${withIds(path)}`, method, API_LIMIT, { authorization: `Bearer ${ADMIN_TOKEN}` });
      answers.push(`${method} ${path} ${res.status} ${res.body?.error?.code}`);
    }
    // multipart uploads parse their own bodies: a JSON body there is refused as the wrong media type
    const wrong = answers.filter((a) => !/ 413 payload_too_large$/.test(a) && !/\/attachments 415 unsupported_media_type$/.test(a));
    expect(wrong).toEqual([]);
  }, 60_000);

  it('the webhook ingresses refuse a body over 1 MiB with 413, before verifying anything', async () => {
    for (const channel of ['whatsapp', 'messenger', 'instagram', 'sms']) {
      const res = await postOver(`${hooksUrl}/webhooks/${channel}/${randomUUID()}`, 'POST', WEBHOOK_LIMIT);
      expect([channel, res.status, res.body?.error?.code]).toEqual([channel, 413, 'payload_too_large']);
    }
    const telegram = await postOver(`${stack.urls.telegram}/webhooks/telegram/${randomUUID()}`, 'POST', WEBHOOK_LIMIT);
    expect([telegram.status, telegram.body?.error?.code]).toEqual([413, 'payload_too_large']);
  });

  it('the web-chat ingress refuses a body over 64 KiB with 413 on every visitor route that takes JSON', async () => {
    const inbox = (await (await fetch(`${stack.urls.api}/api/v1/inboxes`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify({ channel: 'webchat', name: 'limits' }),
    })).json()) as { id: string };
    for (const resource of ['sessions', 'messages', 'callbacks', 'offline']) {
      const res = await postOver(`${stack.urls.webchat}/webchat/${inbox.id}/${resource}`, 'POST', WEBCHAT_LIMIT);
      expect([resource, res.status, res.body?.error?.code]).toEqual([resource, 413, 'payload_too_large']);
    }
  });
});
