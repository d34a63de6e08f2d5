-- Dispatch: a logical clock for "who got work last". Round robin and load ties order agents by
-- when they last got work (offer, assignment, forced assignment); timestamps tie when one pass
-- places several conversations at the same instant and skew between router replicas, while a
-- database sequence is strictly ordered for every router. Null: never got work (goes first).
create sequence agent_work_seq;
alter table agent_load add column last_work_seq bigint;
