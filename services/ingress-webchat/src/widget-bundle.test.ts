import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Fastify, { type FastifyInstance } from 'fastify';
import { notFound } from '@switchboard/errors';
import { registerDemoRoute } from './demo-route.ts';
import type { WebchatInbox, WebchatInboxes } from './inboxes.ts';
import { registerWidgetBundle } from './widget-bundle.ts';

const INBOX_ID = '6f1c2b8e-3d4a-4f5b-9c6d-7e8f9a0b1c2d';
const inboxes = {
  require: async (id: string) => {
    if (id !== INBOX_ID) throw notFound('inbox');
    return { id } as WebchatInbox;
  },
} as WebchatInboxes;

let app: FastifyInstance;
let bare: FastifyInstance;
beforeAll(async () => {
  app = Fastify();
  await registerWidgetBundle(app);
  registerDemoRoute(app, inboxes);
  bare = Fastify();
  await registerWidgetBundle(bare);
}, 30_000);
afterAll(async () => {
  await Promise.all([app.close(), bare.close()]);
});

describe('GET /widget.js', () => {
  it('serves the minified bundle as a public, cacheable script', async () => {
    const res = await app.inject({ method: 'GET', url: '/widget.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(res.body).toContain('SwitchboardChat');
    expect(res.body).not.toContain('innerHTML');
    expect(res.body.length).toBeLessThan(30 * 1024);
  });

  it('answers 304 to a matching If-None-Match, 200 to a stale one', async () => {
    const { etag } = (await app.inject({ method: 'GET', url: '/widget.js' })).headers;
    const fresh = await app.inject({ method: 'GET', url: '/widget.js', headers: { 'if-none-match': `"old", ${etag}` } });
    expect(fresh.statusCode).toBe(304);
    expect(fresh.body).toBe('');
    expect(fresh.headers.etag).toBe(etag);
    expect((await app.inject({ method: 'GET', url: '/widget.js', headers: { 'if-none-match': '"old"' } })).statusCode).toBe(200);
  });
});

describe('GET /demo/:inboxId', () => {
  it('embeds the widget with the one-line snippet', async () => {
    const res = await app.inject({ method: 'GET', url: `/demo/${INBOX_ID}`, headers: { host: 'chat.example.com' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('Acme Inc. — demo shop');
    expect(res.body).toContain(`<script src="http://chat.example.com/widget.js" data-inbox="${INBOX_ID}"`);
  });

  it('does not exist unless the app is built with demo: true, nor for an unknown inbox', async () => {
    expect((await bare.inject({ method: 'GET', url: `/demo/${INBOX_ID}` })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/demo/6f1c2b8e-0000-4f5b-9c6d-7e8f9a0b1c2d' })).statusCode).toBe(404);
  });
});
