-- Classification, SLA and visibility (ROUTING.md 1.6, 1.7; scenarios 23, 41-46).

-- set while a pending/snoozed conversation has given its units back (queue.release_on_pending);
-- the assignee stays, load_pool/load_cost are null, and the customer's reply reclaims them
alter table conversations add column units_released_at timestamptz;

-- classification reads the enabled rules in order on every new conversation
create index routing_rules_enabled on routing_rules(position, created_at, id) where enabled;

-- estimated wait: the median wait of assignments started in the last 30 minutes
create index assignments_started on assignments(started_at);

-- queue stats: offers by outcome per queue
create index offers_queue_status on offers(queue_id, status);

-- timers of one conversation (met on reply, paused in pending, resumed on reply)
create index sla_timers_open on sla_timers(conversation_id) where met_at is null and breached_at is null;
