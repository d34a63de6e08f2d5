-- Issue 7: named, expiring API tokens; password login; Idempotency-Key replays; the audit log.

alter table api_tokens
  add column name text not null default 'default',
  -- 'api': created by an agent or an admin; 'login': issued by POST /auth/login, always expiring
  add column kind text not null default 'api' check (kind in ('api', 'login')),
  add column expires_at timestamptz;
create index api_tokens_agent on api_tokens(agent_id, created_at);

-- argon2id PHC string ($argon2id$v=19$m=...); null: the agent cannot log in with a password
alter table agents add column password_hash text;

-- One row per (caller, method + route, key): the first request's answer, replayed to retries.
-- status is null while the first request runs; locked_until lets a crashed owner's claim lapse.
create table idempotency_keys (
  principal text not null,
  route text not null,
  key text not null,
  fingerprint bytea not null,
  status int,
  content_type text,
  -- sealed with SWITCHBOARD_SECRET_KEY: some answers carry secrets (a new token, an inbox's verify token)
  body bytea,
  locked_until timestamptz not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (principal, route, key)
);
create index idempotency_keys_expiry on idempotency_keys(expires_at);

-- Who did what to what, when. No foreign keys: the history outlives deleted agents and targets.
create table audit_log (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  actor_agent_id uuid,
  actor_role text not null,
  action text not null,
  target_type text not null,
  target_id text,
  summary text not null,
  details jsonb not null default '{}'
);
create index audit_log_at on audit_log(at desc, id desc);
create index audit_log_target on audit_log(target_type, target_id, id desc);
create index audit_log_actor on audit_log(actor_agent_id, id desc);
