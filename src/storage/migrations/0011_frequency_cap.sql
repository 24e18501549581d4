-- 0011: the workspace's frequency cap (API extensions §19).
--
-- At most frequency_cap_max attempts to one number in any rolling frequency_cap_hours, across
-- every batch of the workspace; both NULL when the cap is off (the default).
ALTER TABLE workspaces ADD COLUMN frequency_cap_max integer CHECK (frequency_cap_max >= 1);
ALTER TABLE workspaces ADD COLUMN frequency_cap_hours integer CHECK (frequency_cap_hours >= 1);
ALTER TABLE workspaces ADD CONSTRAINT workspaces_frequency_cap_whole
  CHECK ((frequency_cap_max IS NULL) = (frequency_cap_hours IS NULL));

-- The claim reads a number's recent attempts across the workspace's batches: its calls by number,
-- then each call's attempts (call_attempts' UNIQUE (call_id, attempt_no)).
CREATE INDEX calls_ws_phone ON calls (workspace_id, phone_number);

-- Why a waiting call waits (§19 waitReason) when the claim held it back: 'calling_window' or
-- 'frequency_cap', until held_until. It holds only while run_at = held_until: a retry or a
-- hand-back sets a new run_at, and the reason is then read from the call's other columns.
ALTER TABLE calls ADD COLUMN held_reason text CHECK (held_reason IN ('calling_window', 'frequency_cap'));
ALTER TABLE calls ADD COLUMN held_until bigint;
