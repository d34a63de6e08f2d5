-- Callback requests ("call me back") are conversations of their own kind: phone work, so they
-- draw on an agent's `voice` capacity whatever channel they arrived on. The request and, once
-- the agent has called, its outcome live in `callback`.
alter table conversations
  add column kind text not null default 'chat' check (kind in ('chat', 'callback')),
  add column callback jsonb;
alter table conversations
  add column capacity_channel text generated always as (case when kind = 'callback' then 'voice' else channel end) stored;
