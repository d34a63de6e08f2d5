import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { getAdapter } from '@switchboard/channels';
import { SurveySettings, type EnabledChannel } from '@switchboard/contracts';
import { createInbox, getInbox, getQueue, listInboxes, setInboxSurveySettings, type Inbox } from '@switchboard/db';
import { notFound } from '@switchboard/errors';
import { requireRole } from '../auth.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { invalidField } from '../error-handler.ts';
import { CreatedInboxDto, EnabledChannel as EnabledChannelSchema, errorResponses, EXAMPLE_IDS, IdParams, InboxDto } from '../schemas.ts';

const CreateInboxBody = z.object({
  channel: EnabledChannelSchema,
  name: z.string().trim().min(1).max(200),
  defaultQueueId: z.uuid().optional().describe('conversations from this inbox wait in this queue'),
  survey: SurveySettings.optional().describe('CSAT/NPS survey after each resolve (buttons on telegram/webchat, signed links by email, a numeric reply elsewhere; docs/surveys.md); omitted: off'),
  config: z.record(z.string(), z.unknown()).optional().describe("non-secret settings, validated by the channel's adapter"),
  secrets: z
    .record(z.string(), z.unknown())
    .optional()
    .describe(
      'telegram: { botToken, webhookSecret? }; webchat: { identitySecret? } (the visitor-token key is generated); whatsapp: { accessToken, appSecret, verifyToken? }; '
        + 'messenger/instagram: { pageAccessToken, appSecret, verifyToken? }; sms: twilio { authToken } or gateway { signingSecret, sendToken? }. Encrypted at rest, never returned',
    ),
}).meta({
  examples: [
    { channel: 'telegram', name: 'Telegram support bot', defaultQueueId: EXAMPLE_IDS.queue, secrets: { botToken: '7012345678:AAH4kX9pQ2mZ7vL1rT8wN3cY6hB0dG5jF2s' } },
    { channel: 'webchat', name: 'Site chat', defaultQueueId: EXAMPLE_IDS.queue, survey: { csat: true, nps: false, comment: true, answerWindowHours: 72 } },
  ],
});

const SurveySettingsBody = z
  .object({ survey: SurveySettings.nullable().describe('null turns surveys off') })
  .meta({ examples: [{ survey: { csat: true, nps: true, comment: false, answerWindowHours: 48 } }, { survey: null }] });

/**
 * Secrets we generate rather than ask for: Telegram's webhook secret and Meta's verify token
 * unless given (shown once in the answer), a web chat's visitor-token key always.
 */
function withGeneratedSecrets(channel: EnabledChannel, given: Record<string, unknown>): Record<string, unknown> {
  if (channel === 'telegram') return { webhookSecret: randomBytes(32).toString('base64url'), ...given };
  if (channel === 'webchat') return { ...given, visitorTokenKey: randomBytes(32).toString('base64') };
  if (META_CHANNELS.has(channel)) return { verifyToken: randomBytes(24).toString('base64url'), ...given };
  return given;
}

const META_CHANNELS = new Set<EnabledChannel>(['whatsapp', 'messenger', 'instagram']);

function parseWith<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  // zod messages describe the rule, never the value, so secrets do not echo back
  const issue = result.error.issues[0]!;
  throw invalidField([field, ...issue.path.map(String)].join('.'), issue.message);
}

function withUrls(urls: ApiDeps['publicUrls'], stored: Inbox): z.output<typeof InboxDto> {
  // stored settings that no longer parse are treated as off, as the resolve path does
  const inbox = { ...stored, survey: SurveySettings.safeParse(stored.survey ?? undefined).data ?? null };
  const base = (url: string) => url.replace(/\/+$/, '');
  if (inbox.channel === 'webchat') return { ...inbox, webchatUrl: `${base(urls.webchatBase)}/webchat/${inbox.id}` };
  const hookBase = webhookBaseOf(urls, inbox.channel);
  return hookBase ? { ...inbox, webhookUrl: `${base(hookBase)}/webhooks/${inbox.channel}/${inbox.id}` } : inbox;
}

function webhookBaseOf(urls: ApiDeps['publicUrls'], channel: string): string | undefined {
  if (channel === 'telegram') return urls.telegramWebhookBase;
  if (channel === 'whatsapp') return urls.whatsappWebhookBase;
  if (channel === 'messenger' || channel === 'instagram') return urls.metaWebhookBase;
  if (channel === 'sms') return urls.smsWebhookBase;
  return undefined;
}

export function registerInboxRoutes(deps: ApiDeps, app: ZodApp): void {
  app.post(
    '/inboxes',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['inboxes'],
        summary: 'Create an inbox (a bot, a web-chat widget); returns its webhook or widget URL',
        body: CreateInboxBody,
        response: { 201: CreatedInboxDto, ...errorResponses(400, 403) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const adapter = getAdapter(body.channel);
      const config = parseWith(adapter.configSchema, body.config ?? {}, 'body.config') as Record<string, unknown>;
      const secrets = parseWith(adapter.secretsSchema, withGeneratedSecrets(body.channel, body.secrets ?? {}), 'body.secrets') as Record<string, unknown>;
      if (body.defaultQueueId && !(await getQueue(deps.pool, body.defaultQueueId))) {
        throw invalidField('body.defaultQueueId', `queue ${body.defaultQueueId} does not exist`);
      }
      const inbox = await createInbox(deps.pool, deps.secretBox, {
        channel: body.channel,
        name: body.name,
        config,
        secrets,
        defaultQueueId: body.defaultQueueId ?? null,
        survey: body.survey ?? null,
      });
      // shown once so the admin can give them to the platform; only the encrypted copy remains
      const webhookSecret = body.channel === 'telegram' ? String(secrets.webhookSecret) : undefined;
      const verifyToken = META_CHANNELS.has(body.channel) ? String(secrets.verifyToken) : undefined;
      return reply.code(201).send({ ...withUrls(deps.publicUrls, inbox), webhookSecret, verifyToken });
    },
  );

  app.get(
    '/inboxes',
    {
      onRequest: requireRole('admin'),
      schema: { tags: ['inboxes'], summary: 'List inboxes (secrets are never returned)', response: { 200: z.array(InboxDto), ...errorResponses(403) } },
    },
    async () => (await listInboxes(deps.pool)).map((inbox) => withUrls(deps.publicUrls, inbox)),
  );

  app.get(
    '/inboxes/:id',
    {
      onRequest: requireRole('admin'),
      schema: { tags: ['inboxes'], summary: 'One inbox', params: IdParams, response: { 200: InboxDto, ...errorResponses(403, 404) } },
    },
    async (request) => {
      const inbox = await getInbox(deps.pool, request.params.id);
      if (!inbox) throw notFound('inbox');
      return withUrls(deps.publicUrls, inbox);
    },
  );

  app.put(
    '/inboxes/:id/survey',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['inboxes'],
        summary: "Set the inbox's CSAT/NPS survey (sent on the customer's channel after each resolve), or turn it off",
        params: IdParams,
        body: SurveySettingsBody,
        response: { 200: InboxDto, ...errorResponses(400, 403, 404) },
      },
    },
    async (request) => {
      if (!(await setInboxSurveySettings(deps.pool, request.params.id, request.body.survey))) throw notFound('inbox');
      return withUrls(deps.publicUrls, (await getInbox(deps.pool, request.params.id))!);
    },
  );
}
