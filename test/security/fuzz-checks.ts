import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Db } from '../../src/storage/db.js';

// What every fuzzed answer must satisfy: a status the contract documents for its route, the
// documented error shape, and a database holding whole objects only.

export type Route =
  | 'POST /agents'
  | 'GET /agents'
  | 'GET /agents/:agentId'
  | 'PUT /agents/:agentId'
  | 'DELETE /agents/:agentId'
  | 'POST /batch-calls'
  | 'GET /batch-calls'
  | 'GET /batch-calls/:batchId'
  | 'GET /batch-calls/:batchId/status'
  | 'GET /batch-calls/:batchId/calls'
  | 'GET /batch-calls/:batchId/calls/:jobId'
  | 'DELETE /batch-calls/:batchId'
  | 'DELETE /batch-calls/:batchId/calls/:jobId'
  | 'DELETE /batch-calls/:batchId/contacts/:phone'
  | 'GET /batch-calls/:batchId/export-results'
  | 'GET /batch-calls/template'
  | 'POST /batch-calls/validate'
  | 'POST /batch-calls/preview'
  | 'POST /batch-calls/estimate'
  | 'GET /workspace'
  | 'PATCH /workspace'
  | 'POST /batch-calls/:batchId/pause'
  | 'POST /batch-calls/:batchId/resume'
  | 'POST /batch-calls/:batchId/retry'
  | 'POST /batch-calls/:batchId/recipients'
  | 'POST /workspace/pause'
  | 'POST /workspace/resume'
  | 'GET /dnc'
  | 'POST /dnc'
  | 'GET /dnc/:phone'
  | 'DELETE /dnc/:phone';

/**
 * The statuses the contract documents per route, with valid credentials. Beyond each section's
 * own: a JSON route answers a malformed or invalid body with 400, a body over the limit with 413
 * (issue 5: body limits on every route) and a media type it does not take with 415; the upload
 * routes (§1, §11, §12) answer any body that is not multipart or JSON with §1's 400, never 415.
 * §4 and §13 answer a bad page / limit / status with 400 ("more → 400").
 */
export const STATUSES: Record<Route, readonly number[]> = {
  'POST /agents': [201, 400, 413, 415],
  'GET /agents': [200],
  'GET /agents/:agentId': [200, 404],
  'PUT /agents/:agentId': [200, 400, 404, 413, 415],
  'DELETE /agents/:agentId': [200, 404, 409],
  'POST /batch-calls': [200, 400, 409, 413],
  'GET /batch-calls': [200, 400],
  'GET /batch-calls/:batchId': [200, 404],
  'GET /batch-calls/:batchId/status': [200, 404],
  'GET /batch-calls/:batchId/calls': [200, 400, 404],
  'GET /batch-calls/:batchId/calls/:jobId': [200, 404],
  'DELETE /batch-calls/:batchId': [200, 404, 409],
  'DELETE /batch-calls/:batchId/calls/:jobId': [200, 404, 409],
  // §8: the number is "normalised as on upload", where a number that is not E.164 is an error.
  'DELETE /batch-calls/:batchId/contacts/:phone': [200, 400, 404, 409],
  'GET /batch-calls/:batchId/export-results': [200, 404],
  // A malformed query (agentId given twice) is a 400, as the route's schema declares.
  'GET /batch-calls/template': [200, 400, 404],
  'POST /batch-calls/validate': [200, 400, 413],
  'POST /batch-calls/preview': [200, 400, 413],
  // Ext: the upload and options of §1, estimated; nothing stored.
  'POST /batch-calls/estimate': [200, 400, 413],
  'GET /workspace': [200],
  'PATCH /workspace': [200, 400, 413, 415],
  // Ext §17, §19: no body is read; 409 for a batch that has ended, or (resume) a paused workspace.
  'POST /batch-calls/:batchId/pause': [200, 404, 409],
  'POST /batch-calls/:batchId/resume': [200, 404, 409],
  'POST /batch-calls/:batchId/retry': [200, 400, 404, 409, 413, 415],
  'POST /batch-calls/:batchId/recipients': [200, 400, 404, 409, 413],
  'POST /workspace/pause': [200],
  'POST /workspace/resume': [200],
  // Ext §18: a number that cannot be read is a 400, like §8's.
  'GET /dnc': [200, 400],
  'POST /dnc': [200, 400, 413],
  'GET /dnc/:phone': [200, 400, 404],
  'DELETE /dnc/:phone': [200, 400, 404],
};

const batchNotFound = {
  error: 'Batch not found',
  message: expect.any(String),
  id: expect.any(String),
};
const callNotFound = { status: 'not_found', error: 'Call not found' };
const agentNotFound = { error: 'Agent not found', message: expect.any(String) };
const contactNotFound = { error: 'Contact not found', message: expect.any(String) };

