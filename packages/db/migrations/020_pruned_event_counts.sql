-- The routing counters on /metrics (offers by outcome, SLA breaches, requeues, transfers, ...)
-- count events ever appended, but events are pruned after EVENT_RETENTION_HOURS: a counter read
-- as count(*) over `events` fell at every prune, and Prometheus reads a fall as a reset (a false
-- spike in rate()). Pruning folds the counted events it deletes into this table, in the same
-- statement, so events + folded counts never go down.
create table pruned_event_counts (
  type text not null,
  -- '' for none: part of the primary key
  label text not null default '',
  count bigint not null,
  primary key (type, label)
);

-- the scrape counts only these types; the bulk of `events` (messages, statuses) is skipped
create index events_counted on events (type)
  where type like 'offer.%' or type in ('sla.breached', 'conversation.overflowed', 'conversation.requeued', 'conversation.transferred', 'conversation.abandoned');
