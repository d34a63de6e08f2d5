import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { recordInbound, setInboxSurveySettings, withTransaction, type Inbox } from '@switchboard/db';
import { resolveConversation } from '@switchboard/routing';
import { createMetrics } from '@switchboard/runtime';
import { inboundText, metricCount } from '@switchboard/testkit';
import { startHarness, type Harness } from './test-harness.ts';

let h: Harness;
let inbox: Inbox;
let base: string;

beforeAll(async () => {
  h = await startHarness({ metrics: createMetrics('ingress-webchat') });
  inbox = await h.createWebchatInbox();
  await setInboxSurveySettings(h.db.pool, inbox.id, { csat: true, nps: true, comment: true, answerWindowHours: 24 });
  base = await h.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await h?.close();
});

const post = (path: string, body: unknown, token?: string) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) }, body: JSON.stringify(body) });

/** A visitor whose chat was stored and resolved: the resolve opened their survey. */
async function surveyedVisitor(): Promise<{ token: string; surveyId: string }> {
  const { token, visitorId } = (await (await post(`/webchat/${inbox.id}/sessions`, {})).json()) as { token: string; visitorId: string };
  const surveyId = await withTransaction(h.db.pool, async (tx) => {
    const stored = await recordInbound(tx, inboundText(inbox.id, { from: visitorId, text: 'hello', channel: 'webchat' }));
    if (stored.kind !== 'stored') throw new Error(stored.kind);
    return (await resolveConversation(tx, stored.conversationId, { agentId: null }, new Date()))!.survey!.surveyId;
  });
  return { token, surveyId };
}

describe('web-chat survey metrics', () => {
  it('counts the scores the survey route recorded, and none it refused', async () => {
    const ada = await surveyedVisitor();
    expect((await post(`/webchat/${inbox.id}/survey`, { surveyId: ada.surveyId, csat: 5, comment: 'great' }, ada.token)).status).toBe(200);
    expect((await post(`/webchat/${inbox.id}/survey`, { surveyId: ada.surveyId, csat: 1 }, ada.token)).status).toBe(409);
    expect((await post(`/webchat/${inbox.id}/survey`, { surveyId: ada.surveyId, nps: 10 }, ada.token)).status).toBe(200);
    const bob = await surveyedVisitor();
    expect((await post(`/webchat/${inbox.id}/survey`, { surveyId: bob.surveyId, csat: 3 }, ada.token)).status).toBe(404);
    expect((await post(`/webchat/${inbox.id}/survey`, { surveyId: bob.surveyId, csat: 9 }, bob.token)).status).toBe(400);
    expect((await post(`/webchat/${inbox.id}/survey`, { surveyId: bob.surveyId, csat: 3, nps: 6 }, bob.token)).status).toBe(200);

    const page = await (await fetch(`${base}/metrics`)).text();
    const answers = (kind: string, score: string) => metricCount(page, 'switchboard_survey_answers_total', { channel: 'webchat', kind, score });
    expect([answers('csat', '5'), answers('csat', '1'), answers('nps', '10'), answers('csat', '3'), answers('nps', '6'), answers('csat', '9')]).toEqual([1, 0, 1, 1, 1, 0]);
  });
});