/** The documented 404 bodies (§2–§9, §14, §10's agent). */
const NOT_FOUND: Partial<Record<Route, ReadonlyArray<Record<string, unknown>>>> = {
  'GET /agents/:agentId': [agentNotFound],
  'PUT /agents/:agentId': [agentNotFound],
  'DELETE /agents/:agentId': [agentNotFound],
  'GET /batch-calls/:batchId': [batchNotFound],
  'GET /batch-calls/:batchId/status': [batchNotFound],
  'GET /batch-calls/:batchId/calls': [batchNotFound],
  'GET /batch-calls/:batchId/calls/:jobId': [callNotFound],
  'DELETE /batch-calls/:batchId': [batchNotFound],
  'DELETE /batch-calls/:batchId/calls/:jobId': [callNotFound],
  'DELETE /batch-calls/:batchId/contacts/:phone': [batchNotFound, contactNotFound],
  'GET /batch-calls/:batchId/export-results': [batchNotFound],
  'GET /batch-calls/template': [agentNotFound],
  'POST /batch-calls/:batchId/pause': [batchNotFound],
  'POST /batch-calls/:batchId/resume': [batchNotFound],
  'POST /batch-calls/:batchId/retry': [batchNotFound],
  'POST /batch-calls/:batchId/recipients': [batchNotFound],
  'GET /dnc/:phone': [{ error: 'Not on the do-not-call list' }],
  'DELETE /dnc/:phone': [{ error: 'Not on the do-not-call list' }],
};

/** What a 4xx body must never show: stack frames, source paths, driver or SQL text. */
const INTERNALS =
  /\n\s+at |node_modules|\.[jt]s:\d+|SQLSTATE|syntax error at or near|violates|relation "|invalid input syntax|out of range for type|duplicate key/;

const short = (s: string) => (s.length > 600 ? `${s.slice(0, 600)}…` : s);

/**
 * A path with a malformed percent-escape (`%zz`, `%C0%AF`) is not a URL of any route: the router
 * answers it with 400 before any route runs.
 */
export function isMalformedUrl(url: string): boolean {
  try {
    decodeURIComponent(url.split('?')[0]!);
    return false;
  } catch {
    return true;
  }
}

export function expectDocumented(
  res: LightMyRequestResponse,
  route: Route,
  sent: string,
  url: string,
): void {
  const what = `${sent}\n→ ${res.statusCode} ${short(res.body)}`;
  expect(res.statusCode, what).toBeLessThan(500);
  const allowed = isMalformedUrl(url) ? [...STATUSES[route], 400] : STATUSES[route];
  expect(allowed, what).toContain(res.statusCode);
  if (res.statusCode < 400) return;
  expect(String(res.headers['content-type']), what).toMatch(/^application\/json/);
  const body: unknown = JSON.parse(res.body);
  expect(typeof body === 'object' && body !== null && !Array.isArray(body), what).toBe(true);
  const b = body as Record<string, unknown>;
  expect(typeof b['error'], what).toBe('string');
  for (const k of ['message', 'code']) {
    if (k in b) expect(typeof b[k], what).toBe('string');
  }
  expect(res.body, what).not.toMatch(INTERNALS);
  const shapes = res.statusCode === 404 ? NOT_FOUND[route] : undefined;
  if (shapes) {
    const matches = shapes.filter((shape) => {
      try {
        expect(b).toEqual(shape);
        return true;
      } catch {
        return false;
      }
    });
    expect(matches.length, `${what}\nnot the documented 404 body of ${route}`).toBe(1);
  }
}

const TABLES = [
  'workspaces',
  'api_keys',
  'agents',
  'batches',
  'calls',
  'call_attempts',
  'batch_progress',
  'idempotency_keys',
  'dnc_entries',
] as const;
export type Counts = Record<(typeof TABLES)[number], number>;

export async function rowCounts(db: Db): Promise<Counts> {
  const rows = await db.query<Counts>(
    `SELECT ${TABLES.map((t) => `(SELECT count(*)::int FROM ${t}) AS ${t}`).join(', ')}`,
  );
  return rows[0]!;
}

/** A stored batch is whole: its calls, its counters and its total agree with the answer. */
export async function expectWholeBatch(db: Db, batchId: string, totalCalls: number, what: string) {
  const [row] = await db.query<{ total: number; calls: number; waiting: number; shards: number }>(
    `SELECT b.total_calls AS total,
            (SELECT count(*)::int FROM calls WHERE batch_id = b.id) AS calls,
            (SELECT COALESCE(sum(waiting), 0)::int FROM batch_progress WHERE batch_id = b.id) AS waiting,
            (SELECT count(*)::int FROM batch_progress WHERE batch_id = b.id) AS shards
       FROM batches b WHERE b.id = $1`,
    [batchId],
  );
  expect(row, what).toEqual({
    total: totalCalls,
    calls: totalCalls,
    waiting: totalCalls,
    shards: expect.any(Number),
  });
  expect(row!.shards, what).toBeGreaterThan(0);
}

/** A batch's progress counters add up to its calls by state (cancels move both at once). */
export async function expectCountersAgree(db: Db, batchId: string, what: string) {
  const byState = await db.query<{ state: string; n: number }>(
    'SELECT state, count(*)::int AS n FROM calls WHERE batch_id = $1 GROUP BY state',
    [batchId],
  );
  const [p] = await db.query<Record<string, number>>(
    `SELECT COALESCE(sum(waiting), 0)::int AS waiting, COALESCE(sum(active), 0)::int AS active,
            COALESCE(sum(completed), 0)::int AS completed, COALESCE(sum(failed), 0)::int AS failed,
            COALESCE(sum(cancelled), 0)::int AS cancelled
       FROM batch_progress WHERE batch_id = $1`,
    [batchId],
  );
  const counted: Record<string, number> = {
    waiting: 0,
    active: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
  };
  for (const r of byState) counted[r.state] = r.n;
  expect(p, what).toEqual(counted);
}
