-- Outbound webhooks: admin subscriptions, one delivery per (subscription, outbox event), and
-- every attempt logged. PostgreSQL holds the schedule (next_attempt_at), so a restarted egress
-- loses nothing; replicas claim due rows with FOR UPDATE SKIP LOCKED.

create table webhook_subscriptions (
  id uuid primary key default gen_random_uuid(),
  url text not null,
  -- null: every event type
  event_types text[],
  -- the signing secret, sealed with the SecretBox like inbox secrets
  secret bytea not null,
  enabled boolean not null default true,
  -- events up to this id existed before the subscription and are never delivered to it
  from_event_id bigint not null default 0,
  -- first failed attempt since the last success; reset by a success or by re-enabling
  failing_since timestamptz,
  consecutive_failures int not null default 0,
  last_success_at timestamptz,
  disabled_at timestamptz,
  disabled_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table webhook_deliveries (
  id uuid primary key default gen_random_uuid(),
  -- paging order of the delivery log
  seq bigint generated always as identity,
  subscription_id uuid not null references webhook_subscriptions(id) on delete cascade,
  event_id bigint not null,
  event_type text not null,
  -- the exact JSON body sent, so a retry or replay signs and sends the same bytes
  body text not null,
  -- pending: not tried yet (or replayed); failed: the last attempt failed and another is scheduled
  status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed', 'abandoned')),
  attempts int not null default 0,
  -- when due; while an attempt is in flight, the end of its lease
  next_attempt_at timestamptz,
  first_attempt_at timestamptz,
  last_attempt_at timestamptz,
  response_code int,
  latency_ms int,
  error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint webhook_deliveries_once unique (subscription_id, event_id)
);
create index webhook_deliveries_due on webhook_deliveries(next_attempt_at) where status in ('pending', 'failed');
create index webhook_deliveries_log on webhook_deliveries(subscription_id, seq desc);

create table webhook_attempts (
  id bigserial primary key,
  delivery_id uuid not null references webhook_deliveries(id) on delete cascade,
  attempt int not null,
  started_at timestamptz not null,
  succeeded boolean not null,
  response_code int,
  latency_ms int,
  error text
);
create index webhook_attempts_delivery on webhook_attempts(delivery_id, id);

-- the fan-out's position in the outbox: one row, locked by whichever egress replica fans out
create table webhook_fanout_cursor (
  name text primary key,
  last_event_id bigint not null
);
insert into webhook_fanout_cursor(name, last_event_id) select 'default', coalesce(max(id), 0) from events;
