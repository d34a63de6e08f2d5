-- Switchboard initial schema. PostgreSQL is the only source of truth; Redis carries jobs only.

create table queues (
  id uuid primary key default gen_random_uuid(),
  name text not null unique,
  strategy text not null default 'least_load' check (strategy in ('least_load')),
  created_at timestamptz not null default now()
);

create table inboxes (
  id uuid primary key default gen_random_uuid(),
  channel text not null,
  name text not null,
  -- non-secret settings (mode, api root, allowed origins)
  config jsonb not null default '{}',
  -- secret settings (bot token, webhook secret), AES-256-GCM with SWITCHBOARD_SECRET_KEY
  secrets bytea,
  default_queue_id uuid references queues(id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table agents (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  email text unique,
  role text not null default 'agent' check (role in ('agent', 'supervisor', 'admin')),
  created_at timestamptz not null default now()
);

create table api_tokens (
  id uuid primary key default gen_random_uuid(),
  agent_id uuid not null references agents(id) on delete cascade,
  -- sha256 of the token; the token itself is shown once and never stored
  token_hash bytea not null unique,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

create table queue_members (
  queue_id uuid not null references queues(id) on delete cascade,
  agent_id uuid not null references agents(id) on delete cascade,
  primary key (queue_id, agent_id)
);
create index queue_members_agent on queue_members(agent_id);

create table agent_presence (
  agent_id uuid primary key references agents(id) on delete cascade,
  status text not null default 'offline' check (status in ('online', 'away', 'offline')),
  status_since timestamptz not null default now()
);

-- capacity and live load per channel; the row is locked by the conditional UPDATE that claims capacity
create table agent_load (
  agent_id uuid not null references agents(id) on delete cascade,
  channel text not null,
  capacity int not null check (capacity >= 0),
  active int not null default 0 check (active >= 0),
  last_assigned_at timestamptz,
  primary key (agent_id, channel),
  constraint agent_load_within_capacity check (active <= capacity)
);

create table contacts (
  id uuid primary key default gen_random_uuid(),
  name text,
  email text,
  phone text,
  attributes jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table contact_identities (
  id uuid primary key default gen_random_uuid(),
  contact_id uuid not null references contacts(id) on delete cascade,
  inbox_id uuid not null references inboxes(id) on delete cascade,
  channel text not null,
  external_id text not null,
  username text,
  -- set when the platform told us we can no longer write to them (bot blocked, STOP)
  unreachable_at timestamptz,
  created_at timestamptz not null default now(),
  unique (inbox_id, external_id)
);

create table conversations (
  id uuid primary key default gen_random_uuid(),
  inbox_id uuid not null references inboxes(id),
  contact_id uuid not null references contacts(id),
  channel text not null,
  -- the platform's thread (Telegram chat id, web-chat visitor, email thread root)
  thread_key text not null,
  status text not null default 'open' check (status in ('open', 'pending', 'snoozed', 'resolved')),
  routing_state text not null default 'queued' check (routing_state in ('unrouted', 'queued', 'assigned', 'closed')),
  queue_id uuid references queues(id),
  priority int not null default 0,
  enqueued_at timestamptz,
  assignee_id uuid references agents(id),
  last_seq bigint not null default 0,
  last_message_at timestamptz,
  version int not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  resolved_at timestamptz,
  constraint assigned_has_assignee check ((routing_state = 'assigned') = (assignee_id is not null))
);
-- one live conversation per thread: a burst of first messages cannot open two
create unique index conversations_one_live_per_thread
  on conversations(inbox_id, thread_key) where status <> 'resolved';
create index conversations_thread on conversations(inbox_id, thread_key, created_at desc);
create index conversations_waiting on conversations(queue_id, priority desc, enqueued_at) where routing_state = 'queued';
create index conversations_assignee on conversations(assignee_id) where assignee_id is not null;

create table messages (
  id uuid primary key default gen_random_uuid(),
  conversation_id uuid not null references conversations(id) on delete cascade,
  inbox_id uuid not null references inboxes(id),
  seq bigint not null,
  direction text not null check (direction in ('in', 'out')),
  author_agent_id uuid references agents(id),
  author_contact_id uuid references contacts(id),
  is_private boolean not null default false,
  text text,
  html text,
  attachments jsonb not null default '[]',
  -- the platform's id; unique per inbox, so a redelivered webhook stores one message
  external_id text,
  reply_to_external_id text,
  status text not null check (status in ('received', 'stored', 'queued', 'sending', 'sent', 'delivered', 'read', 'failed')),
  error_code text,
  error_message text,
  attempts int not null default 0,
  idempotency_key text,
  sent_at timestamptz,
  edited_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  raw jsonb,
  unique (conversation_id, seq),
  unique (inbox_id, external_id),
  unique (conversation_id, idempotency_key)
);
create index messages_outbound_pending on messages(created_at) where direction = 'out' and status in ('queued', 'sending');

create table assignments (
  id bigserial primary key,
  conversation_id uuid not null references conversations(id) on delete cascade,
  agent_id uuid not null references agents(id),
  started_at timestamptz not null default now(),
  ended_at timestamptz,
  reason text not null
);
create index assignments_open on assignments(conversation_id) where ended_at is null;

-- transactional outbox: written in the same transaction as the change, announced with NOTIFY on commit
create table events (
  id bigserial primary key,
  type text not null,
  conversation_id uuid,
  agent_id uuid,
  payload jsonb not null default '{}',
  created_at timestamptz not null default now()
);
create index events_conversation on events(conversation_id, id);

-- verified webhooks we could not parse: kept for inspection and replay, never lost
create table inbound_rejected (
  id bigserial primary key,
  inbox_id uuid,
  channel text not null,
  reason text not null,
  headers jsonb not null default '{}',
  body text not null,
  created_at timestamptz not null default now()
);
