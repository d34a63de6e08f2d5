-- Issue 10: reports stay fast on large histories. Message volume is read from a rollup, not from
-- `messages`: counts per 15-minute UTC bucket (every IANA zone's offset is a multiple of 15 min,
-- so local days and hours are whole buckets) and per channel, inbox, queue, agent, country and
-- direction. The router re-aggregates recent buckets from `messages` on a schedule
-- (packages/db/src/reports-rollup.ts): the inbound transaction never touches it, so no hot row
-- serialises an inbox's messages. No foreign keys: the rows are derived, and rebuilt from
-- `messages` at will.
create table report_message_volume (
  bucket timestamptz not null,
  channel text not null,
  inbox_id uuid not null,
  queue_id uuid,
  -- out: the author (null for auto-replies and surveys); in: the agent assigned when it arrived
  agent_id uuid,
  country text,
  direction text not null check (direction in ('in', 'out')),
  messages int not null check (messages > 0)
);
create index report_message_volume_bucket on report_message_volume (bucket);

-- One row per rollup: how far it has been rolled, and when. Its row lock is what keeps two
-- routers from re-aggregating the same buckets at once.
create table report_rollups (
  name text primary key,
  -- buckets before this instant are rolled (the last pass re-aggregated up to here, exclusive)
  rolled_to timestamptz,
  -- when that pass read `messages`: the reports' asOf
  rolled_at timestamptz
);
insert into report_rollups (name) values ('message_volume');

-- the passes read messages by time; reports read conversations by creation time
create index messages_created on messages (created_at);
create index conversations_created on conversations (created_at);
-- "the agent assigned when it arrived": the assignment running at an inbound message's time
create index assignments_conversation on assignments (conversation_id, started_at);
