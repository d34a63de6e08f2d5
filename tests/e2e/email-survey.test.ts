import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseEmail, signSurveyLink, surveyLinkKey, type InboxContext } from '@switchboard/channels';
import { acceptMail } from '@switchboard/ingress-email';
import { listSurveys } from '@switchboard/db';
import { silentLogger } from '@switchboard/log';
import { clearOfWindowEdge, fixtureText, metricCount, startSmtpCapture, waitFor, type SmtpCapture } from '@switchboard/testkit';
import { SURVEY_PAGE_LIMIT_PER_MIN } from '@switchboard/api';
import { ADMIN_TOKEN, apiClient, setUpDesk, startStack, type ApiClient, type Stack } from '../support/stack.ts';

let stack: Stack;
let smtp: SmtpCapture;
let agent: ApiClient;
let inbox: InboxContext;

beforeAll(async () => {
  [stack, smtp] = await Promise.all([startStack(), startSmtpCapture()]);
  const desk = await setUpDesk(stack, { agents: 1, capacity: 5 });
  agent = desk.agents[0]!.client;
  const created = await apiClient(stack.urls.api, ADMIN_TOKEN).post('/api/v1/inboxes', {
    channel: 'email',
    name: 'Support mail',
    defaultQueueId: desk.queueId,
    // no poller runs here: mail is handed to acceptMail as the poller would
    config: { address: 'support@shop.example', imap: { host: '127.0.0.1', port: 1, secure: false, user: 'support' }, smtp: { host: smtp.host, port: smtp.port, secure: false } },
    secrets: { imapPassword: 'unused' },
    survey: { csat: true, nps: true, comment: true, answerWindowHours: 72, csatQuestion: 'Rate <b>our</b> "help" & more' },
  });
  expect(created.status).toBe(201);
  inbox = (await stack.inboxes.get(created.body.id))! as InboxContext;
}, 60_000);
afterAll(async () => {
  await Promise.all([stack?.close(), smtp?.close()]);
});

/** The customer's mail through ingress-email and the router, the conversation assigned, then resolved: the survey mail's links by kind and score. */
async function mailAndResolve(fixture: string, from: string) {
  const outcome = await acceptMail({ pool: stack.pool, producer: stack.producer, logger: silentLogger() }, inbox, Buffer.from(fixtureText(fixture)));
  expect(outcome.kind).toBe('queued');
  const conversation = await waitFor(
    async () => (await stack.pool.query(
      `select c.id from conversations c join contact_identities ci on ci.contact_id = c.contact_id
        where c.inbox_id = $1 and ci.external_id = $2 and c.assignee_id is not null`,
      [inbox.id, from],
    )).rows[0],
    { what: 'the email conversation to be assigned' },
  );
  expect((await agent.post(`/api/v1/conversations/${conversation.id}/resolve`, {})).status).toBe(200);
  const [survey] = await listSurveys(stack.pool, conversation.id);
  const mail = await smtp.waitForMail((m) => m.to.includes(from) && m.raw.includes('/survey/'));
  const parsed = await parseEmail(mail.raw);
  const links = [...parsed.text!.matchAll(/^ {2}(\d+): (\S+)$/gm)].map((m) => ({ score: Number(m[1]), url: m[2]! }));
  return { conversationId: conversation.id as string, surveyId: survey!.id, parsed, csat: links.slice(0, 5), nps: links.slice(5) };
}

/** `switchboard_survey_answers_total` of email on the API's /metrics. */
async function emailAnswers(kind: string, score: number): Promise<number> {
  const page = await (await fetch(`${stack.urls.api}/metrics`)).text();
  return metricCount(page, 'switchboard_survey_answers_total', { channel: 'email', kind, score: String(score) });
}

