import { appendEvent, withTransaction, type Pool, type Queryable } from '@switchboard/db';

/** The worker's SQL: claiming due deliveries and recording what an attempt did. */

export interface ClaimedDelivery {
  id: string;
  subscriptionId: string;
  eventType: string;
  body: string;
  /** This attempt's number, from 1. */
  attempt: number;
  url: string;
  sealedSecret: Buffer;
}

/**
 * Takes up to `limit` due deliveries of enabled endpoints and leases them: `next_attempt_at`
 * moves to the end of the lease, so a replica that dies mid-send leaves a delivery that comes
 * due again instead of one that is stuck. SKIP LOCKED: replicas never wait for each other or
 * take the same row.
 */
export async function claimDueDeliveries(db: Queryable, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  const { rows } = await db.query<ClaimedDelivery>(
    `with due as (
       select d.id from webhook_deliveries d join webhook_subscriptions s on s.id = d.subscription_id and s.enabled
        where d.status in ('pending', 'failed') and d.next_attempt_at <= now()
        order by d.next_attempt_at limit $1
        for update of d skip locked
     )
     update webhook_deliveries d
        set attempts = d.attempts + 1, next_attempt_at = now() + $2 * interval '1 millisecond',
            first_attempt_at = coalesce(d.first_attempt_at, now()), last_attempt_at = now(), updated_at = now()
       from due, webhook_subscriptions s
      where d.id = due.id and s.id = d.subscription_id
      returning d.id, d.subscription_id as "subscriptionId", d.event_type as "eventType", d.body, d.attempts as attempt,
                s.url, s.secret as "sealedSecret"`,
    [limit, leaseMs],
  );
  return rows;
}

export interface AttemptOutcome {
  startedAt: Date;
  succeeded: boolean;
  responseCode: number | null;
  latencyMs: number;
  error: string | null;
}

export interface RecordOptions {
  /** The wait before the next attempt, should this one have failed. */
  retryDelayMs: number;
  retryWindowMs: number;
  /** An endpoint whose every attempt has failed for this long is disabled. */
  disableAfterMs: number;
}

/**
 * Logs the attempt and moves the delivery on: succeeded, failed with a next attempt, or
 * abandoned once the next attempt would fall outside the retry window. A stale result (the
 * lease ran out and another attempt was claimed) is logged but changes nothing else. A failure
 * that makes the endpoint fail for `disableAfterMs` disables it and tells admins, in the same
 * transaction. Returns whether this disabled the endpoint.
 */
export async function recordAttempt(pool: Pool, delivery: ClaimedDelivery, outcome: AttemptOutcome, options: RecordOptions): Promise<{ disabled: boolean }> {
  return withTransaction(pool, async (tx) => {
    await tx.query(
      `insert into webhook_attempts(delivery_id, attempt, started_at, succeeded, response_code, latency_ms, error) values ($1, $2, $3, $4, $5, $6, $7)`,
      [delivery.id, delivery.attempt, outcome.startedAt, outcome.succeeded, outcome.responseCode, outcome.latencyMs, outcome.error],
    );
    const updated = await tx.query<{ status: string }>(
      `update webhook_deliveries set
         status = case when $3 then 'succeeded'
                       when now() + $4 * interval '1 millisecond' > first_attempt_at + $5 * interval '1 millisecond' then 'abandoned'
                       else 'failed' end,
         next_attempt_at = case when $3 then null
                                when now() + $4 * interval '1 millisecond' > first_attempt_at + $5 * interval '1 millisecond' then null
                                else now() + $4 * interval '1 millisecond' end,
         response_code = $6, latency_ms = $7, error = $8, updated_at = now()
       where id = $1 and attempts = $2 and status in ('pending', 'failed')
       returning status`,
      [delivery.id, delivery.attempt, outcome.succeeded, options.retryDelayMs, options.retryWindowMs, outcome.responseCode, outcome.latencyMs, outcome.error],
    );
    if (!updated.rowCount) return { disabled: false };
    if (outcome.succeeded) {
      await tx.query(
        `update webhook_subscriptions set failing_since = null, consecutive_failures = 0, last_success_at = now() where id = $1`,
        [delivery.subscriptionId],
      );
      return { disabled: false };
    }
    const abandoned = updated.rows[0]!.status === 'abandoned' ? 1 : 0;
    const { rows } = await tx.query<{ url: string; failingSince: Date; disabled: boolean }>(
      `update webhook_subscriptions set
         failing_since = coalesce(failing_since, $2),
         consecutive_failures = consecutive_failures + $3,
         enabled = enabled and coalesce(failing_since, $2) > now() - $4 * interval '1 millisecond',
         disabled_at = case when enabled and coalesce(failing_since, $2) <= now() - $4 * interval '1 millisecond' then now() else disabled_at end,
         disabled_reason = case when enabled and coalesce(failing_since, $2) <= now() - $4 * interval '1 millisecond'
                                then 'every delivery failed for ' || ($4 / 1000)::text || ' s' else disabled_reason end,
         updated_at = now()
       where id = $1
       returning url, failing_since as "failingSince",
                 (enabled is false and disabled_at = now() and disabled_reason like 'every delivery failed%') as disabled`,
      [delivery.subscriptionId, outcome.startedAt, abandoned, options.disableAfterMs],
    );
    const row = rows[0];
    if (!row?.disabled) return { disabled: false };
    await appendEvent(tx, {
      type: 'webhook.disabled',
      payload: { webhookId: delivery.subscriptionId, url: row.url, failingSince: row.failingSince.toISOString(), reason: 'sustained_failure' },
    });
    return { disabled: true };
  });
}
