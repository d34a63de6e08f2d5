import type { Queryable } from './pool.ts';
import type { SecretBox } from './secret-box.ts';

/** Outbound webhook subscriptions and their delivery log (migration 010). */

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'succeeded', 'failed', 'abandoned'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export interface WebhookSubscription {
  id: string;
  url: string;
  /** null: every event type. */
  eventTypes: string[] | null;
  enabled: boolean;
  failingSince: Date | null;
  lastSuccessAt: Date | null;
  disabledAt: Date | null;
  disabledReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookDelivery {
  id: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  firstAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  responseCode: number | null;
  latencyMs: number | null;
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookAttempt {
  attempt: number;
  startedAt: Date;
  succeeded: boolean;
  responseCode: number | null;
  latencyMs: number | null;
  error: string | null;
}

const SUBSCRIPTION = `id, url, event_types as "eventTypes", enabled, failing_since as "failingSince", last_success_at as "lastSuccessAt",
  disabled_at as "disabledAt", disabled_reason as "disabledReason", created_at as "createdAt", updated_at as "updatedAt"`;

const DELIVERY = `id, subscription_id as "subscriptionId", event_id as "eventId", event_type as "eventType", status, attempts,
  next_attempt_at as "nextAttemptAt", first_attempt_at as "firstAttemptAt", last_attempt_at as "lastAttemptAt",
  response_code as "responseCode", latency_ms as "latencyMs", error, created_at as "createdAt", updated_at as "updatedAt"`;

/** Starts after the newest outbox event: a new subscription gets events from now on, never history. */
export async function createWebhookSubscription(
  db: Queryable,
  box: SecretBox,
  input: { url: string; eventTypes: string[] | null; secret: string; enabled: boolean },
): Promise<WebhookSubscription> {
  const { rows } = await db.query<WebhookSubscription>(
    `insert into webhook_subscriptions(url, event_types, secret, enabled, from_event_id)
     values ($1, $2, $3, $4, (select coalesce(max(id), 0) from events)) returning ${SUBSCRIPTION}`,
    [input.url, input.eventTypes, box.seal(input.secret), input.enabled],
  );
  return rows[0]!;
}

export async function listWebhookSubscriptions(db: Queryable): Promise<WebhookSubscription[]> {
  const { rows } = await db.query<WebhookSubscription>(`select ${SUBSCRIPTION} from webhook_subscriptions order by created_at, id`);
  return rows;
}

export async function getWebhookSubscription(db: Queryable, id: string): Promise<WebhookSubscription | undefined> {
  const { rows } = await db.query<WebhookSubscription>(`select ${SUBSCRIPTION} from webhook_subscriptions where id = $1`, [id]);
  return rows[0];
}

/** Only the given fields change. Enabling clears the failure record, so the endpoint gets a fresh 24 h. */
export async function updateWebhookSubscription(
  db: Queryable,
  id: string,
  patch: { url?: string; eventTypes?: string[] | null; enabled?: boolean },
): Promise<WebhookSubscription | undefined> {
  const { rows } = await db.query<WebhookSubscription>(
    `update webhook_subscriptions set
       url = coalesce($2, url),
       event_types = case when $3 then $4::text[] else event_types end,
       enabled = coalesce($5, enabled),
       failing_since = case when $5 and not enabled then null else failing_since end,
       consecutive_failures = case when $5 and not enabled then 0 else consecutive_failures end,
       disabled_at = case when $5 is null then disabled_at when $5 then null when enabled then now() else disabled_at end,
       disabled_reason = case when $5 is null then disabled_reason when $5 then null when enabled then 'disabled by an admin' else disabled_reason end,
       updated_at = now()
     where id = $1 returning ${SUBSCRIPTION}`,
    [id, patch.url ?? null, patch.eventTypes !== undefined, patch.eventTypes ?? null, patch.enabled ?? null],
  );
  return rows[0];
}

export async function deleteWebhookSubscription(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`delete from webhook_subscriptions where id = $1`, [id]);
  return (rowCount ?? 0) > 0;
}

/** A page of an endpoint's deliveries, newest first; `beforeSeq` is where the previous page ended. */
export async function listWebhookDeliveries(
  db: Queryable,
  subscriptionId: string,
  options: { limit: number; beforeSeq?: string; status?: WebhookDeliveryStatus },
): Promise<{ deliveries: WebhookDelivery[]; nextSeq: string | null }> {
  const { rows } = await db.query<WebhookDelivery & { seq: string }>(
    `select ${DELIVERY}, seq from webhook_deliveries
      where subscription_id = $1 and ($2::bigint is null or seq < $2) and ($3::text is null or status = $3)
      order by seq desc limit $4`,
    [subscriptionId, options.beforeSeq ?? null, options.status ?? null, options.limit + 1],
  );
  const page = rows.slice(0, options.limit);
  const nextSeq = rows.length > options.limit ? page[page.length - 1]!.seq : null;
  return { deliveries: page.map(({ seq: _seq, ...d }) => d), nextSeq };
}

export async function getWebhookDelivery(
  db: Queryable,
  subscriptionId: string,
  id: string,
): Promise<(WebhookDelivery & { body: string; attemptLog: WebhookAttempt[] }) | undefined> {
  const { rows } = await db.query<WebhookDelivery & { body: string }>(
    `select ${DELIVERY}, body from webhook_deliveries where id = $1 and subscription_id = $2`,
    [id, subscriptionId],
  );
  const delivery = rows[0];
  if (!delivery) return undefined;
  const attempts = await db.query<WebhookAttempt>(
    `select attempt, started_at as "startedAt", succeeded, response_code as "responseCode", latency_ms as "latencyMs", error
       from webhook_attempts where delivery_id = $1 order by id`,
    [id],
  );
  return { ...delivery, attemptLog: attempts.rows };
}

/**
 * Schedules a new attempt now, with the same delivery id and body; a failure starts a fresh
 * retry schedule. Undefined when the delivery does not belong to the subscription.
 */
export async function replayWebhookDelivery(db: Queryable, subscriptionId: string, id: string): Promise<WebhookDelivery | undefined> {
  const { rows } = await db.query<WebhookDelivery>(
    `update webhook_deliveries set status = 'pending', next_attempt_at = now(), first_attempt_at = null, updated_at = now()
      where id = $1 and subscription_id = $2 returning ${DELIVERY}`,
    [id, subscriptionId],
  );
  return rows[0];
}
