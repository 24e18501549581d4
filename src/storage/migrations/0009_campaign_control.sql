-- 0009: campaign control (docs/state-machine.md, API extensions §17 and §19).
--
-- A batch can be paused: no new attempt of it starts until it is resumed. paused_at and
-- paused_reason say since when and why ("paused by request", "workspace paused", or the failure
-- rate that paused it); both are NULL unless the batch is paused.
ALTER TABLE batches DROP CONSTRAINT batches_status_check;
ALTER TABLE batches ADD CONSTRAINT batches_status_check
  CHECK (status IN ('queued', 'processing', 'paused', 'completed', 'cancelled', 'failed'));
ALTER TABLE batches ADD COLUMN paused_at bigint;
ALTER TABLE batches ADD COLUMN paused_reason text;
ALTER TABLE batches ADD CONSTRAINT batches_paused_when_paused
  CHECK ((status = 'paused') = (paused_at IS NOT NULL));

-- "Stop everything": while a workspace is paused no claim serves it, whatever its batches say
-- (a batch created meanwhile included). NULL: not paused.
ALTER TABLE workspaces ADD COLUMN paused_at bigint;

-- Live batches now include paused ones (their waiting calls are still the workspace's queue);
-- the claim's narrower `status IN ('queued', 'processing')` is implied by this predicate.
DROP INDEX batches_live;
CREATE INDEX batches_live ON batches (workspace_id) WHERE status IN ('queued', 'processing', 'paused');

-- The workspace's do-not-call list (ext §18): numbers in E.164, one row each. source: api,
-- import (CSV) or opt_out (a callee said so; batch_id and job_id name that call).
CREATE TABLE dnc_entries (
  workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  phone_number text NOT NULL,
  reason       text,
  source       text NOT NULL CHECK (source IN ('api', 'import', 'opt_out')),
  created_at   bigint NOT NULL,
  batch_id     text,
  job_id       text,
  PRIMARY KEY (workspace_id, phone_number)
);
CREATE INDEX dnc_entries_recent ON dnc_entries (workspace_id, created_at DESC, phone_number);

-- Retry of failed jobs (ext §17): a retried job keeps its id and its attempt count, and gets a
-- fresh attempt budget. attempt_base is the count when its current round began: the retry
-- policy counts attempts - attempt_base.
ALTER TABLE calls ADD COLUMN attempt_base integer NOT NULL DEFAULT 0;
