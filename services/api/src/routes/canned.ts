import { z } from 'zod';
import { getAgent, getConversation, type Conversation } from '@switchboard/db';
import { conflict, notFound } from '@switchboard/errors';
import { principalOf, requireRole } from '../auth.ts';
import { deleteRow, getRow, insertRow, listRows, updateRow, type Table } from '../crud-sql.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { invalidField } from '../error-handler.ts';
import { errorResponses, EXAMPLE_IDS, exampleAt, IdParams } from '../schemas.ts';
import { isUniqueViolation } from '../sql.ts';

/** The variables a canned response may use; each resolves to plain text (empty when unknown). */
export const CANNED_VARIABLES = ['contact.name', 'contact.email', 'agent.name', 'conversation.id'] as const;
type Variable = (typeof CANNED_VARIABLES)[number];
const KNOWN = new Set<string>(CANNED_VARIABLES);
/** `{{ name }}`; anything else between braces is text. */
const VARIABLE = /\{\{\s*([^{}]*?)\s*\}\}/g;

const CANNED: Table = {
  name: 'canned_responses',
  columns: { shortcode: 'shortcode', text: 'text', createdBy: 'created_by', updatedAt: 'updated_at' },
  orderBy: 'shortcode',
};

const CannedDto = z
  .object({ id: z.uuid(), shortcode: z.string(), text: z.string(), createdBy: z.uuid().nullable(), createdAt: z.date(), updatedAt: z.date() })
  .meta({
    id: 'CannedResponse',
    examples: [
      {
        id: EXAMPLE_IDS.canned,
        shortcode: 'tracking',
        text: 'Здравствуйте, {{contact.name}}! Ваш заказ уже в пути. С уважением, {{agent.name}}.',
        createdBy: EXAMPLE_IDS.supervisor,
        createdAt: exampleAt('08:00:00'),
        updatedAt: exampleAt('08:00:00'),
      },
    ],
  });
type Canned = z.infer<typeof CannedDto>;

const Shortcode = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,49}$/, 'lowercase letters, digits, _ and -, up to 50').describe('what an agent types after / to find it');
const CannedText = z.string().min(1).max(4096).describe(`plain text; variables: ${CANNED_VARIABLES.map((v) => `{{${v}}}`).join(', ')}`);
const CannedBody = z
  .object({ shortcode: Shortcode, text: CannedText })
  .meta({ examples: [{ shortcode: 'tracking', text: 'Здравствуйте, {{contact.name}}! Ваш заказ уже в пути. С уважением, {{agent.name}}.' }] });
const CannedPatch = CannedBody.partial().meta({ examples: [{ text: 'Hello {{contact.name}}, your order is on its way. Best regards, {{agent.name}}' }] });
const RenderParams = z.object({ id: z.uuid(), cannedId: z.uuid() });
const RenderedDto = z.object({
  text: z.string(),
  missing: z.array(z.enum(CANNED_VARIABLES)).describe('variables with no value for this conversation, rendered empty'),
}).meta({ examples: [{ text: 'Здравствуйте, Анна Смирнова! Ваш заказ уже в пути. С уважением, Olga Petrova.', missing: [] }] });

/** 400 naming the first variable nobody can fill, before the response is stored. */
function assertKnownVariables(text: string | undefined): void {
  for (const [, name] of text?.matchAll(VARIABLE) ?? []) {
    if (!KNOWN.has(name!)) throw invalidField('body.text', `unknown variable {{${name}}}; use ${CANNED_VARIABLES.map((v) => `{{${v}}}`).join(', ')}`);
  }
}

/** Plain substitution: values are inserted as text, never evaluated, and not re-scanned for variables. */
export function renderCanned(text: string, values: Record<Variable, string | null>): { text: string; missing: Variable[] } {
  const missing = new Set<Variable>();
  const rendered = text.replace(VARIABLE, (whole, name: string) => {
    if (!KNOWN.has(name)) return whole;
    const value = values[name as Variable];
    if (!value) missing.add(name as Variable);
    return value ?? '';
  });
  return { text: rendered, missing: [...missing] };
}

function takenOr(error: unknown, shortcode: string | undefined): never {
  if (isUniqueViolation(error, 'canned_responses_shortcode_key')) throw conflict('canned_shortcode_taken', `a canned response /${shortcode} already exists`);
  throw error;
}

/** Canned responses: supervisors and admins write them, every agent reads and renders them. */
export function registerCannedRoutes(deps: ApiDeps, app: ZodApp): void {
  app.post(
    '/canned-responses',
    {
      onRequest: requireRole('supervisor'),
      schema: { tags: ['canned'], summary: 'Create a canned response', body: CannedBody, response: { 201: CannedDto, ...errorResponses(400, 403, 409) } },
    },
    async (request, reply) => {
      assertKnownVariables(request.body.text);
      const row = await insertRow<Canned>(deps.pool, CANNED, { ...request.body, createdBy: principalOf(request).agentId }).catch((e) => takenOr(e, request.body.shortcode));
      return reply.code(201).send(row);
    },
  );

  app.get(
    '/canned-responses',
    { schema: { tags: ['canned'], summary: 'All canned responses, by shortcode', response: { 200: z.array(CannedDto) } } },
    async () => listRows<Canned>(deps.pool, CANNED),
  );

  app.get(
    '/canned-responses/:id',
    { schema: { tags: ['canned'], summary: 'One canned response', params: IdParams, response: { 200: CannedDto, ...errorResponses(404) } } },
    async (request) => {
      const row = await getRow<Canned>(deps.pool, CANNED, request.params.id);
      if (!row) throw notFound('canned response');
      return row;
    },
  );

  app.patch(
    '/canned-responses/:id',
    {
      onRequest: requireRole('supervisor'),
      schema: { tags: ['canned'], summary: 'Change a canned response', params: IdParams, body: CannedPatch, response: { 200: CannedDto, ...errorResponses(400, 403, 404, 409) } },
    },
    async (request) => {
      assertKnownVariables(request.body.text);
      const patch = { ...request.body, updatedAt: new Date() };
      const row = await updateRow<Canned>(deps.pool, CANNED, request.params.id, patch).catch((e) => takenOr(e, request.body.shortcode));
      if (!row) throw notFound('canned response');
      return row;
    },
  );

  app.delete(
    '/canned-responses/:id',
    {
      onRequest: requireRole('supervisor'),
      schema: { tags: ['canned'], summary: 'Delete a canned response', params: IdParams, response: { 204: z.null(), ...errorResponses(403, 404) } },
    },
    async (request, reply) => {
      if (!(await deleteRow(deps.pool, CANNED, request.params.id))) throw notFound('canned response');
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/conversations/:id/canned/:cannedId/render',
    {
      schema: {
        tags: ['canned'],
        summary: "Fill a canned response's variables for a conversation you may see; send the text as a reply yourself",
        params: RenderParams,
        response: { 200: RenderedDto, ...errorResponses(404) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const conversation: Conversation | undefined = await getConversation(deps.pool, request.params.id, principal);
      if (!conversation) throw notFound('conversation');
      const canned = await getRow<Canned>(deps.pool, CANNED, request.params.cannedId);
      if (!canned) throw notFound('canned response');
      const agent = principal.agentId ? await getAgent(deps.pool, principal.agentId) : undefined;
      return renderCanned(canned.text, {
        'contact.name': conversation.contact.name,
        'contact.email': conversation.contact.email,
        'agent.name': agent?.name ?? null,
        'conversation.id': conversation.id,
      });
    },
  );
}
