-- A customer deleted a message on the platform (WhatsApp, Messenger, Instagram): agents still
-- see what was written, marked deleted; nothing is removed.
alter table messages add column deleted_at timestamptz;
-- An agent's template message (WhatsApp outside the 24-hour window): name, language, parameters.
alter table messages add column template jsonb;
