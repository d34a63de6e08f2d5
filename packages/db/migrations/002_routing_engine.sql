-- Routing engine (ROUTING.md): offers, steps, skills, presence, weighted capacity, SLA, business hours.

create table business_hours (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  time_zone text not null,
  -- {"mon":[["09:00","17:00"]], ...}; a day missing or [] is closed
  weekly jsonb not null default '{}',
  -- ["2026-12-25", ...] dates (in time_zone) that are closed all day
  holidays jsonb not null default '[]',
  created_at timestamptz not null default now()
);

create table sla_policies (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  first_response_s int check (first_response_s > 0),
  next_response_s int check (next_response_s > 0),
  resolution_s int check (resolution_s > 0),
  business_hours_only boolean not null default false,
  -- on breach, raise the conversation's priority by this much (0: leave it)
  breach_priority_boost int not null default 0,
  pause_when_pending boolean not null default true,
  created_at timestamptz not null default now()
);

alter table queues drop constraint queues_strategy_check;
alter table queues
  add constraint queues_strategy_check check (strategy in ('least_load', 'round_robin', 'longest_idle', 'most_skilled', 'manual')),
  -- ratio: share of capacity in use; absolute: free slots (Zendesk's documented variant)
  add column load_mode text not null default 'ratio' check (load_mode in ('ratio', 'absolute')),
  add column auto_accept boolean not null default true,
  add column offer_timeout_s int not null default 30 check (offer_timeout_s > 0),
  add column max_offer_attempts int not null default 3 check (max_offer_attempts > 0),
  add column max_misses int not null default 3 check (max_misses > 0),
  add column max_queue_size int check (max_queue_size > 0),
  add column max_wait_s int check (max_wait_s > 0),
  add column max_wait_action text not null default 'close' check (max_wait_action in ('close', 'overflow')),
  add column overflow_queue_id uuid references queues(id),
  add column overflow_when_no_agents boolean not null default false,
  add column business_hours_id uuid references business_hours(id),
  add column sla_policy_id uuid references sla_policies(id),
  add column offline_policy text not null default 'keep' check (offline_policy in ('keep', 'requeue_after_grace', 'requeue_if_unanswered')),
  add column offline_grace_s int not null default 60 check (offline_grace_s >= 0),
  add column sticky boolean not null default true,
  add column sticky_wait_s int not null default 0 check (sticky_wait_s >= 0),
  add column fairness_burst int not null default 1 check (fairness_burst > 0),
  add column release_on_pending boolean not null default false,
  add column after_hours_message text,
  add column queue_full_message text,
  add column abandoned_message text;

alter table queue_members
  add column ring int not null default 1 check (ring >= 1);

create table routing_steps (
  queue_id uuid not null references queues(id) on delete cascade,
  step_no int not null check (step_no >= 1),
  -- [{"skill": "es", "min": 3}]
  required_skills jsonb not null default '[]',
  ring_max int,
  timeout_s int check (timeout_s > 0),
  skip_if_no_agents boolean not null default false,
  primary key (queue_id, step_no)
);

create table skills (
  id uuid primary key default gen_random_uuid(),
  name text not null unique
);

create table agent_skills (
  agent_id uuid not null references agents(id) on delete cascade,
  skill_id uuid not null references skills(id) on delete cascade,
  proficiency int not null check (proficiency between 1 and 5),
  primary key (agent_id, skill_id)
);

alter table agent_presence drop constraint agent_presence_status_check;
alter table agent_presence
  add constraint agent_presence_status_check check (status in ('online', 'away', 'transfer_only', 'offline')),
  add column last_heartbeat_at timestamptz,
  -- set when the agent went offline (or lost heartbeats): held work follows the queue's policy after it
  add column offline_since timestamptz,
  add column consecutive_misses int not null default 0;

-- capacity pools: one row per channel, or one row with channel '*' holding weighted units
alter table agent_load drop constraint agent_load_within_capacity;
alter table agent_load
  add column pending_offers int not null default 0 check (pending_offers >= 0),
  add column last_offer_at timestamptz,
  -- slots taken by forced assignments beyond capacity; never more than the current excess
  add column forced int not null default 0 check (forced >= 0),
  add constraint agent_load_within_capacity check (active + pending_offers <= capacity + forced);

-- the cost of one conversation per channel when the agent uses weighted units (pool '*')
create table agent_channel_costs (
  agent_id uuid not null references agents(id) on delete cascade,
  channel text not null,
  cost int not null check (cost > 0),
  primary key (agent_id, channel)
);

alter table conversations drop constraint conversations_routing_state_check;
alter table conversations drop constraint assigned_has_assignee;
alter table conversations
  add constraint conversations_routing_state_check check (routing_state in ('unrouted', 'queued', 'offered', 'assigned', 'closed')),
  add constraint assigned_has_assignee check ((routing_state = 'assigned') = (assignee_id is not null)),
  add column step_no int not null default 1,
  add column step_started_at timestamptz,
  add column age_adjust_s int not null default 0,
  add column required_skills jsonb not null default '[]',
  add column sticky_agent_id uuid references agents(id),
  add column offer_attempts int not null default 0,
  add column overflow_depth int not null default 0,
  -- the capacity pool and cost this conversation holds (or its pending offer reserves)
  add column load_pool text,
  add column load_cost int,
  add column held_offline_since timestamptz,
  add column first_inbound_at timestamptz,
  add column first_agent_reply_at timestamptz,
  add column last_inbound_at timestamptz,
  add column last_agent_reply_at timestamptz,
  add column snoozed_until timestamptz,
  add column close_reason text;

drop index conversations_waiting;
create index conversations_waiting on conversations(queue_id, priority desc, enqueued_at) where routing_state = 'queued';

create table offers (
  id uuid primary key default gen_random_uuid(),
  conversation_id uuid not null references conversations(id) on delete cascade,
  agent_id uuid not null references agents(id) on delete cascade,
  queue_id uuid references queues(id),
  load_pool text not null,
  load_cost int not null,
  status text not null default 'pending' check (status in ('pending', 'accepted', 'rejected', 'expired', 'rescinded', 'canceled')),
  attempt int not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  decided_at timestamptz,
  reason text
);
-- one pending offer per conversation: a second dispatcher cannot offer it again
create unique index offers_one_pending on offers(conversation_id) where status = 'pending';
create index offers_pending_expiry on offers(expires_at) where status = 'pending';
create index offers_agent_pending on offers(agent_id) where status = 'pending';

create table offer_exclusions (
  conversation_id uuid not null references conversations(id) on delete cascade,
  agent_id uuid not null references agents(id) on delete cascade,
  created_at timestamptz not null,
  primary key (conversation_id, agent_id)
);

create table sla_timers (
  id bigserial primary key,
  conversation_id uuid not null references conversations(id) on delete cascade,
  kind text not null check (kind in ('frt', 'nrt', 'rt')),
  anchor_message_id uuid,
  started_at timestamptz not null,
  due_at timestamptz,
  paused_at timestamptz,
  met_at timestamptz,
  breached_at timestamptz,
  unique nulls not distinct (conversation_id, kind, anchor_message_id)
);
create index sla_timers_due on sla_timers(due_at) where met_at is null and breached_at is null;

create table routing_rules (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  -- lower runs first; the first matching rule decides
  position int not null default 100,
  -- {"channel":"telegram","inboxId":"...","language":"es","keywords":["refund"],"contactAttributes":{"vip":true}}
  match jsonb not null default '{}',
  queue_id uuid not null references queues(id),
  priority int not null default 0,
  required_skills jsonb not null default '[]',
  age_adjust_s int not null default 0,
  enabled boolean not null default true,
  created_at timestamptz not null default now()
);

-- why a conversation went where it went: candidates, strategy, scores
create table routing_decisions (
  id bigserial primary key,
  conversation_id uuid not null references conversations(id) on delete cascade,
  created_at timestamptz not null,
  kind text not null,
  payload jsonb not null
);
create index routing_decisions_conversation on routing_decisions(conversation_id, id);
