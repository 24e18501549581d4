-- 0002: indexes the dispatch engine's claim relies on.

-- A batch's due waiting calls in dispatch order (run_at, then CSV order). With the 0001 index
-- (workspace_id, run_at) alone, a batch whose rows all share one run_at had to be sorted in full
-- on every claim, and a batch at its maxConcurrency cap had to be scanned past.
CREATE INDEX calls_due_batch ON calls (batch_id, run_at, seq) WHERE state = 'waiting';

-- The live batches of a workspace, without walking its whole batch history on every claim.
CREATE INDEX batches_live ON batches (workspace_id) WHERE status IN ('queued', 'processing');
