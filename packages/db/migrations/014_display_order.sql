-- Issue 8: messages are shown in the platform's order, even when they were processed out of it
-- (a webhook retried after later ones, two workers racing). `seq` stays the arrival order that
-- incremental sync pages by; the display order is (sort_at, platform_order, seq).

alter table messages
  -- the platform's own order within the thread where it is finer than its timestamps
  -- (Telegram's per-chat message_id: many messages share one second)
  add column platform_order bigint,
  -- inbound: when the customer sent it, never later than we received it (a platform clock
  -- running ahead must not put a message after the replies to it); outbound: when it was
  -- written. Whole seconds, as most platforms stamp: within one second the platform's order
  -- decides among inbound messages, then arrival.
  add column sort_at timestamptz generated always as (
    -- truncated in UTC: date_trunc on timestamptz depends on the session's time zone, so a
    -- generated column may not use it
    date_trunc('second', (case when direction = 'in' then least(coalesce(sent_at, created_at), created_at) else created_at end) at time zone 'UTC')
      at time zone 'UTC'
  ) stored;

create index messages_display_order
  on messages (conversation_id, sort_at, (coalesce(platform_order, 9223372036854775807)), seq);
