-- What an agent tool needs to work a conversation: labels, full-text search over messages,
-- canned responses, list filters and a contact's history.

-- Labels are few per conversation and read with it, so an array on the row; the GIN index
-- serves `labels @> array[$1]` (the list filter) and unnest() lists the labels in use.
alter table conversations add column labels text[] not null default '{}';
create index conversations_labels on conversations using gin (labels);

-- list filters and a contact's history across channels
create index conversations_updated on conversations(updated_at desc, id desc);
create index conversations_contact on conversations(contact_id, created_at desc, id desc);

-- Full-text search in both configurations the desk speaks: each stems its own language, and a
-- query is matched as English or Russian. Generated, so every writer of messages keeps it
-- current without knowing about it. (Adding a stored column rewrites the table once.)
alter table messages
  add column search_tsv tsvector generated always as (
    to_tsvector('english', coalesce(text, '')) || to_tsvector('russian', coalesce(text, ''))
  ) stored;
create index messages_search on messages using gin (search_tsv);

-- Canned responses: plain text with {{variables}} substituted at render time, never executed.
create table canned_responses (
  id uuid primary key default gen_random_uuid(),
  shortcode text not null unique check (shortcode ~ '^[a-z0-9][a-z0-9_-]{0,49}$'),
  text text not null check (length(text) between 1 and 4096),
  created_by uuid references agents(id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
