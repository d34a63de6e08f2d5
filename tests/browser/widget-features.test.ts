import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { signUserId } from '@switchboard/channels';
import { launchChromium, waitFor } from '@switchboard/testkit';
import { ADMIN_TOKEN, setUpDesk, startStack, type ApiClient, type Stack } from '../support/stack.ts';

// The widget's features beyond plain chat, in a real browser against the whole system.
type Browser = Awaited<ReturnType<typeof launchChromium>>;
type Context = Awaited<ReturnType<Browser['newContext']>>;
type Page = Awaited<ReturnType<Browser['newPage']>>;

const IDENTITY_SECRET = 'shop-identity-secret-0123456789';
/** A 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

let stack: Stack;
let browser: Browser;
let admin: ApiClient;
let agent: ApiClient;
let inboxId: string;
let offlineInboxId: string;
let identityInboxId: string;
/** The shop whose signed-in users chat: another origin than the chat service's. */
let shop: Server | undefined;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  const desk = await setUpDesk(stack, { agents: 1, capacity: 20 });
  admin = desk.admin;
  agent = desk.agents[0]!.client;
  // nobody is a member of this queue, so nobody is online for its inbox
  const emptyQueue = await admin.post('/api/v1/queues', { name: 'Night shift', memberIds: [] });
  expect(emptyQueue.status).toBe(201);
  const inboxes = await Promise.all([
    admin.post('/api/v1/inboxes', { channel: 'webchat', name: 'Acme website', defaultQueueId: desk.queueId }),
    admin.post('/api/v1/inboxes', { channel: 'webchat', name: 'After hours', defaultQueueId: emptyQueue.body.id }),
    admin.post('/api/v1/inboxes', { channel: 'webchat', name: 'Shop accounts', defaultQueueId: desk.queueId, secrets: { identitySecret: IDENTITY_SECRET } }),
  ]);
  for (const inbox of inboxes) expect(inbox.status).toBe(201);
  [inboxId, offlineInboxId, identityInboxId] = inboxes.map((i) => i.body.id as string) as [string, string, string];
}, 30_000);

afterAll(async () => {
  shop?.closeAllConnections();
  if (shop) await new Promise((resolve) => shop!.close(resolve));
  await browser?.close();
  await stack?.close();
});

async function newContext(): Promise<Context> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  // a missing element should fail a test in seconds, not at jest's timeout
  context.setDefaultTimeout(10_000);
  return context;
}

/** Resolves once the widget's socket got its `ready` frame: replies and typing are live from then on. */
function socketReady(p: Page): Promise<void> {
  return new Promise((resolve) => {
    p.on('websocket', (ws) => ws.on('framereceived', (frame) => typeof frame.payload === 'string' && frame.payload.includes('"ready"') && resolve()));
  });
}

async function visitor(inbox = inboxId, context?: Context): Promise<{ page: Page; ready: Promise<void> }> {
  const p = await (context ?? (await newContext())).newPage();
  const ready = socketReady(p);
  await p.goto(`${stack.urls.webchat}/demo/${inbox}`);
  return { page: p, ready };
}

async function openChat(p: Page): Promise<void> {
  await p.locator('[data-sb=launcher]').click();
  await p.locator('[data-sb=panel]').waitFor({ state: 'visible' });
}

async function say(p: Page, text: string): Promise<void> {
  await p.locator('[data-sb=input]').fill(text);
  await p.locator('[data-sb=send]').click();
}

const bubble = (p: Page, direction: 'in' | 'out', text: string) => p.locator(`[data-sb=message][data-direction=${direction}]`, { hasText: text });

type Conversation = { id: string; inboxId: string; channel: string; routingState: string; contact: { name: string | null; email: string | null } };

async function conversationWith(text: string): Promise<Conversation> {
  return waitFor(async () => {
    for (const c of (await admin.get('/api/v1/conversations?limit=100')).body.items as Conversation[]) {
      const messages = (await admin.get(`/api/v1/conversations/${c.id}/messages`)).body.items as { text: string | null }[];
      if (messages.some((m) => m.text === text)) return c;
    }
    return undefined;
  }, { what: `a conversation with "${text}"`, intervalMs: 200 });
}

async function assigned(conversationId: string): Promise<void> {
  await waitFor(async () => (await agent.get(`/api/v1/conversations/${conversationId}`)).body.routingState === 'assigned', { what: 'the conversation to be assigned' });
}

async function reply(conversationId: string, body: { text?: string; attachments?: string[] }): Promise<void> {
  const res = await agent.post(`/api/v1/conversations/${conversationId}/messages`, body);
  expect(res.status).toBe(201);
}

