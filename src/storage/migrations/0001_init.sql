-- 0001: the initial schema. Times are epoch milliseconds (bigint) taken from the app clock, never
-- now(), so tests can drive time on both PostgreSQL and PGlite.

CREATE TABLE workspaces (
  id                   text PRIMARY KEY,
  name                 text NOT NULL,
  max_concurrent_calls integer NOT NULL DEFAULT 10 CHECK (max_concurrent_calls >= 1),
  calls_per_second     integer NOT NULL DEFAULT 5 CHECK (calls_per_second >= 1),
  timezone             text NOT NULL DEFAULT 'UTC',
  -- Fairness: the claim loop serves the least recently served workspace first.
  last_served_at       bigint NOT NULL DEFAULT 0,
  -- Pacing: the earliest moment (ms, fractional) the next attempt start may be granted.
  pacing_next_at       double precision NOT NULL DEFAULT 0,
  created_at           bigint NOT NULL
);

CREATE TABLE api_keys (
  id           text PRIMARY KEY,
  workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  -- A few leading characters, shown in listings so people can tell keys apart.
  prefix       text NOT NULL,
  -- The first 16 hex digits of the key's hash: finds the row; the full hash is then compared in
  -- constant time. The key itself is never stored.
  lookup       text NOT NULL,
  secret_hash  text NOT NULL,
  name         text,
  created_at   bigint NOT NULL,
  revoked_at   bigint
);
CREATE INDEX api_keys_workspace ON api_keys (workspace_id);
CREATE INDEX api_keys_lookup ON api_keys (lookup);

CREATE TABLE agents (
  id                  text PRIMARY KEY,
  workspace_id        text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name                text NOT NULL,
  greeting            text NOT NULL DEFAULT '',
  prompt              text NOT NULL DEFAULT '',
  from_number         text,
  provider            text NOT NULL DEFAULT 'simulator',
  smart_callback      boolean NOT NULL DEFAULT false,
  smart_max_attempts  integer NOT NULL DEFAULT 5,
  smart_gaps          jsonb NOT NULL DEFAULT '[]',
  variables           jsonb,
  created_at          bigint NOT NULL,
  updated_at          bigint NOT NULL,
  deleted_at          bigint
);
CREATE INDEX agents_workspace ON agents (workspace_id, created_at) WHERE deleted_at IS NULL;

CREATE TABLE batches (
  id              text PRIMARY KEY,
  workspace_id    text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  agent_id        text NOT NULL REFERENCES agents (id),
  name            text,
  status          text NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'processing', 'completed', 'cancelled', 'failed')),
  total_calls     integer NOT NULL,
  -- The original CSV header, in file order (export writes it back).
  columns         jsonb NOT NULL,
  -- Frozen at creation: smart callback, maxConcurrency, calling window, defaultCountry.
  config          jsonb NOT NULL DEFAULT '{}',
  max_concurrency integer,
  scheduled_at    bigint,
  created_at      bigint NOT NULL,
  start_time      bigint,
  completed_time  bigint,
  cancelled_at    bigint
);
CREATE INDEX batches_workspace ON batches (workspace_id, created_at DESC);

-- One row per CSV row: the job, and the queue itself.
CREATE TABLE calls (
  id                text PRIMARY KEY,
  batch_id          text NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
  workspace_id      text NOT NULL,
  seq               integer NOT NULL,           -- 0-based position in the CSV
  line              integer NOT NULL,           -- 1-based line number in the file
  phone_number      text NOT NULL,              -- E.164
  variables         jsonb NOT NULL,             -- every column but phone_number
  -- IANA zone the batch's calling window is read in for this call (NULL: the batch has no window).
  time_zone         text,
  state             text NOT NULL DEFAULT 'waiting'
                    CHECK (state IN ('waiting', 'active', 'completed', 'failed', 'cancelled')),
  attempts          integer NOT NULL DEFAULT 0,
  run_at            bigint NOT NULL,            -- due time while waiting
  lease_owner       text,
  lease_expires_at  bigint,
  current_attempt_id text,
  start_time        bigint,                     -- first attempt's start
  end_time          bigint,
  duration          double precision,           -- talk time of the completing attempt (s)
  last_reason       text,
  error             text,
  outcome           text,
  transcript        text,
  result_attempt_id text,
  terminal_at       bigint,
  UNIQUE (batch_id, seq)
);
-- Claim: due waiting calls of a workspace.
CREATE INDEX calls_due ON calls (workspace_id, run_at) WHERE state = 'waiting';
-- Exact concurrency: active calls per workspace and per batch are counted, never cached.
CREATE INDEX calls_active_ws ON calls (workspace_id) WHERE state = 'active';
CREATE INDEX calls_active_batch ON calls (batch_id) WHERE state = 'active';
-- Lease reaper.
CREATE INDEX calls_lease ON calls (lease_expires_at) WHERE state = 'active';
-- recent_calls and lastCompletedTime.
CREATE INDEX calls_recent ON calls (batch_id, terminal_at DESC) WHERE terminal_at IS NOT NULL;
-- List a batch's calls filtered by status, in CSV order.
CREATE INDEX calls_batch_state ON calls (batch_id, state, seq);
-- Cancel by phone number.
CREATE INDEX calls_batch_phone ON calls (batch_id, phone_number);

-- One row per telephony attempt.
CREATE TABLE call_attempts (
  id               text PRIMARY KEY,
  call_id          text NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
  batch_id         text NOT NULL,
  workspace_id     text NOT NULL,
  attempt_no       integer NOT NULL,
  worker_id        text NOT NULL,
  provider         text NOT NULL,
  provider_call_id text,
  started_at       bigint NOT NULL,             -- the moment its dial slot was granted
  answered_at      bigint,
  ended_at         bigint,
  reason           text,
  outcome          text,
  duration         double precision,
  error            text,
  UNIQUE (call_id, attempt_no)
);
CREATE INDEX call_attempts_ws_started ON call_attempts (workspace_id, started_at);

-- Batch progress without counting calls per request and without one hot row per batch:
-- every state change adds its deltas to one of a few shard rows; readers sum the shards.
CREATE TABLE batch_progress (
  batch_id          text NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
  shard             smallint NOT NULL,
  waiting           integer NOT NULL DEFAULT 0,
  active            integer NOT NULL DEFAULT 0,
  completed         integer NOT NULL DEFAULT 0,
  failed            integer NOT NULL DEFAULT 0,
  cancelled         integer NOT NULL DEFAULT 0,
  duration_sum      double precision NOT NULL DEFAULT 0,
  PRIMARY KEY (batch_id, shard)
);

CREATE TABLE idempotency_keys (
  workspace_id  text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  key           text NOT NULL,
  request_hash  text NOT NULL,
  status_code   integer NOT NULL,
  response      jsonb NOT NULL,
  created_at    bigint NOT NULL,
  PRIMARY KEY (workspace_id, key)
);
