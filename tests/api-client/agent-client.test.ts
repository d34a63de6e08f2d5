import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { waitFor } from '@switchboard/testkit';
import { ADMIN_TOKEN, apiClient, setUpDesk, startStack, type ApiClient, type Stack } from '../support/stack.ts';

const dir = fileURLToPath(new URL('./.generated/', import.meta.url));
const run = promisify(execFile);

// An agent tool written against a client generated from our OpenAPI document: if a route, a
// parameter or a response shape drifts from what the document says, this stops compiling.
const AGENT_SCRIPT = `
import createClient from 'openapi-fetch';
import type { paths } from './api.d.ts';

const client = createClient<paths>({ baseUrl: process.env.API_URL!, headers: { authorization: \`Bearer \${process.env.TOKEN}\` } });

const mine = await client.GET('/api/v1/conversations', { params: { query: { assignee: 'me' } } });
if (!mine.data) throw new Error(\`listing failed: \${JSON.stringify(mine.error)}\`);
const conversation = mine.data.items[0];
if (!conversation) throw new Error('no conversation assigned');

const history = await client.GET('/api/v1/conversations/{id}/messages', { params: { path: { id: conversation.id } } });
const last = history.data?.items.at(-1);
const reply = await client.POST('/api/v1/conversations/{id}/messages', {
  params: { path: { id: conversation.id } },
  body: { text: \`You wrote: \${last?.text ?? ''}\` },
});
if (!reply.data) throw new Error(\`reply failed: \${JSON.stringify(reply.error)}\`);
const resolved = await client.POST('/api/v1/conversations/{id}/resolve', { params: { path: { id: conversation.id } } });
console.log(JSON.stringify({ conversationId: conversation.id, replyId: reply.data.id, status: resolved.data?.status }));
`;

let stack: Stack;
let agentToken: string;
let agent: ApiClient;
let doc: Record<string, any>;

beforeAll(async () => {
  stack = await startStack();
  const desk = await setUpDesk(stack, { agents: 1, capacity: 3 });
  agent = desk.agents[0]!.client;
  agentToken = desk.agents[0]!.token;
  const inbox = await apiClient(stack.urls.api, ADMIN_TOKEN).post('/api/v1/inboxes', { channel: 'webchat', name: 'Site', defaultQueueId: desk.queueId });
  const base = `${stack.urls.webchat}/webchat/${inbox.body.id}`;
  const session = (await (await fetch(`${base}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { token: string };
  await fetch(`${base}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
    body: JSON.stringify({ clientMessageId: 'q1', text: 'Where is my parcel?', name: 'Ada' }),
  });
  await waitFor(async () => (await agent.get('/api/v1/conversations?assignee=me')).body.items.length === 1, { what: 'the conversation to be assigned' });
  doc = (await (await fetch(`${stack.urls.api}/docs/json`)).json()) as Record<string, any>;
  await mkdir(dir, { recursive: true });
});
afterAll(async () => {
  await stack?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with a summary, tags and a documented answer for every operation', () => {
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    );
    expect(operations.length).toBeGreaterThan(40);
    const undocumented = operations.filter(({ op }) => !op.summary || !op.tags?.length || !Object.keys(op.responses ?? {}).some((s) => /^2\d\d$/.test(s)));
    expect(undocumented.map(({ method, path }) => `${method.toUpperCase()} ${path}`)).toEqual([]);

    // an example on the media type, on its schema, on the $ref'd component, or on the items of a list
    const component = (ref: string) => doc.components.schemas[ref.replace('#/components/schemas/', '')];
    const schemaHasExample = (schema: any): boolean =>
      !!schema && (schema.examples?.length > 0 || schema.example !== undefined || (schema.$ref && schemaHasExample(component(schema.$ref))) || (schema.type === 'array' && schemaHasExample(schema.items)));
    const hasExample = (media: any) => media.example !== undefined || Object.keys(media.examples ?? {}).length > 0 || schemaHasExample(media.schema);
    const name = ({ method, path }: { method: string; path: string }) => `${method.toUpperCase()} ${path}`;

    const bodiesWithout = operations.filter(({ op }) => op.requestBody?.content?.['application/json'] && !hasExample(op.requestBody.content['application/json']));
    expect(bodiesWithout.map(name)).toEqual([]);
    const jsonAnswers = (op: any) => Object.entries(op.responses as Record<string, any>).filter(([status, r]) => /^2\d\d$/.test(status) && r.content?.['application/json']);
    // 204s have no body; these two send raw bytes and an event stream
    const RAW = ['GET /api/v1/conversations/{id}/attachments/{key}', 'GET /api/v1/events'];
    const NO_CONTENT = [
      'DELETE /api/v1/tokens/{id}', 'PUT /api/v1/agents/{id}/password', 'DELETE /api/v1/agents/{id}/password', 'DELETE /api/v1/routing-rules/{id}',
      'DELETE /api/v1/business-hours/{id}', 'DELETE /api/v1/sla-policies/{id}', 'DELETE /api/v1/webhooks/{id}', 'DELETE /api/v1/canned-responses/{id}',
      'DELETE /api/v1/contacts/{id}',
      'DELETE /api/v1/dead-letters/{queue}/{jobId}',
    ];
    expect(operations.filter(({ op }) => jsonAnswers(op).length === 0).map(name).sort()).toEqual([...NO_CONTENT].sort());
    const answersWithout = operations
      .filter((o) => !RAW.includes(name(o)))
      .flatMap((o) => jsonAnswers(o.op).filter(([, r]) => !hasExample(r.content['application/json'])).map(([status]) => `${name(o)} ${status}`));
    expect(answersWithout).toEqual([]);
    expect(schemaHasExample(doc.components.schemas.Conversation)).toBe(true);
    // dates in examples are sent as ISO 8601, like the answers
    expect(doc.components.schemas.Conversation.examples[0].createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    // idempotency.ts covers every POST of the authenticated scope; the login is outside it
    const posts = operations.filter(({ method, path }) => method === 'post' && path !== '/api/v1/auth/login');
    expect(posts.length).toBeGreaterThan(20);
    const withoutKey = posts.filter(({ op }) => !(op.parameters ?? []).some((p: any) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key'));
    expect(withoutKey.map(name)).toEqual([]);
    // rate-limit.ts answers 429 with Retry-After on every authenticated route; the event stream has its own scope
    const limited = operations.filter((o) => name(o) !== 'GET /api/v1/events');
    const without429 = limited.filter(({ op }) => !op.responses['429']?.headers?.['retry-after']);
    expect(without429.map(name)).toEqual([]);
  });

  it('generates a typed client that an agent script compiles against and works with', async () => {
    await writeFile(`${dir}api.d.ts`, astToString(await openapiTS(doc as never)));
    await writeFile(`${dir}agent.ts`, AGENT_SCRIPT);
    const program = ts.createProgram([`${dir}agent.ts`], {
      strict: true, noEmit: true, target: ts.ScriptTarget.ES2023, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
      allowImportingTsExtensions: true, skipLibCheck: true, types: ['node'],
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);

    const { stdout } = await run(process.execPath, [`${dir}agent.ts`], { env: { ...process.env, API_URL: stack.urls.api, TOKEN: agentToken } });
    const result = JSON.parse(stdout.trim()) as { conversationId: string; replyId: string; status: string };
    expect(result.status).toBe('resolved');
    const messages = (await agent.get(`/api/v1/conversations/${result.conversationId}/messages`)).body.items as { id: string; text: string }[];
    expect(messages.find((m) => m.id === result.replyId)?.text).toBe('You wrote: Where is my parcel?');
  });
});
