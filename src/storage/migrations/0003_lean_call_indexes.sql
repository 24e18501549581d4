-- 0003: fewer indexes on calls. Every state change of a call writes a new row version into every
-- index it belongs to, and a call changes state at least twice per attempt, so each index the
-- dispatch path does not need is paid for on every dial.

-- Not read since 0002: due work is found per batch (calls_due_batch).
DROP INDEX IF EXISTS calls_due;

-- The lease deadline moves on every heartbeat. Indexed, each heartbeat was a full (non-HOT)
-- update; unindexed it can stay on its heap page. The reaper scans the active calls instead
-- (calls_active below), a set bounded by the workspaces' concurrency caps.
DROP INDEX IF EXISTS calls_lease;

-- One index of active calls serves both exact counts: per workspace (leading column) and per
-- batch of that workspace (both columns).
DROP INDEX IF EXISTS calls_active_ws;
DROP INDEX IF EXISTS calls_active_batch;
CREATE INDEX calls_active ON calls (workspace_id, batch_id) WHERE state = 'active';
