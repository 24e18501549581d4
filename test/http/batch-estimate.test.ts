import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { DEFAULT_RATES } from '../../src/domain/estimate-assumptions.js';
import type { Db } from '../../src/storage/db.js';
import { updateWorkspaceSettings } from '../../src/storage/workspaces-repo.js';
import { type ApiFixture, apiFixture } from '../support/api-fixture.js';
import { describeEachDb } from '../support/databases.js';
import { insertQueuedBatch } from '../support/engine-fixtures.js';
import { closeApp, multipart, type Tenant } from '../support/http.js';
import { checkEveryAnswer, servedDocumentConformance } from '../support/openapi-conformance.js';

// Ext: POST /batch-calls/estimate. The upload and options of §1, checked as §1 checks them, an
// estimate of the run from the workspace's limits and history — and nothing stored, ever.

const NOW = Date.UTC(2026, 0, 5, 15, 0, 0); // Monday 15:00 UTC: 10:00 in New York
const phones = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `+1212555${String(1000 + from + i).padStart(4, '0')}`);
const csvOf = (numbers: readonly string[]) =>
  `phone_number,first_name\n${numbers.map((p, i) => `${p},Name${i}`).join('\n')}\n`;

/** Every table a request could write to, counted. */
async function stored(db: Db) {
  const [r] = await db.query<Record<string, number>>(
    `SELECT (SELECT count(*)::int FROM batches) AS batches,
            (SELECT count(*)::int FROM calls) AS calls,
            (SELECT count(*)::int FROM batch_progress) AS progress,
            (SELECT count(*)::int FROM call_attempts) AS attempts,
            (SELECT count(*)::int FROM idempotency_keys) AS idempotency_keys,
            (SELECT count(*)::int FROM dnc_entries) AS dnc`,
  );
  return r!;
}

