-- 0007: real telephony (extensions §21). A workspace's carrier accounts ("connections").
--
-- The credentials are sealed (src/security/secret-box.ts) under a key kept outside the database,
-- bound to the connection's id: a dump of this table opens nothing. `account` is the carrier's
-- account id (Twilio's AccountSid), an identifier rather than a secret, kept in the clear because
-- it keys the account's pacing bucket (pacing_buckets), which every workspace using the account
-- shares. A deleted connection keeps its row (agents and past batches name it) but loses its
-- credentials.
CREATE TABLE telephony_connections (
  id                  text PRIMARY KEY,
  workspace_id        text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  provider            text NOT NULL CHECK (provider IN ('twilio')),
  name                text NOT NULL,
  account             text NOT NULL,
  credentials_sealed  text,
  from_numbers        jsonb NOT NULL,
  calls_per_second    integer NOT NULL CHECK (calls_per_second >= 1),
  created_at          bigint NOT NULL,
  updated_at          bigint NOT NULL,
  deleted_at          bigint,
  CHECK ((deleted_at IS NULL) = (credentials_sealed IS NOT NULL))
);
CREATE INDEX telephony_connections_workspace ON telephony_connections (workspace_id, created_at)
  WHERE deleted_at IS NULL;

-- The connection that places an agent's calls (absent: the simulator). Deleting a connection looks
-- for the agents that use it.
ALTER TABLE agents ADD COLUMN connection_id text REFERENCES telephony_connections (id);
CREATE INDEX agents_connection ON agents (connection_id) WHERE connection_id IS NOT NULL;

-- How an agent's answered calls reach it and how they are placed (§21). NULL is the documented
-- default (ring 30 s, at most 900 s, machine detection off, a short apology as fallback); the
-- transport is {"type":"stream","url"}, {"type":"sip","uri"} or {"type":"twiml","url"}.
ALTER TABLE agents ADD COLUMN transport jsonb;
ALTER TABLE agents ADD COLUMN machine_detection text CHECK (machine_detection IN ('off', 'detect'));
ALTER TABLE agents ADD COLUMN ring_timeout_sec integer
  CHECK (ring_timeout_sec BETWEEN 5 AND 120);
ALTER TABLE agents ADD COLUMN max_call_duration_sec integer
  CHECK (max_call_duration_sec BETWEEN 30 AND 14400);
ALTER TABLE agents ADD COLUMN fallback_message text;

-- The caller ID an attempt went out from (local presence picks it per call), once it is known.
ALTER TABLE call_attempts ADD COLUMN from_number text;
