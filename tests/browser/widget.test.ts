import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { launchChromium, waitFor } from '@switchboard/testkit';
import { setUpDesk, startStack, type ApiClient, type Stack } from '../support/stack.ts';

// The real widget.js in a real browser, against the whole system: what a visitor sees and does.
type Browser = Awaited<ReturnType<typeof launchChromium>>;
type Page = Awaited<ReturnType<Browser['newPage']>>;

const root = fileURLToPath(new URL('../../', import.meta.url));
let stack: Stack;
let browser: Browser;
let admin: ApiClient;
let agent: ApiClient;
let inboxId: string;
let demoUrl: string;
/** The first visitor's page and conversation, carried through the first tests. */
let page: Page;
let firstConversationId: string;
const dialogs: string[] = [];

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  // capacity 1: the first visitor's conversation fills the only seat (for the queue position test)
  const desk = await setUpDesk(stack, { agents: 1, capacity: 1 });
  admin = desk.admin;
  agent = desk.agents[0]!.client;
  const inbox = await admin.post('/api/v1/inboxes', { channel: 'webchat', name: 'Acme website', defaultQueueId: desk.queueId });
  expect(inbox.status).toBe(201);
  inboxId = inbox.body.id;
  demoUrl = `${stack.urls.webchat}/demo/${inboxId}`;
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function visitor(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  // a missing element should fail a test in seconds, not at jest's timeout
  context.setDefaultTimeout(10_000);
  const p = await context.newPage();
  p.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await p.goto(demoUrl);
  return p;
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

/** Opens a conversation as a visitor without a browser, through the same public API. */
async function apiVisitor(text: string): Promise<string> {
  const base = `${stack.urls.webchat}/webchat/${inboxId}`;
  const session = (await (await fetch(`${base}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { token: string };
  const sent = await fetch(`${base}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
    body: JSON.stringify({ clientMessageId: 'api-1', text }),
  });
  expect(sent.status).toBe(202);
  return session.token;
}

async function conversationWith(text: string): Promise<{ id: string; routingState: string; kind: string }> {
  return waitFor(async () => {
    for (const c of (await admin.get('/api/v1/conversations?limit=100')).body.items) {
      const messages = (await admin.get(`/api/v1/conversations/${c.id}/messages`)).body.items as { text: string | null }[];
      if (messages.some((m) => m.text === text)) return c;
    }
    return undefined;
  }, { what: `a conversation with "${text}"`, intervalMs: 200 });
}

describe('the web-chat widget in a browser', () => {
  it('sends a visitor message that reaches the desk as a conversation', async () => {
    page = await visitor();
    await openChat(page);
    await say(page, 'Hi, where is my order #1042?');
    await bubble(page, 'in', 'Hi, where is my order #1042?').waitFor();
    const conversation = await conversationWith('Hi, where is my order #1042?');
    expect(conversation).toMatchObject({ channel: 'webchat', inboxId });
    firstConversationId = conversation.id;
  });

  it("shows the agent's replies live, and counts them on the badge while the panel is closed", async () => {
    await waitFor(async () => (await agent.get(`/api/v1/conversations/${firstConversationId}`)).body.routingState === 'assigned', { what: 'the conversation to be assigned' });
    expect((await agent.post(`/api/v1/conversations/${firstConversationId}/messages`, { text: 'It ships today.' })).status).toBe(201);
    await bubble(page, 'out', 'It ships today.').waitFor();
    expect(await page.locator('[data-sb=badge]').isHidden()).toBe(true);

    await page.evaluate('window.SwitchboardChat.close()');
    await page.locator('[data-sb=panel]').waitFor({ state: 'hidden' });
    expect((await agent.post(`/api/v1/conversations/${firstConversationId}/messages`, { text: 'Anything else?' })).status).toBe(201);
    await page.locator('[data-sb=badge]', { hasText: /^1$/ }).waitFor();
    await openChat(page);
    await bubble(page, 'out', 'Anything else?').waitFor();
    await page.locator('[data-sb=badge]').waitFor({ state: 'hidden' });
  });

  it('keeps the history across a reload and in a second tab', async () => {
    const expected = ['Hi, where is my order #1042?', 'It ships today.', 'Anything else?'];
    await page.reload();
    await openChat(page);
    await bubble(page, 'out', 'Anything else?').waitFor();
    expect(await page.locator('[data-sb=message]').allTextContents()).toEqual(expected);

    const second = await page.context().newPage();
    await second.goto(demoUrl);
    await openChat(second);
    await bubble(second, 'out', 'Anything else?').waitFor();
    expect(await second.locator('[data-sb=message]').allTextContents()).toEqual(expected);
    await second.close();
  });

  it('shows a message sent in one tab live in another, once in each', async () => {
    const second = await page.context().newPage();
    await second.goto(demoUrl);
    await openChat(second);
    await bubble(second, 'out', 'Anything else?').waitFor();
    await say(page, 'Sent from the first tab');
    // no reload, no reconnect: the stored message is pushed to every tab of the visitor
    await bubble(second, 'in', 'Sent from the first tab').waitFor();
    // the sending tab swapped its optimistic bubble for the stored one: still one, and confirmed
    await page.locator('[data-sb=message][data-state]').waitFor({ state: 'detached' });
    expect(await bubble(page, 'in', 'Sent from the first tab').count()).toBe(1);
    expect(await bubble(second, 'in', 'Sent from the first tab').count()).toBe(1);
    await second.close();
  });

  it('saves a screenshot of the open widget', async () => {
    await say(page, 'No, thanks, that was all!');
    await bubble(page, 'in', 'No, thanks, that was all!').waitFor();
    await page.locator('[data-sb=message][data-state]').waitFor({ state: 'detached' });
    await mkdir(`${root}.test-results`, { recursive: true });
    await page.screenshot({ path: `${root}.test-results/widget.png` });
    // docs/widget.png (the README's picture) is a copy of this file, refreshed by hand when the widget changes
    const png = await readFile(`${root}.test-results/widget.png`);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.length).toBeGreaterThan(10_000);
  });

  it('shows the place in line while agents are busy, and hides it once an agent takes over', async () => {
    // the only agent (capacity 1) holds the first conversation; one more visitor waits ahead
    await apiVisitor('I was here first');
    const ahead = await conversationWith('I was here first');
    expect(ahead.routingState).toBe('queued');

    const waiting = await visitor();
    await openChat(waiting);
    await say(waiting, 'Is anyone there?');
    await waiting.locator('[data-sb=position]', { hasText: /^You are #2/ }).waitFor({ timeout: 15_000 });

    expect((await agent.post(`/api/v1/conversations/${firstConversationId}/resolve`)).status).toBe(200);
    await waiting.locator('[data-sb=position]', { hasText: /^You are #1/ }).waitFor({ timeout: 15_000 });

    await waitFor(async () => (await agent.get(`/api/v1/conversations/${ahead.id}`)).body.routingState === 'assigned', { what: 'the earlier visitor to be assigned' });
    expect((await agent.post(`/api/v1/conversations/${ahead.id}/resolve`)).status).toBe(200);
    await waiting.locator('[data-sb=position]').waitFor({ state: 'hidden', timeout: 15_000 });
    const mine = await conversationWith('Is anyone there?');
    await waitFor(async () => (await agent.get(`/api/v1/conversations/${mine.id}`)).body.routingState === 'assigned', { what: 'the visitor to be assigned' });
    await waiting.context().close();
  }, 45_000);

  it('shows markup in a message as literal text, live and from history', async () => {
    const xss = '<img src=x onerror=alert(1)>';
    const p = await visitor();
    await openChat(p);
    await say(p, xss);
    await bubble(p, 'in', xss).waitFor();
    expect(await p.locator('[data-sb=messages] [data-sb=message]').allTextContents()).toEqual([xss]);
    expect(await p.locator('[data-sb=messages] img').count()).toBe(0);

    await conversationWith(xss);
    await p.reload();
    await openChat(p);
    await p.locator('[data-sb=message][data-id]', { hasText: xss }).waitFor();
    expect(await p.locator('[data-sb=messages] img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    await p.context().close();
  });

  it('turns a call-back request into a callback conversation', async () => {
    // the widget offers call-backs only when GET settings says so
    const settings = await fetch(`${stack.urls.webchat}/webchat/${inboxId}/settings`);
    expect(settings.status).toBe(200);
    expect(await settings.json()).toMatchObject({ callback: { enabled: true } });
    const p = await visitor();
    await openChat(p);
    await p.locator('[data-sb=callback-open]').click();
    const form = p.locator('[data-sb=callback-form]');
    await form.getByLabel('Name').fill('Grace Hopper');
    await form.getByLabel('Phone').fill('+1 555 0100');
    await form.getByLabel('Preferred time (optional)').fill('after 3 pm');
    await form.getByRole('button', { name: 'Request call' }).click();
    await p.locator('[data-sb=notice]', { hasText: 'call you back' }).waitFor();

    const callback = await waitFor(async () => {
      const items = (await admin.get('/api/v1/conversations?limit=100')).body.items as { id: string; kind: string; inboxId: string }[];
      return items.find((c) => c.kind === 'callback' && c.inboxId === inboxId);
    }, { what: 'the callback conversation' });
    const one = await admin.get(`/api/v1/conversations/${callback.id}`);
    expect(one.body).toMatchObject({ kind: 'callback', callback: { phone: '+1 555 0100', preferredTime: 'after 3 pm' } });
    await p.context().close();
  });
});