const form = (url: string, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

describe('an email survey with one-click signed links', () => {
  let first: Awaited<ReturnType<typeof mailAndResolve>>;

  it('mails one link per score to the page on the API host, in both parts', async () => {
    first = await mailAndResolve('email/reply_in_reply_to_references.eml', 'xxxxxxxx@xxx.org');
    expect(first.csat.map((l) => l.score)).toEqual([1, 2, 3, 4, 5]);
    expect(first.nps.map((l) => l.score)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const { url } of [...first.csat, ...first.nps]) {
      expect(url.startsWith(`${stack.urls.api}/survey/`)).toBe(true);
      expect(first.parsed.html).toContain(`href="${url}"`);
    }
    expect(first.parsed.text).toContain('Rate <b>our</b> "help" & more');
    expect(first.parsed.html).toContain('Rate &lt;b&gt;our&lt;/b&gt; &quot;help&quot; &amp; more');
    expect(new Set([...first.csat, ...first.nps].map((l) => l.url)).size).toBe(16);
  });

  it('shows the chosen score on GET without recording it (scanners prefetch links)', async () => {
    const url = first.csat[3]!.url; // CSAT 4
    for (let i = 0; i < 2; i++) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'/);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      const html = await res.text();
      expect(html).toContain('<strong aria-current="true">4</strong>');
      expect(html).toContain('<form method="post">');
      expect(html).toContain('<textarea id="comment" name="comment" maxlength="2000">');
      expect(html).toContain('Rate &lt;b&gt;our&lt;/b&gt; &quot;help&quot; &amp; more');
      expect(html).not.toContain('<b>our</b>');
    }
    expect((await listSurveys(stack.pool, first.conversationId))[0]).toMatchObject({ csat: null, nps: null, status: 'pending' });
  });

  it('records the score and the comment on POST, and refuses a second POST with 409', async () => {
    const url = first.csat[3]!.url;
    const res = await form(url, new URLSearchParams({ comment: '  Quick & <i>kind</i>  ' }).toString());
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Thank you!');
    expect((await listSurveys(stack.pool, first.conversationId))[0]).toMatchObject({
      csat: 4, nps: null, status: 'pending', comment: 'Quick & <i>kind</i>', answeredVia: 'email_link',
    });
    const again = await form(url, '');
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('Already answered');
    // another CSAT link of the same mail: the first answer stands
    expect((await form(first.csat[0]!.url, '')).status).toBe(409);
    expect((await fetch(first.csat[0]!.url)).status).toBe(409);
    expect((await listSurveys(stack.pool, first.conversationId))[0]).toMatchObject({ csat: 4 });
    // counted once, as recorded: not the refused POSTs, not the GETs
    expect([await emailAnswers('csat', 4), await emailAnswers('csat', 1)]).toEqual([1, 0]);
  });

  it('rejects tampered and forged tokens with 400, recording nothing', async () => {
    const url = first.nps[0]!.url;
    const token = url.slice(url.lastIndexOf('/') + 1);
    const [payload, mac] = token.split('.') as [string, string];
    // the payload's last byte is the score: NPS 0 → NPS 10, signature kept
    const bytes = Buffer.from(payload, 'base64url');
    bytes[17] = 10;
    const tampered = `${stack.urls.api}/survey/${bytes.toString('base64url')}.${mac}`;
    const forged = `${stack.urls.api}/survey/${signSurveyLink(surveyLinkKey(randomBytes(32)), { surveyId: first.surveyId, kind: 'nps', score: 10 })}`;
    for (const bad of [tampered, forged, `${stack.urls.api}/survey/not-a-token`]) {
      const get = await fetch(bad);
      expect(get.status).toBe(400);
      expect(await get.text()).toContain('This link is not valid');
      expect((await form(bad, '')).status).toBe(400);
    }
    expect((await listSurveys(stack.pool, first.conversationId))[0]).toMatchObject({ nps: null, status: 'pending' });
  });

  it('refuses an oversized body (413) and a too-long comment (400 naming the field) as HTML pages', async () => {
    const url = first.nps[9]!.url;
    const huge = await form(url, `comment=${'x'.repeat(20_000)}`);
    expect(huge.status).toBe(413);
    expect(huge.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const long = await form(url, `comment=${'x'.repeat(2_001)}`);
    expect(long.status).toBe(400);
    expect(await long.text()).toContain('comment: at most 2000 characters');
    expect((await listSurveys(stack.pool, first.conversationId))[0]).toMatchObject({ nps: null });
  });

  it('completes the survey with the NPS link; the comment already given stays', async () => {
    const res = await form(first.nps[9]!.url, 'comment=second+thoughts');
    expect(res.status).toBe(200);
    expect((await listSurveys(stack.pool, first.conversationId))[0]).toMatchObject({ csat: 4, nps: 9, status: 'answered', comment: 'Quick & <i>kind</i>' });
    expect(await emailAnswers('nps', 9)).toBe(1);
    expect((await fetch(first.nps[10]!.url)).status).toBe(409);
  });

  it('answers 429 with Retry-After once one survey\'s links are requested more than the limit a minute', async () => {
    // the earlier tests spent part of this minute's budget on the same survey, so 429 may come sooner;
    // no minute boundary may pass during the loop, or the count would start again
    await clearOfWindowEdge(60_000, 20_000);
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i <= SURVEY_PAGE_LIMIT_PER_MIN && !limited; i++) {
      const res = await fetch(first.nps[10]!.url);
      statuses.push(res.status);
      if (res.status === 429) limited = res;
      else await res.text();
    }
    expect(limited).toBeDefined();
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited!.headers.get('content-security-policy')).toMatch(/^default-src 'none'/);
    expect(await limited!.text()).toContain('Too many requests');
    expect(statuses.filter((s) => s !== 429).every((s) => s === 409)).toBe(true);
    // the limit is per survey: a forged link is still refused for what it is, not counted
    expect((await fetch(`${stack.urls.api}/survey/not-a-token`)).status).toBe(400);
  });

  it('refuses a late answer with 410 and an unknown survey with 404', async () => {
    const late = await mailAndResolve('email/gmail_reply_with_quote.eml', 'sony@chatwoot.com');
    await stack.pool.query(`update surveys set expires_at = now() - interval '1 minute' where id = $1`, [late.surveyId]);
    const get = await fetch(late.csat[4]!.url);
    expect(get.status).toBe(410);
    expect(await get.text()).toContain('This survey has closed');
    expect((await form(late.csat[4]!.url, '')).status).toBe(410);
    expect((await listSurveys(stack.pool, late.conversationId))[0]).toMatchObject({ csat: null, status: 'expired' });
    await stack.pool.query(`delete from surveys where id = $1`, [late.surveyId]);
    expect((await fetch(late.csat[4]!.url)).status).toBe(404);
    expect((await form(late.csat[4]!.url, '')).status).toBe(404);
  });
});
