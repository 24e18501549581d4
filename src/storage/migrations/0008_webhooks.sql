-- 0008: webhook endpoints and their deliveries (docs/webhooks.md).
--
-- An endpoint's signing secret is stored sealed (src/security/secret-box.ts), bound to the
-- endpoint's id; after a rotation the previous one keeps signing until previous_secret_until.
CREATE TABLE webhook_endpoints (
  id                     text PRIMARY KEY,
  workspace_id           text NOT NULL REFERENCES workspaces(id),
  url                    text NOT NULL,
  -- Event types, or '{*}' for every one.
  events                 text[] NOT NULL,
  description            text,
  enabled                boolean NOT NULL DEFAULT true,
  disabled_reason        text,
  secret_sealed          text NOT NULL,
  previous_secret_sealed text,
  previous_secret_until  bigint,
  -- When its deliveries started failing without one success since (NULL: not failing).
  failing_since          bigint,
  created_at             bigint NOT NULL,
  updated_at             bigint NOT NULL
);
-- Lists, and the check every state change makes: does this workspace have an enabled endpoint?
CREATE INDEX webhook_endpoints_workspace ON webhook_endpoints (workspace_id, created_at);

-- One row per event and endpoint: the message. Its id is the `webhook-id` header, so a receiver
-- de-duplicates retries and redeliveries by it; `body` is the exact text that is signed.
CREATE TABLE webhook_deliveries (
  id               text PRIMARY KEY,
  endpoint_id      text NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  workspace_id     text NOT NULL,
  event_type       text NOT NULL,
  body             text NOT NULL,
  delivery_status  text NOT NULL CHECK (delivery_status IN ('pending', 'delivered', 'failed')),
  -- Tries since it was last queued.
  attempts         integer NOT NULL DEFAULT 0,
  -- Pending: when it is due. A worker that claims it moves this past its lease, so a worker that
  -- dies mid-delivery leaves it due again once the lease runs out.
  next_attempt_at  bigint,
  lease_owner      text,
  last_status_code integer,
  last_error       text,
  created_at       bigint NOT NULL,
  delivered_at     bigint,
  -- Finished (delivered or failed): when retention may remove it.
  finished_at      bigint,
  CONSTRAINT webhook_deliveries_due_while_pending
    CHECK ((delivery_status = 'pending') = (next_attempt_at IS NOT NULL))
);
-- The claim: due pending deliveries in order.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
  WHERE delivery_status = 'pending';
-- An endpoint's delivery log, newest first.
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);
-- Retention.
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (finished_at)
  WHERE delivery_status <> 'pending';
