import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { listSurveys } from '@switchboard/db';
import { launchChromium, waitFor } from '@switchboard/testkit';
import { setUpDesk, startStack, type ApiClient, type Stack } from '../support/stack.ts';

// A visitor rates a resolved chat in the widget, in a real browser against the whole system.
type Browser = Awaited<ReturnType<typeof launchChromium>>;

let stack: Stack;
let browser: Browser;
let agent: ApiClient;
let inboxId: string;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  const desk = await setUpDesk(stack, { agents: 1, capacity: 5 });
  agent = desk.agents[0]!.client;
  const inbox = await desk.admin.post('/api/v1/inboxes', {
    channel: 'webchat',
    name: 'Acme website',
    defaultQueueId: desk.queueId,
    survey: { csat: true, nps: true, comment: true, answerWindowHours: 72 },
  });
  expect(inbox.status).toBe(201);
  inboxId = inbox.body.id;
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('the survey in the web-chat widget', () => {
  it('shows a 1–5 and a 0–10 rating row after the chat is resolved, and records both ratings with the comment', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    const ready = new Promise<void>((resolve) => {
      page.on('websocket', (ws) => ws.on('framereceived', (frame) => typeof frame.payload === 'string' && frame.payload.includes('"ready"') && resolve()));
    });
    await page.goto(`${stack.urls.webchat}/demo/${inboxId}`);
    await page.locator('[data-sb=launcher]').click();
    await page.locator('[data-sb=input]').fill('My order never came');
    await page.locator('[data-sb=send]').click();

    const conversation = await waitFor(
      async () => (await agent.get('/api/v1/conversations?assignee=me')).body.items[0] as { id: string } | undefined,
      { what: 'the conversation to reach the agent' },
    );
    await ready;
    expect((await agent.post(`/api/v1/conversations/${conversation.id}/resolve`, {})).status).toBe(200);

    const survey = page.locator('.survey');
    await survey.waitFor();
    await expect(survey.locator('[data-kind=csat]').allTextContents()).resolves.toEqual(['1', '2', '3', '4', '5']);
    await expect(survey.locator('[data-kind=nps]').allTextContents()).resolves.toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    await page.locator('[data-sb=message][data-direction=out]', { hasText: 'How satisfied are you' }).waitFor();

    await survey.locator('.survey-comment').fill('Sorted in minutes');
    await survey.locator('[data-kind=csat][data-score="4"]').click();
    await survey.locator('.survey-row', { hasText: 'Thank you for your rating!' }).waitFor();
    await survey.locator('[data-kind=nps][data-score="9"]').click();
    await survey.locator('.survey-done').nth(1).waitFor();

    const [stored] = await waitFor(async () => {
      const surveys = await listSurveys(stack.pool, conversation.id);
      return surveys[0]?.status === 'answered' && surveys;
    }, { what: 'the survey to be answered' });
    expect(stored).toMatchObject({ csat: 4, nps: 9, comment: 'Sorted in minutes', status: 'answered', answeredVia: 'webchat_survey' });
    await context.close();
  });

  it('shows the rating again after a reload while the survey is open, once, and not after it is answered', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    await page.goto(`${stack.urls.webchat}/demo/${inboxId}`);
    await page.locator('[data-sb=launcher]').click();
    await page.locator('[data-sb=input]').fill('Wrong size delivered');
    await page.locator('[data-sb=send]').click();
    const conversation = await waitFor(
      async () => ((await agent.get('/api/v1/conversations?assignee=me&status=open')).body.items as { id: string }[])[0],
      { what: 'the conversation to reach the agent' },
    );
    expect((await agent.post(`/api/v1/conversations/${conversation.id}/resolve`, {})).status).toBe(200);
    await page.locator('.survey').waitFor();

    // the live frame is gone with the page: the history page brings the survey back, once
    await page.reload();
    await page.locator('[data-sb=launcher]').click();
    await page.locator('[data-sb=message][data-direction=out]', { hasText: 'How satisfied are you' }).waitFor();
    const survey = page.locator('.survey');
    await survey.waitFor();
    expect(await survey.count()).toBe(1);
    await survey.locator('[data-kind=csat][data-score="5"]').click();
    await survey.locator('.survey-row', { hasText: 'Thank you for your rating!' }).waitFor();
    await survey.locator('[data-kind=nps][data-score="10"]').click();
    await survey.locator('.survey-done').nth(1).waitFor();
    await waitFor(async () => (await listSurveys(stack.pool, conversation.id))[0]?.status === 'answered', { what: 'the survey to be answered' });

    await page.reload();
    await page.locator('[data-sb=launcher]').click();
    await page.locator('[data-sb=message][data-direction=out]', { hasText: 'How satisfied are you' }).waitFor();
    expect(await page.locator('.survey').count()).toBe(0);
    await context.close();
  });
});
