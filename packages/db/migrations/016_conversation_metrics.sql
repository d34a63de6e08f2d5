-- Per-conversation metrics (docs/reports.md), written in the resolve transaction so reports
-- never read the pruned events table. Durations are seconds; *_business_s count only the open
-- time of the queue's business hours and are null when the queue has none.
create table conversation_metrics (
  conversation_id uuid primary key references conversations(id) on delete cascade,
  channel text not null,
  inbox_id uuid not null references inboxes(id),
  queue_id uuid references queues(id) on delete set null,
  last_agent_id uuid references agents(id) on delete set null,
  created_at timestamptz not null,
  first_resolved_at timestamptz not null,
  resolved_at timestamptz not null,
  -- every resolve instant, oldest first: the only record of earlier resolutions once reopened
  resolutions timestamptz[] not null,
  customer_messages int not null,
  agent_replies int not null,
  reassignments int not null,
  first_response_s double precision,
  first_response_business_s double precision,
  next_responses_s double precision[] not null default '{}',
  next_responses_business_s double precision[],
  first_resolution_s double precision not null,
  first_resolution_business_s double precision,
  resolution_s double precision not null,
  resolution_business_s double precision,
  queue_wait_s double precision not null,
  queue_wait_business_s double precision,
  updated_at timestamptz not null
);
create index conversation_metrics_resolved on conversation_metrics(resolved_at);
create index conversation_metrics_queue on conversation_metrics(queue_id, resolved_at);
create index conversation_metrics_agent on conversation_metrics(last_agent_id, resolved_at);
create index conversation_metrics_inbox on conversation_metrics(inbox_id, resolved_at);
