-- 0010: what the user's agent reports about its call (API extensions §21).
--
-- One report per attempt (a second is refused). A report that arrives before the carrier's end is
-- held here and applied when the attempt ends; one that arrives after the end updates the call's
-- result at once. applied_at says when it reached the call (NULL: still held).
CREATE TABLE agent_reports (
  attempt_id   text PRIMARY KEY REFERENCES call_attempts (id) ON DELETE CASCADE,
  outcome      text NOT NULL
    CHECK (outcome IN ('successful', 'unsuccessful', 'callback_requested', 'opted_out', 'voicemail')),
  transcript   text NOT NULL,
  summary      text,
  callback_at  bigint,
  data         jsonb,
  received_at  bigint NOT NULL,
  applied_at   bigint
);
