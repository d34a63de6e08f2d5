-- Issue 10: CSAT / NPS surveys on the customer's own channel after a conversation is resolved.

-- Per inbox, off when null: { csat: bool, nps: bool, comment: bool, answerWindowHours: int }
alter table inboxes add column survey_settings jsonb;

create table surveys (
  id uuid primary key default gen_random_uuid(),
  conversation_id uuid not null references conversations(id) on delete cascade,
  -- the resolution this survey follows: a conversation reopened and resolved again gets another
  resolved_at timestamptz not null,
  -- who and what it rates, copied at resolve time so reports need no joins through history
  inbox_id uuid not null references inboxes(id),
  channel text not null,
  queue_id uuid references queues(id) on delete set null,
  agent_id uuid references agents(id) on delete set null,
  -- what was asked; an answer of a kind not asked is rejected
  asks text[] not null check (asks <@ array['csat', 'nps']::text[] and cardinality(asks) > 0),
  accepts_comment boolean not null default false,
  status text not null default 'pending' check (status in ('pending', 'answered', 'expired')),
  csat smallint check (csat between 1 and 5),
  nps smallint check (nps between 0 and 10),
  comment text check (length(comment) <= 2000),
  -- the outbound message carrying the question (keyboard, widget frame; later email links or a
  -- numeric-reply prompt): the channel's sender renders the survey from this link
  message_id uuid unique references messages(id) on delete set null,
  -- how the answer came: telegram_callback, webchat, later email_link, numeric_reply
  answered_via text,
  sent_at timestamptz not null,
  answered_at timestamptz,
  expires_at timestamptz not null,
  unique (conversation_id, resolved_at)
);
create index surveys_pending on surveys (conversation_id) where status = 'pending';
create index surveys_reporting on surveys (channel, answered_at) where status = 'answered';
