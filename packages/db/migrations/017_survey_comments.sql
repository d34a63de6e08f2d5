-- Issue 10: a survey comment on Telegram, which has no comment field. Once every asked score is
-- in (and the inbox takes comments), the bot sends this force_reply prompt; a customer message
-- replying to it (reply_to_message = the prompt's external id) within the answer window is the
-- survey's comment.
alter table surveys add column comment_prompt_message_id uuid unique references messages(id) on delete set null;
