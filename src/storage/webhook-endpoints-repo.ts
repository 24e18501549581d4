import type { Queryable } from './db.js';

// Webhook endpoints (§20). Every query is scoped by workspace, so another workspace's ids behave
// as unknown ones. Secrets arrive and leave sealed (src/security/secret-box.ts).

export interface WebhookEndpoint {
  id: string;
  workspaceId: string;
  url: string;
  events: string[];
  description?: string;
  enabled: boolean;
  disabledReason?: string;
  createdAt: number;
  updatedAt: number;
}

/** An endpoint with what signing needs: its sealed secrets. */
export interface SigningEndpoint extends WebhookEndpoint {
  secretSealed: string;
  previousSecretSealed?: string;
  previousSecretUntil?: number;
  /** When its deliveries started failing without a success since. */
  failingSince?: number;
}

interface Row {
  id: string;
  workspace_id: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_until: number | null;
  failing_since: number | null;
  created_at: number;
  updated_at: number;
}

const toEndpoint = (r: Row): WebhookEndpoint => ({
  id: r.id,
  workspaceId: r.workspace_id,
  url: r.url,
  events: r.events,
  ...(r.description === null ? {} : { description: r.description }),
  enabled: r.enabled,
  ...(r.disabled_reason === null ? {} : { disabledReason: r.disabled_reason }),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toSigning = (r: Row): SigningEndpoint => ({
  ...toEndpoint(r),
  secretSealed: r.secret_sealed,
  ...(r.previous_secret_sealed === null ? {} : { previousSecretSealed: r.previous_secret_sealed }),
  ...(r.previous_secret_until === null ? {} : { previousSecretUntil: r.previous_secret_until }),
  ...(r.failing_since === null ? {} : { failingSince: r.failing_since }),
});

export interface NewWebhookEndpoint {
  id: string;
  workspaceId: string;
  url: string;
  events: string[];
  description?: string;
  secretSealed: string;
  now: number;
}

/** No locks. */
export async function insertWebhookEndpoint(
  q: Queryable,
  e: NewWebhookEndpoint,
): Promise<WebhookEndpoint> {
  const rows = await q.query<Row>(
    `INSERT INTO webhook_endpoints (id, workspace_id, url, events, description, secret_sealed,
       created_at, updated_at)
     VALUES ($1, $2, $3, $4::text[], $5, $6, $7, $7) RETURNING *`,
    [e.id, e.workspaceId, e.url, e.events, e.description ?? null, e.secretSealed, e.now],
  );
  return toEndpoint(rows[0]!);
}

/** No locks. Index: webhook_endpoints_workspace. */
export async function listWebhookEndpoints(
  q: Queryable,
  workspaceId: string,
): Promise<WebhookEndpoint[]> {
  const rows = await q.query<Row>(
    'SELECT * FROM webhook_endpoints WHERE workspace_id = $1 ORDER BY created_at, id',
    [workspaceId],
  );
  return rows.map(toEndpoint);
}

/** No locks. Index: webhook_endpoints pkey. */
export async function getWebhookEndpoint(
  q: Queryable,
  workspaceId: string,
  id: string,
): Promise<SigningEndpoint | undefined> {
  const rows = await q.query<Row>(
    'SELECT * FROM webhook_endpoints WHERE id = $1 AND workspace_id = $2',
    [id, workspaceId],
  );
  return rows[0] && toSigning(rows[0]);
}

/** Endpoints by id, whatever their workspace (the delivery worker's). No locks. Index: pkey. */
export async function getSigningEndpoints(
  q: Queryable,
  ids: readonly string[],
): Promise<SigningEndpoint[]> {
  const rows = await q.query<Row>('SELECT * FROM webhook_endpoints WHERE id = ANY($1::text[])', [
    ids,
  ]);
  return rows.map(toSigning);
}

export interface WebhookEndpointPatch {
  url?: string;
  events?: string[];
  /** null removes it. */
  description?: string | null;
  enabled?: boolean;
}

/**
 * Applies `patch`; false when there is no such endpoint. Enabling clears the reason it was
 * disabled and its failing streak. Row lock on the endpoint. Index: pkey.
 */
export async function updateWebhookEndpoint(
  q: Queryable,
  workspaceId: string,
  id: string,
  patch: WebhookEndpointPatch,
  now: number,
): Promise<boolean> {
  const given = (v: unknown) => v !== undefined;
  const rows = await q.query<{ id: string }>(
    `UPDATE webhook_endpoints SET
       url = CASE WHEN $3 THEN $4 ELSE url END,
       events = CASE WHEN $5 THEN $6::text[] ELSE events END,
       description = CASE WHEN $7 THEN $8 ELSE description END,
       enabled = CASE WHEN $9 THEN $10::boolean ELSE enabled END,
       disabled_reason = CASE WHEN $9 AND $10::boolean THEN NULL ELSE disabled_reason END,
       failing_since = CASE WHEN $9 AND $10::boolean THEN NULL ELSE failing_since END,
       updated_at = $11
     WHERE id = $1 AND workspace_id = $2
     RETURNING id`,
    [
      id,
      workspaceId,
      given(patch.url),
      patch.url ?? null,
      given(patch.events),
      patch.events ?? null,
      given(patch.description),
      patch.description ?? null,
      given(patch.enabled),
      patch.enabled ?? null,
      now,
    ],
  );
  return rows.length > 0;
}

/** Deletes the endpoint and, by cascade, its deliveries. Row lock. Index: pkey. */
export async function deleteWebhookEndpoint(
  q: Queryable,
  workspaceId: string,
  id: string,
): Promise<boolean> {
  const rows = await q.query<{ id: string }>(
    'DELETE FROM webhook_endpoints WHERE id = $1 AND workspace_id = $2 RETURNING id',
    [id, workspaceId],
  );
  return rows.length > 0;
}

/**
 * A new secret; the current one becomes the previous one, signing until `previousUntil`.
 * Row lock. Index: pkey.
 */
export async function rotateWebhookSecret(
  q: Queryable,
  workspaceId: string,
  id: string,
  secretSealed: string,
  previousSealed: string,
  previousUntil: number,
  now: number,
): Promise<boolean> {
  const rows = await q.query<{ id: string }>(
    `UPDATE webhook_endpoints SET secret_sealed = $3, previous_secret_sealed = $4,
       previous_secret_until = $5, updated_at = $6
     WHERE id = $1 AND workspace_id = $2 RETURNING id`,
    [id, workspaceId, secretSealed, previousSealed, previousUntil, now],
  );
  return rows.length > 0;
}

/**
 * Disables an endpoint (410, or failing for too long), saying why. Its pending deliveries stay
 * pending and go out if it is enabled again. Row lock. Index: pkey.
 */
export async function disableWebhookEndpoint(
  q: Queryable,
  id: string,
  reason: string,
  now: number,
): Promise<void> {
  await q.query(
    `UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2, updated_at = $3
     WHERE id = $1 AND enabled`,
    [id, reason, now],
  );
}

/**
 * Starts (`since`) or ends (null) an endpoint's failing streak; written only when it changes, so
 * a healthy endpoint's row is not rewritten by every delivery. Row lock. Index: pkey.
 */
export async function setWebhookFailingSince(
  q: Queryable,
  id: string,
  since: number | null,
): Promise<void> {
  await q.query(
    `UPDATE webhook_endpoints SET failing_since = $2::bigint
     WHERE id = $1 AND failing_since IS DISTINCT FROM $2::bigint
       AND ($2::bigint IS NULL OR failing_since IS NULL)`,
    [id, since],
  );
}
