import { compareText } from '../domain/compare-text.js';
import type { Db, Queryable } from './db.js';

// Webhook deliveries (§20): one row per event and endpoint, the message whose id is the
// `webhook-id` header. Rows for state changes are written by src/storage/transitions/
// webhook-events.ts in the transition's transaction; these are the log, the test event, the
// redelivery and the delivery workers' claim and outcome.

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDelivery {
  id: string;
  endpointId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode?: number;
  lastError?: string;
  nextAttemptAt?: number;
  createdAt: number;
  deliveredAt?: number;
}

interface Row {
  id: string;
  endpoint_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: number | null;
  created_at: number;
  delivered_at: number | null;
}

const toDelivery = (r: Row): WebhookDelivery => ({
  id: r.id,
  endpointId: r.endpoint_id,
  eventType: r.event_type,
  status: r.status,
  attempts: r.attempts,
  ...(r.last_status_code === null ? {} : { lastStatusCode: r.last_status_code }),
  ...(r.last_error === null ? {} : { lastError: r.last_error }),
  ...(r.next_attempt_at === null ? {} : { nextAttemptAt: r.next_attempt_at }),
  createdAt: r.created_at,
  ...(r.delivered_at === null ? {} : { deliveredAt: r.delivered_at }),
});

const COLUMNS = `id, endpoint_id, event_type, delivery_status AS status, attempts, last_status_code, last_error,
  next_attempt_at, created_at, delivered_at`;

export interface NewDelivery {
  id: string;
  endpointId: string;
  workspaceId: string;
  eventType: string;
  body: string;
  now: number;
  /** Held by this owner until `leaseUntil`: sent at once by its creator, not by a worker. */
  owner: string;
  leaseUntil: number;
}

/** One delivery (the test event), already claimed by its sender. No locks. */
export async function insertClaimedDelivery(q: Queryable, d: NewDelivery): Promise<void> {
  await q.query(
    `INSERT INTO webhook_deliveries (id, endpoint_id, workspace_id, event_type, body, delivery_status,
       next_attempt_at, lease_owner, created_at)
     VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8)`,
    [d.id, d.endpointId, d.workspaceId, d.eventType, d.body, d.leaseUntil, d.owner, d.now],
  );
}

/**
 * An endpoint's log, newest first, optionally of one status. $1 endpoint. No locks.
 * Index: webhook_deliveries_endpoint.
 */
