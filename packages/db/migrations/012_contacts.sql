-- Contacts: CRUD, merge and undo.

-- A conversation replies through the identity it arrived on, never "the contact's identity in
-- this inbox": once two contacts with identities in one inbox are merged, that join finds two
-- and a reply can go to the wrong number (chatwoot/chatwoot #15359).
alter table conversations
  add column contact_identity_id uuid references contact_identities(id) on delete set null;
-- Until merges existed a contact had at most one identity per inbox (the router creates a new
-- contact for every new identity), so this backfill is exact; the thread match is a tie-break.
update conversations c
   set contact_identity_id = (
     select ci.id from contact_identities ci
      where ci.contact_id = c.contact_id and ci.inbox_id = c.inbox_id
      order by (ci.external_id = c.thread_key) desc, ci.created_at, ci.id
      limit 1);
create index conversations_contact_identity on conversations(contact_identity_id);
create index contact_identities_contact on contact_identities(contact_id);

-- A merged contact stays as a tombstone pointing at the contact it was merged into: messages
-- keep their author, old ids still resolve, and an undo has a row to bring back.
alter table contacts
  add column merged_into_id uuid references contacts(id) on delete cascade,
  add column merged_at timestamptz;
create index contacts_merged_into on contacts(merged_into_id) where merged_into_id is not null;
create index contacts_listing on contacts(created_at desc, id desc) where merged_into_id is null;

-- One row per merge: who, when and exactly what moved, so an undo moves back that and no more.
create table contact_merges (
  id uuid primary key default gen_random_uuid(),
  into_contact_id uuid not null references contacts(id) on delete cascade,
  from_contact_id uuid not null references contacts(id) on delete cascade,
  -- null: the bootstrap admin token, which has no agent behind it
  merged_by uuid references agents(id) on delete set null,
  merged_at timestamptz not null default now(),
  identity_ids uuid[] not null,
  conversation_ids uuid[] not null,
  -- fields of the kept contact that were empty and taken from the merged one ({"email": ..., "attributes": {...}})
  filled jsonb not null default '{}',
  undone_at timestamptz,
  undone_by uuid references agents(id) on delete set null,
  -- what the undo moved back: the moved conversations plus those opened since on a moved identity
  restored_conversation_ids uuid[]
);
-- a contact is merged into at most one other at a time
create unique index contact_merges_active_from on contact_merges(from_contact_id) where undone_at is null;
create index contact_merges_into on contact_merges(into_contact_id);
