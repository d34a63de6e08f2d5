-- IMAP progress per email inbox. Mail is fetched by UID above last_uid; the \Seen flag is not
-- trusted (a customer's own client may set it). A new UIDVALIDITY invalidates last_uid (RFC 3501 §2.3.1.1).
create table mailbox_progress (
  inbox_id uuid primary key references inboxes(id) on delete cascade,
  -- a 32-bit unsigned value; text, as imapflow reports it as a bigint
  uid_validity text not null,
  last_uid bigint not null,
  updated_at timestamptz not null default now()
);