/** Raw bytes from the API (the test client speaks JSON only). */
async function download(path: string): Promise<Buffer> {
  const res = await fetch(`${stack.urls.api}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

describe('the web-chat widget features in a browser', () => {
  it('falls back to polling when WebSockets cannot be opened, both ways', async () => {
    const context = await newContext();
    // a browser that refuses sockets outright (a locked-down webview, an old CSP implementation); a blocked upgrade closes instead
    await context.addInitScript(`window.WebSocket = Object.assign(function WebSocket() {
      throw new DOMException('WebSockets are blocked here', 'SecurityError');
    }, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });`);
    const { page } = await visitor(inboxId, context);
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await openChat(page);
    await say(page, 'Polling hello');
    await bubble(page, 'in', 'Polling hello').waitFor();
    const conversation = await conversationWith('Polling hello');
    await assigned(conversation.id);
    await reply(conversation.id, { text: 'Polled reply' });
    await bubble(page, 'out', 'Polled reply').waitFor({ timeout: 15_000 });
    expect(sockets).toEqual([]);
    await context.close();
  });

  it("shows the agent's typing, and reports the visitor's typing to agents", async () => {
    const { page, ready } = await visitor();
    await openChat(page);
    await say(page, 'Typing hello');
    const conversation = await conversationWith('Typing hello');
    await Promise.all([ready, assigned(conversation.id)]);
    expect(await page.locator('[data-sb=typing]').isHidden()).toBe(true);

    const typing = await agent.post(`/api/v1/conversations/${conversation.id}/typing`, { typing: true });
    expect(typing).toMatchObject({ status: 200, body: { shown: true } });
    await page.locator('[data-sb=typing]').waitFor({ state: 'visible' });
    // the reply itself ends the indicator
    await reply(conversation.id, { text: 'Here I am' });
    await bubble(page, 'out', 'Here I am').waitFor();
    expect(await page.locator('[data-sb=typing]').isHidden()).toBe(true);

    await page.locator('[data-sb=input]').pressSequentially('I am wri');
    const event = await waitFor(
      async () => (await stack.pool.query(`select payload from events where type = 'conversation.typing' and conversation_id = $1`, [conversation.id])).rows[0],
      { what: "the visitor's typing event" },
    );
    expect(event.payload).toEqual({ typing: true, by: 'contact' });
    await page.context().close();
  });

  it('counts replies on the badge while the panel is closed, and clears it on opening', async () => {
    const { page, ready } = await visitor();
    await openChat(page);
    await say(page, 'Badge hello');
    const conversation = await conversationWith('Badge hello');
    await Promise.all([ready, assigned(conversation.id)]);

    await page.locator('[data-sb=launcher]').click();
    await page.locator('[data-sb=panel]').waitFor({ state: 'hidden' });
    expect(await page.locator('[data-sb=badge]').isHidden()).toBe(true);
    await reply(conversation.id, { text: 'You have mail' });
    await page.locator('[data-sb=badge]', { hasText: /^1$/ }).waitFor();
    expect(await page.locator('[data-sb=launcher]').getAttribute('aria-label')).toBe('Open chat (1 new)');

    await openChat(page);
    await bubble(page, 'out', 'You have mail').waitFor();
    await page.locator('[data-sb=badge]').waitFor({ state: 'hidden' });
    await page.context().close();
  });

  it('offers the offline form when nobody is online, and turns it into a conversation', async () => {
    const settings = await fetch(`${stack.urls.webchat}/webchat/${offlineInboxId}/settings`);
    expect(await settings.json()).toMatchObject({ online: false, offlineReason: 'no_agents_online' });
    const { page } = await visitor(offlineInboxId);
    await openChat(page);
    const form = page.locator('[data-sb=offline-form]');
    await form.waitFor({ state: 'visible' });
    expect(await page.locator('[data-sb=input]').isHidden()).toBe(true);
    await form.getByLabel('Name').fill('Grace Hopper');
    await form.getByLabel('Email').fill('grace@example.com');
    await form.getByLabel('Message').fill('Please call me about my invoice.');
    await form.getByRole('button', { name: 'Send message' }).click();
    await page.locator('[data-sb=notice]', { hasText: 'We received your message' }).waitFor();
    await form.waitFor({ state: 'detached' });

    const conversation = await conversationWith('Please call me about my invoice.');
    expect(conversation).toMatchObject({ channel: 'webchat', inboxId: offlineInboxId, contact: { name: 'Grace Hopper', email: 'grace@example.com' } });
    await page.context().close();
  });

  it('sends a file both ways: the agent downloads the visitor’s, the visitor the agent’s', async () => {
    const { page, ready } = await visitor();
    await openChat(page);
    await page.locator('[data-sb=file]').waitFor({ state: 'visible' });
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.locator('[data-sb=file]').click()]);
    await chooser.setFiles({ name: 'receipt.png', mimeType: 'image/png', buffer: PNG });
    await bubble(page, 'in', 'receipt.png').waitFor();
    await page.locator('[data-sb=message][data-state]').waitFor({ state: 'detached' });

    const conversation = await waitFor(async () => {
      const items = (await admin.get('/api/v1/conversations?limit=100')).body.items as Conversation[];
      for (const c of items) {
        const messages = (await admin.get(`/api/v1/conversations/${c.id}/messages`)).body.items as { attachments: { fileName: string }[] }[];
        if (messages.some((m) => m.attachments[0]?.fileName === 'receipt.png')) return c;
      }
      return undefined;
    }, { what: 'the conversation with the file', intervalMs: 200 });
    const [message] = (await agent.get(`/api/v1/conversations/${conversation.id}/messages`)).body.items;
    expect(message.attachments[0]).toMatchObject({ fileName: 'receipt.png', size: PNG.length });
    const key = String(message.attachments[0].externalId).replace(/^blob:/, '');
    expect(await download(`/api/v1/conversations/${conversation.id}/attachments/${key}`)).toEqual(PNG);

    await Promise.all([ready, assigned(conversation.id)]);
    const pdf = Buffer.from('%PDF-1.4\n% the manual\n%%EOF\n');
    const upload = await agent.upload(`/api/v1/conversations/${conversation.id}/attachments`, { bytes: pdf, fileName: 'manual.pdf', type: 'application/pdf' });
    expect(upload.status).toBe(201);
    await reply(conversation.id, { text: 'Here is the manual', attachments: [upload.body.id] });
    const link = bubble(page, 'out', 'Here is the manual').locator('a', { hasText: 'manual.pdf' });
    await link.waitFor();
    const href = (await link.getAttribute('href'))!;
    expect(href.startsWith(`${stack.urls.webchat}/`)).toBe(true);
    const file = await fetch(href);
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer())).toEqual(pdf);

    // from history, the visitor's own file is a link too, serving the same bytes
    await page.reload();
    await openChat(page);
    const mine = page.locator('[data-sb=message][data-direction=in][data-id] a', { hasText: 'receipt.png' });
    await mine.waitFor();
    expect(Buffer.from(await (await fetch((await mine.getAttribute('href'))!)).arrayBuffer())).toEqual(PNG);
    await page.context().close();
  });

  it('gives a signed-in user the same conversation on another device, and nothing to a forged signature', async () => {
    // a real server, not page.route: Chromium lets only a loopback page load scripts from a loopback service
    shop = createServer((req, res) => {
      const signature = new URL(req.url ?? '/', 'http://shop').searchParams.get('signature') ?? '';
      if (!/^[0-9a-f]*$/.test(signature)) return void res.writeHead(400).end();
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html><head><title>My account</title></head><body><h1>My account</h1>
<script src="${stack.urls.webchat}/widget.js" data-inbox="${identityInboxId}" data-user-id="user-42" data-user-signature="${signature}" data-user-name="Ada"></script>
</body></html>`);
    });
    await new Promise<void>((resolve) => shop!.listen(0, '127.0.0.1', resolve));
    const shopUrl = `http://localhost:${(shop.address() as AddressInfo).port}/account`;
    /** A browser of its own (empty storage) on the shop's account page, signed in as user-42. */
    const device = async (signature: string): Promise<Page> => {
      const p = await (await newContext()).newPage();
      await p.goto(`${shopUrl}?signature=${signature}`);
      await openChat(p);
      return p;
    };

    const laptop = await device(signUserId('user-42', IDENTITY_SECRET));
    await say(laptop, 'Signed in hello');
    await bubble(laptop, 'in', 'Signed in hello').waitFor();
    const conversation = await conversationWith('Signed in hello');
    expect(conversation).toMatchObject({ inboxId: identityInboxId, contact: { name: 'Ada' } });
    await assigned(conversation.id);
    await reply(conversation.id, { text: 'Hello Ada' });
    await bubble(laptop, 'out', 'Hello Ada').waitFor();

    // another device: empty storage, the same signed user
    const phone = await device(signUserId('user-42', IDENTITY_SECRET));
    await bubble(phone, 'out', 'Hello Ada').waitFor();
    expect(await phone.locator('[data-sb=message]').allTextContents()).toEqual(['Signed in hello', 'Hello Ada']);

    // a forged signature gets no session, so no history
    const forged = await device(signUserId('user-42', 'not-the-shop-secret-at-all'));
    const [session] = await Promise.all([
      forged.waitForResponse((res) => res.url().endsWith(`/webchat/${identityInboxId}/sessions`)),
      say(forged, 'Let me in'),
    ]);
    expect(session.status()).toBe(401);
    await forged.locator('[data-sb=message][data-state=failed]', { hasText: 'Let me in' }).waitFor();
    expect(await forged.locator('[data-sb=message]').allTextContents()).toEqual(['Let me inNot sent. Retry']);
    expect(await forged.evaluate((id) => localStorage.getItem(`switchboard:${id}`), identityInboxId)).toBeNull();
    for (const p of [laptop, phone, forged]) await p.context().close();
  }, 30_000);
});
