-- Files an agent uploaded to a conversation, to attach to a reply or a private note. The bytes
-- live in the blob store (content-addressed); a reply names uploads by id, and only uploads of
-- its own conversation, so a blob key seen elsewhere grants nothing.
create table uploads (
  id uuid primary key default gen_random_uuid(),
  conversation_id uuid not null references conversations(id) on delete cascade,
  blob_key text not null check (blob_key ~ '^[0-9a-f]{64}$'),
  file_name text not null,
  content_type text not null,
  size int not null check (size >= 0),
  uploaded_by uuid references agents(id) on delete set null,
  created_at timestamptz not null default now()
);
create index uploads_conversation on uploads(conversation_id, created_at);
