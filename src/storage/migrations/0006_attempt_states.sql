-- 0006: attempts that run without a worker waiting on them (docs/state-machine.md).
--
-- An attempt's state is on its row: claimed (slot granted, carrier not asked yet), placing
-- (request sent, no answer recorded), in_call (the carrier accepted it), ended. Only claimed and
-- placing attempts need a worker, so the lease moves from the call to the attempt:
-- lease_owner is the worker holding a claimed or placing attempt (NULL otherwise, or once recovery
-- has declared that worker lost); check_at is when recovery must look at the attempt if nothing
-- has happened to it — the lease's expiry while claimed or placing, the deadline while in_call.
ALTER TABLE call_attempts ADD COLUMN state text;
ALTER TABLE call_attempts ADD COLUMN lease_owner text;
ALTER TABLE call_attempts ADD COLUMN check_at bigint;
-- When answering-machine detection said a machine took the call, and the carrier's SIP answer.
ALTER TABLE call_attempts ADD COLUMN machine_detected_at bigint;
ALTER TABLE call_attempts ADD COLUMN sip_code integer;

-- An attempt still open under the previous engine had a worker waiting on its provider: it may
-- have been dialed. It becomes placing with its worker lost, so recovery asks the provider about
-- it (after the ring timeout) and never dials it again.
UPDATE call_attempts SET state = 'ended' WHERE ended_at IS NOT NULL;
UPDATE call_attempts SET state = 'placing', check_at = 0 WHERE ended_at IS NULL;
ALTER TABLE call_attempts ALTER COLUMN state SET NOT NULL;
ALTER TABLE call_attempts ADD CONSTRAINT call_attempts_state
  CHECK (state IN ('claimed', 'placing', 'in_call', 'ended'));
ALTER TABLE call_attempts ADD CONSTRAINT call_attempts_ended_when_ended
  CHECK ((state = 'ended') = (ended_at IS NOT NULL));
ALTER TABLE call_attempts ADD CONSTRAINT call_attempts_checked_while_open
  CHECK ((state = 'ended') = (check_at IS NULL));

-- The call keeps only which attempt is its current one.
ALTER TABLE calls DROP COLUMN lease_owner;
ALTER TABLE calls DROP COLUMN lease_expires_at;

-- Pacing buckets a provider's own calls-per-second limit adds to the workspace's, one per carrier
-- account: several workspaces' connections may use one account, and their starts together must
-- stay within its limit. (A workspace's own bucket is its workspaces row, which every claim of
-- that workspace locks anyway: workspaces.calls_per_second and pacing_next_at.)
CREATE TABLE pacing_buckets (
  provider          text NOT NULL,
  account           text NOT NULL,
  calls_per_second  integer NOT NULL CHECK (calls_per_second >= 1),
  -- The earliest moment (ms, fractional) the next start through this account may be granted.
  next_at           double precision NOT NULL DEFAULT 0,
  PRIMARY KEY (provider, account)
);
