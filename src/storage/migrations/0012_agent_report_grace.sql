-- 0012: the agent-report grace wait and the bridge watch (API extensions §21).
--
-- An answered real call whose agent has not reported when the carrier's end arrives keeps that end
-- in carrier_end while its attempt stays in_call and its job active (the slot held); check_at is
-- then the end of the grace period (OUTDIAL_AGENT_REPORT_GRACE_MS after the end), when the call
-- completes without a report. The report, or the grace task, ends the attempt with that end.
ALTER TABLE call_attempts ADD COLUMN carrier_end jsonb;

-- What the bridge to the user's agent reported: Twilio's <Stream> status callback
-- (stream-started, stream-error) or <Dial> action (DialCallStatus) for SIP.
ALTER TABLE call_attempts ADD COLUMN bridge_started_at bigint;
ALTER TABLE call_attempts ADD COLUMN bridge_failed_at bigint;
ALTER TABLE call_attempts ADD COLUMN bridge_error text;

-- The grace task reads the attempts whose report wait is over, soonest first; few rows at a time.
CREATE INDEX call_attempts_report_due ON call_attempts (check_at)
  WHERE carrier_end IS NOT NULL AND state = 'in_call';
