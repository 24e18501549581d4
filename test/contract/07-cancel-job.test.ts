import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiFixture } from '../support/api-fixture.js';
import { insertBatch, mixedCalls } from '../support/batch-fixtures.js';
import { describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, type Tenant, type TestApp } from '../support/http.js';

// Contract §7 `DELETE /batch-calls/{batchId}/calls/{jobId}`: 200 for a waiting job, 409 for an
// active or terminal one (the error names which), 404 exactly as §5.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const keysOf = (o: object) => Object.keys(o).sort();

describeEachDb('contract §7: cancel one job', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let b: Tenant;
  let mixed: { id: string; callIds: string[] };

  beforeAll(async () => {
    ({ t, h, a, b } = await apiFixture(backend, T0));
    mixed = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: mixedCalls(T0),
    });
  });
  afterAll(() => closeApp(h, t));

  const del = (batchId: string, jobId: string, who: Tenant = a, prefix = '/v1/api') =>
    h.app.inject({
      method: 'DELETE',
      url: `${prefix}/batch-calls/${batchId}/calls/${jobId}`,
      headers: who.headers,
    });

  it('200: exactly jobId, status "cancelled" and message "Call cancelled"', async () => {
    const jobId = mixed.callIds[0]!;
    const res = await del(mixed.id, jobId, a, '/v1');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(keysOf(res.json())).toEqual(['jobId', 'message', 'status']);
    expect(res.json()).toEqual({ jobId, status: 'cancelled', message: 'Call cancelled' });
    // §5 then shows it cancelled, with its error and no end time (it was never dialed).
    const view = await h.app.inject({
      method: 'GET',
      url: `/v1/api/batch-calls/${mixed.id}/calls/${jobId}`,
      headers: a.headers,
    });
    expect(view.json()).toEqual({
      jobId,
      status: 'cancelled',
      phone_number: view.json().phone_number,
      error: 'Call cancelled',
      attempts: 0,
    });
  });

  it('409 with a flat { error } naming why, for active and terminal jobs', async () => {
    const expected: Array<[number, string]> = [
      [2, 'Call in progress'],
      [3, 'Call already completed'],
      [4, 'Call already failed'],
      [5, 'Call already cancelled'],
      [0, 'Call already cancelled'], // cancelled by the test above
    ];
    for (const [i, error] of expected) {
      const res = await del(mixed.id, mixed.callIds[i]!);
      expect(res.statusCode, error).toBe(409);
      expect(res.json()).toEqual({ error });
    }
  });

  it('404 {"status":"not_found","error":"Call not found"} as §5', async () => {
    const other = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: [{ state: 'waiting' }],
    });
    const cases: Array<[string, string, Tenant]> = [
      [mixed.id, 'call_unknown', a],
      [mixed.id, other.callIds[0]!, a], // a job of another batch
      ['batch_unknown', mixed.callIds[1]!, a],
      [mixed.id, mixed.callIds[1]!, b], // another workspace
    ];
    for (const [batchId, jobId, who] of cases) {
      const res = await del(batchId, jobId, who);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ status: 'not_found', error: 'Call not found' });
    }
  });
});