describeEachDb('POST /batch-calls/estimate (ext)', (backend) => {
  let f: ApiFixture;
  beforeAll(async () => {
    f = await apiFixture(backend, NOW);
    // Every answer here must be one the served OpenAPI document describes.
    checkEveryAnswer(f.h.app, await servedDocumentConformance(f.h.app));
  });
  afterAll(() => closeApp(f?.h, f?.t));
  beforeEach(async () => {
    await f.t.db.query('DELETE FROM batches');
    await f.t.db.query('DELETE FROM dnc_entries');
    await updateWorkspaceSettings(f.t.db, f.a.workspaceId, {
      maxConcurrentCalls: 10,
      callsPerSecond: 5,
      timezone: 'UTC',
      frequencyCap: null,
    });
  });

  const estimate = (
    fields: Record<string, string>,
    csv?: string,
    opts: { tenant?: Tenant; url?: string; headers?: Record<string, string> } = {},
  ) => {
    const body = multipart(fields, csv === undefined ? undefined : { content: csv });
    return f.h.app.inject({
      method: 'POST',
      url: opts.url ?? '/v1/api/batch-calls/estimate',
      payload: body.payload,
      headers: { ...(opts.tenant ?? f.a).headers, ...body.headers, ...opts.headers },
    });
  };

  it('counts the rows, leaves out invalid and listed ones, and estimates from the limits', async () => {
    await updateWorkspaceSettings(f.t.db, f.a.workspaceId, {
      maxConcurrentCalls: 4,
      callsPerSecond: 2,
    });
    const listed = await f.h.app.inject({
      method: 'POST',
      url: '/v1/api/dnc',
      headers: f.a.headers,
      payload: { phoneNumbers: [phones(1, 40)[0]] },
    });
    expect(listed.statusCode).toBe(200);
    const csv = `${csvOf(phones(41))}12ab,Bad\n`;
    const before = await stored(f.t.db);
    const res = await estimate({ agentId: f.a.agentId, maxConcurrency: '2' }, csv, {
      headers: { 'idempotency-key': 'estimate-1' },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({
      rows: 42,
      dialableRows: 40,
      suppressedRows: 1,
      invalidRows: 1,
      estimatedStart: NOW,
      estimatedFinish: expect.any(Number),
      estimatedDurationSec: expect.any(Number),
      estimatedAttempts: expect.any(Number),
      assumptions: {
        meanCallSec: DEFAULT_RATES.meanCallSec,
        answerRate: DEFAULT_RATES.answerRate,
        retryRate: DEFAULT_RATES.retryRate,
        maxAttempts: 3,
        // The batch's maxConcurrency narrows the workspace's 4.
        maxConcurrentCalls: 2,
        callsPerSecond: 2,
        source: 'defaults',
      },
    });
    expect(body.estimatedFinish - body.estimatedStart).toBe(body.estimatedDurationSec * 1000);
    // 40 rows and about 22 % of them again, 2 at a time, 73 s each: about half an hour.
    expect(body.estimatedAttempts).toBe(40 + 9 + 2);
    expect(body.estimatedDurationSec).toBeGreaterThan((49 * 73) / 2);
    expect(body.estimatedDurationSec).toBeLessThan((51 * 73) / 2 + 600);
    // Nothing stored, not even the Idempotency-Key.
    expect(await stored(f.t.db)).toEqual(before);
    expect(f.h.wakes).toBe(0);
  });

  it('answers under both prefixes, and is not taken for a batch id', async () => {
    const a = await estimate({ agentId: f.a.agentId }, csvOf(phones(3)));
    const b = await estimate({ agentId: f.a.agentId }, csvOf(phones(3)), {
      url: '/v1/batch-calls/estimate',
    });
    expect(a.statusCode).toBe(200);
    expect(b.json()).toEqual(a.json());
    const get = await f.h.app.inject({
      method: 'GET',
      url: '/v1/api/batch-calls/estimate',
      headers: f.a.headers,
    });
    expect(get.statusCode).toBe(404);
    expect(get.json().error).toBe('Batch not found');
  });

  it("starts at scheduledAt, or where the calling window first opens in the rows' zones", async () => {
    const scheduled = await estimate(
      { agentId: f.a.agentId, scheduledAt: '2026-01-06T16:00:00Z' },
      csvOf(phones(2)),
    );
    expect(scheduled.json().estimatedStart).toBe(Date.UTC(2026, 0, 6, 16, 0, 0));
    // 212 is New York, where it is 10:00: a 12:00–13:00 window opens at 17:00 UTC.
    const window = '{"timezone":"recipient","start":"12:00","end":"13:00"}';
    const res = await estimate({ agentId: f.a.agentId, callingWindow: window }, csvOf(phones(2)));
    expect(res.statusCode).toBe(200);
    expect(res.json().estimatedStart).toBe(Date.UTC(2026, 0, 5, 17, 0, 0));
    expect(res.json().assumptions.callingWindow).toEqual({
      timezone: 'recipient',
      days: [1, 2, 3, 4, 5, 6, 7],
      start: '12:00',
      end: '13:00',
    });
  });

  it("smart callback: the agent's or the batch's policy decides the retries", async () => {
    const res = await estimate(
      { agentId: f.a.agentId, smartCallbackConfig: '{"enabled":true,"maxAttempts":4}' },
      csvOf(phones(10)),
    );
    expect(res.json().assumptions).toMatchObject({
      retryRate: DEFAULT_RATES.smartRetryRate,
      maxAttempts: 4,
    });
  });

  it("learns from the workspace's own ended attempts, never another workspace's", async () => {
    // A's history: 60 attempts of 30 s, 45 answered, 12 busy, 3 voicemail.
    await insertHistory(f.t.db, f.a, 60, (i) =>
      i < 45 ? 'answered' : i < 57 ? 'busy' : 'voicemail',
    );
    // B's: 200 one-second attempts, none answered.
    await insertHistory(f.t.db, f.b, 200, () => 'no_answer', 1_000);
    const res = await estimate({ agentId: f.a.agentId }, csvOf(phones(5)));
    expect(res.json().assumptions).toMatchObject({
      meanCallSec: 30,
      answerRate: 0.75,
      retryRate: 0.2,
      source: 'history',
      historyAttempts: 60,
    });
    const other = await estimate({ agentId: f.b.agentId }, csvOf(phones(5)), { tenant: f.b });
    expect(other.json().assumptions).toMatchObject({
      meanCallSec: 1,
      answerRate: 0,
      retryRate: 1,
      source: 'history',
      historyAttempts: 200,
    });
  });

  it('the same 400s as §1 and validate for bad input, nothing stored', async () => {
    const before = await stored(f.t.db);
    const cases: Array<[Record<string, string>, string | undefined, Record<string, unknown>]> = [
      [{ agentId: f.a.agentId }, undefined, { error: 'No file uploaded' }],
      [{}, csvOf(phones(2)), { error: 'Missing agentId' }],
      [{ agentId: 'agent_nope' }, csvOf(phones(2)), { error: 'Agent not found' }],
      // Another workspace's agent is unknown here, exactly like a made-up id.
      [{ agentId: f.b.agentId }, csvOf(phones(2)), { error: 'Agent not found' }],
      [
        { agentId: f.a.agentId, scheduledAt: '2020-01-01T00:00:00Z' },
        csvOf(phones(2)),
        { error: 'Invalid scheduledAt' },
      ],
      [
        { agentId: f.a.agentId, callingWindow: '{"start":"9"}' },
        csvOf(phones(2)),
        { error: 'Invalid callingWindow' },
      ],
      [
        { agentId: f.a.agentId, maxConcurrency: '0' },
        csvOf(phones(2)),
        { error: 'Invalid maxConcurrency' },
      ],
      [{ agentId: f.a.agentId }, 'first_name\nJohn\n', { error: 'Missing phone_number column' }],
    ];
    for (const [fields, csv, error] of cases) {
      const res = await estimate(fields, csv);
      expect({ status: res.statusCode, body: res.json() }, JSON.stringify(fields)).toEqual({
        status: 400,
        body: expect.objectContaining(error),
      });
    }
    expect(await stored(f.t.db)).toEqual(before);
  });

  it('a file with no dialable row estimates nothing to run', async () => {
    const res = await estimate({ agentId: f.a.agentId }, 'phone_number\n12ab\n');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      rows: 1,
      dialableRows: 0,
      invalidRows: 1,
      estimatedDurationSec: 0,
      estimatedAttempts: 0,
    });
    expect(res.json().estimatedStart).toBeUndefined();
    expect(res.json().estimatedFinish).toBeUndefined();
  });
});

/** `n` ended attempts of `ms` each in the tenant's workspace, in a batch of their own. */
async function insertHistory(
  db: Db,
  tenant: Tenant,
  n: number,
  reasonOf: (i: number) => string,
  ms = 30_000,
) {
  const numbers = phones(n, 5_000);
  const batch = await insertQueuedBatch(db, {
    workspaceId: tenant.workspaceId,
    agentId: tenant.agentId,
    now: NOW - 86_400_000,
    phones: numbers,
  });
  await db.query(
    `INSERT INTO call_attempts (id, call_id, batch_id, workspace_id, attempt_no, worker_id,
       provider, started_at, ended_at, reason, state)
     SELECT 'att_' || c, c, $2, $3, 1, 'w', 'simulator', $4::bigint + s * 60000,
            $4::bigint + s * 60000 + $5::bigint, r, 'ended'
       FROM unnest($1::text[], $6::text[]) WITH ORDINALITY AS t(c, r, s)`,
    [
      batch.callIds,
      batch.id,
      tenant.workspaceId,
      NOW - 86_400_000,
      ms,
      numbers.map((_, i) => reasonOf(i)),
    ],
  );
}