export async function listDeliveries(
  q: Queryable,
  endpointId: string,
  opts: { status?: DeliveryStatus; page: number; limit: number },
): Promise<{ deliveries: WebhookDelivery[]; total: number }> {
  const status = opts.status ?? null;
  const [rows, count] = await Promise.all([
    q.query<Row>(
      `SELECT ${COLUMNS} FROM webhook_deliveries
       WHERE endpoint_id = $1 AND ($2::text IS NULL OR delivery_status = $2)
       ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4`,
      [endpointId, status, opts.limit, (opts.page - 1) * opts.limit],
    ),
    q.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM webhook_deliveries
       WHERE endpoint_id = $1 AND ($2::text IS NULL OR delivery_status = $2)`,
      [endpointId, status],
    ),
  ]);
  return { deliveries: rows.map(toDelivery), total: count[0]?.n ?? 0 };
}

/**
 * Queues a delivery again, due now, with the same id (so the same `webhook-id`); its tries count
 * from zero again. $1 delivery, $2 endpoint. Row lock. Index: pkey.
 */
export async function requeueDelivery(
  q: Queryable,
  endpointId: string,
  id: string,
  now: number,
): Promise<boolean> {
  const rows = await q.query<{ id: string }>(
    `UPDATE webhook_deliveries SET delivery_status = 'pending', attempts = 0, next_attempt_at = $3,
       lease_owner = NULL, finished_at = NULL
     WHERE id = $1 AND endpoint_id = $2 RETURNING id`,
    [id, endpointId, now],
  );
  return rows.length > 0;
}

/** A delivery a worker holds: what it sends. */
export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  workspaceId: string;
  body: string;
  attempts: number;
  createdAt: number;
  /** Held until then: sent no later than a try's length before it. */
  leaseUntil: number;
}

/**
 * Takes up to `limit` due deliveries of enabled endpoints, at most `heldPerEndpoint` held by this
 * worker for one endpoint counting the `busy` ones it already holds. A claimed delivery's due time
 * moves past its lease, so no other worker takes it while this one holds it, and a worker that
 * dies leaves it due again when the lease runs out. The worker sends an endpoint at most
 * `sendingPerEndpoint` tries at once, the rest waiting their turn in claim order; so the lease of
 * the k-th held (1-based) is `leaseUntil` plus one `roundMs` for every full round ahead of it.
 * Candidates are picked without locks (the oldest due of enabled endpoints not at their share, at
 * most the share's remainder per endpoint), then only those are locked, skipping any another
 * worker holds.
 * Locks: the claimed deliveries' rows (FOR UPDATE SKIP LOCKED: workers never wait on each other).
 * Index: webhook_deliveries_due, walked in order (never a bitmap of every due row), then pkeys.
 * Its own transaction.
 */
export async function claimDueDeliveries(
  db: Db,
  opts: {
    now: number;
    leaseUntil: number;
    owner: string;
    limit: number;
    heldPerEndpoint: number;
    sendingPerEndpoint: number;
    /** The longest one try may take. */
    roundMs: number;
    /** Deliveries this worker holds, by endpoint. */
    busy: ReadonlyMap<string, number>;
  },
): Promise<ClaimedDelivery[]> {
  // A burst of events is queued faster than statistics follow: the planner then takes the due
  // rows for a few and reads them all (a bitmap scan, then a sort), 30 ms a claim at 50,000 due
  // (measured), where walking the index in order stops after LIMIT rows (under 2 ms).
  const rows = await db.tx(
    (q) =>
      q.query<ClaimedDelivery>(
        `WITH due AS (
       SELECT d.id, d.endpoint_id, d.next_attempt_at FROM webhook_deliveries d
        WHERE d.delivery_status = 'pending' AND d.next_attempt_at <= $1
          AND NOT (d.endpoint_id = ANY($8::text[]))
          -- A hashed filter, not a join: the scan stays the due index's order, cut by LIMIT.
          AND d.endpoint_id NOT IN (SELECT id FROM webhook_endpoints WHERE NOT enabled)
        ORDER BY d.next_attempt_at
        LIMIT $4 * 2
     ), picked AS (
       SELECT r.id, r.n + coalesce(f.busy, 0) AS pos FROM (
         SELECT due.id, due.endpoint_id, due.next_attempt_at,
                row_number() OVER (PARTITION BY due.endpoint_id ORDER BY due.next_attempt_at) AS n
           FROM due
       ) r
       LEFT JOIN unnest($6::text[], $7::int[]) AS f(endpoint_id, busy) USING (endpoint_id)
       WHERE r.n + coalesce(f.busy, 0) <= $5
       ORDER BY r.next_attempt_at LIMIT $4
     ), locked AS (
       SELECT d.id, picked.pos FROM webhook_deliveries d
         JOIN picked USING (id)
         JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled
        WHERE d.delivery_status = 'pending' AND d.next_attempt_at <= $1
        FOR UPDATE OF d SKIP LOCKED
     )
     UPDATE webhook_deliveries d
        SET next_attempt_at = $2::bigint + ((locked.pos - 1) / $9::int) * $10::bigint, lease_owner = $3
     FROM locked WHERE d.id = locked.id
     RETURNING d.id, d.endpoint_id AS "endpointId", d.workspace_id AS "workspaceId", d.body,
       d.attempts, d.created_at AS "createdAt", d.next_attempt_at AS "leaseUntil"`,
        [
          opts.now,
          opts.leaseUntil,
          opts.owner,
          opts.limit,
          opts.heldPerEndpoint,
          [...opts.busy.keys()],
          [...opts.busy.values()],
          // At their share: left out of the candidates, so an endpoint's backlog cannot crowd out the
          // others' deliveries.
          [...opts.busy].filter(([, n]) => n >= opts.heldPerEndpoint).map(([id]) => id),
          opts.sendingPerEndpoint,
          opts.roundMs,
        ],
      ),
    { orderedScans: true },
  );
  // Sent in this order, so each is sent within its lease; oldest first within a round (ids sort
  // by creation time).
  return rows.sort((a, b) => a.leaseUntil - b.leaseUntil || compareText(a.id, b.id));
}

/**
 * Gives a claimed delivery back unsent, due at `now`, its try not spent, if this worker still
 * holds it. Row lock. Index: pkey.
 */
export async function handBackDelivery(
  q: Queryable,
  id: string,
  owner: string,
  now: number,
): Promise<void> {
  await q.query(
    `UPDATE webhook_deliveries SET next_attempt_at = $3, lease_owner = NULL
     WHERE id = $1 AND lease_owner = $2 AND delivery_status = 'pending'`,
    [id, owner, now],
  );
}

export interface DeliveryOutcome {
  id: string;
  owner: string;
  now: number;
  statusCode?: number;
  error?: string;
  delivered: boolean;
  /** When to try again; undefined with `delivered` false: failed for good. */
  retryAt?: number;
}

/**
 * Records one try, only if this worker still holds the delivery (a redelivery or a lease taken
 * over by another worker wins). Row lock. Index: pkey.
 */
export async function recordDeliveryTry(q: Queryable, o: DeliveryOutcome): Promise<boolean> {
  const status: DeliveryStatus = o.delivered
    ? 'delivered'
    : o.retryAt === undefined
      ? 'failed'
      : 'pending';
  const rows = await q.query<{ id: string }>(
    `UPDATE webhook_deliveries SET attempts = attempts + 1, delivery_status = $3,
       next_attempt_at = $4, lease_owner = NULL, last_status_code = $5, last_error = $6,
       delivered_at = CASE WHEN $3 = 'delivered' THEN $7::bigint ELSE delivered_at END,
       finished_at = CASE WHEN $3 = 'pending' THEN NULL ELSE $7::bigint END
     WHERE id = $1 AND lease_owner = $2 AND delivery_status = 'pending' RETURNING id`,
    [
      o.id,
      o.owner,
      status,
      status === 'pending' ? (o.retryAt ?? null) : null,
      o.statusCode ?? null,
      o.error ?? null,
      o.now,
    ],
  );
  return rows.length > 0;
}

/**
 * Finished deliveries older than `before`, at most `limit` of them (retention).
 * Locks: the rows deleted. Index: webhook_deliveries_finished.
 */
export async function deleteFinishedDeliveries(
  q: Queryable,
  before: number,
  limit: number,
): Promise<number> {
  const rows = await q.query<{ id: string }>(
    `DELETE FROM webhook_deliveries WHERE id IN (
       SELECT id FROM webhook_deliveries WHERE delivery_status <> 'pending' AND finished_at < $1 LIMIT $2)
     RETURNING id`,
    [before, limit],
  );
  return rows.length;
}

/** Pending deliveries per endpoint, for /metrics. No locks. Index: webhook_deliveries_due. */
export async function pendingDeliveriesByEndpoint(
  q: Queryable,
): Promise<Array<{ endpointId: string; n: number }>> {
  return q.query<{ endpointId: string; n: number }>(
    `SELECT endpoint_id AS "endpointId", count(*)::int AS n FROM webhook_deliveries
     WHERE delivery_status = 'pending' GROUP BY endpoint_id`,
  );
}

/**
 * Records deliveries delivered, in one statement, each only if its worker still holds it (see
 * recordDeliveryTry). $1 ids, $2 owners, $3 status codes, $4 times. Row locks. Index: pkey.
 */
export async function recordDeliveredGroup(
  q: Queryable,
  group: ReadonlyArray<{ id: string; owner: string; statusCode: number; now: number }>,
): Promise<void> {
  await q.query(
    `UPDATE webhook_deliveries d SET attempts = d.attempts + 1, delivery_status = 'delivered',
       next_attempt_at = NULL, lease_owner = NULL, last_status_code = t.code, last_error = NULL,
       delivered_at = t.at, finished_at = t.at
     FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[]) AS t(id, owner, code, at)
     WHERE d.id = t.id AND d.lease_owner = t.owner AND d.delivery_status = 'pending'`,
    [
      group.map((g) => g.id),
      group.map((g) => g.owner),
      group.map((g) => g.statusCode),
      group.map((g) => g.now),
    ],
  );
}
