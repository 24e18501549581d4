import { afterEach, expect, it } from 'vitest';
import { updateWorkspaceSettings } from '../../src/storage/workspaces-repo.js';
import { describeEachDb } from '../support/databases.js';
import { attemptsOf, batchRow, isBatchCompleted, maxOverlap } from '../support/engine-fixtures.js';
import { createTestApp, multipart, seedTenant, type TestApp } from '../support/http.js';
import { type Harness, harness, T0 } from './harness.js';

// The estimate against the run it estimates: the same file goes to POST /batch-calls/estimate
// and then to POST /batch-calls, and the engine runs the batch to its end with the simulator on
// the stepping clock. The batch's actual duration (first dial to completion) must be within 25 %
// of estimatedDurationSec. The files are the simulator's ordinary mix of callees (answers,
// voicemail, busy, ring-outs, errors, retries), large enough that the limits decide the run.

const csvOf = (n: number) =>
  `phone_number,first_name\n${Array.from(
    { length: n },
    (_, i) => `+1212${String(4_100_000 + i * 7).padStart(7, '0')},Name${i}`,
  ).join('\n')}\n`;

async function post(app: TestApp, headers: Record<string, string>, url: string, csv: string) {
  const body = multipart({ agentId: headers['x-agent-id']! }, { content: csv });
  const res = await app.app.inject({
    method: 'POST',
    url,
    payload: body.payload,
    headers: { ...headers, ...body.headers },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describeEachDb('the estimate against the simulated run', (backend) => {
  let h: Harness;
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.app.close();
    await h?.close();
  });

  async function compare(
    rows: number,
    limits: { maxConcurrentCalls: number; callsPerSecond: number },
    pollMs: number,
  ) {
    h = await harness(backend, { pollMs });
    app = await createTestApp(h.db, {}, h.clock);
    const tenant = await seedTenant(h.db, T0);
    await updateWorkspaceSettings(h.db, tenant.workspaceId, limits);
    const headers = { ...tenant.headers, 'x-agent-id': tenant.agentId };
    const csv = csvOf(rows);

    const estimate = await post(app, headers, '/v1/api/batch-calls/estimate', csv);
    expect(estimate).toMatchObject({ rows, dialableRows: rows, suppressedRows: 0 });
    expect(estimate.assumptions.source).toBe('defaults');
    const { batchId } = await post(app, headers, '/v1/api/batch-calls', csv);
    await h.start();
    await h.clock.runUntil(() => isBatchCompleted(h.db, batchId), 24 * 3_600_000);

    const batch = await batchRow(h.db, batchId);
    const actualSec = (batch.completed_time! - batch.start_time!) / 1000;
    const attempts = await attemptsOf(h.db, batchId);
    // The run was held to the limits the estimate assumed.
    expect(maxOverlap(attempts)).toBeLessThanOrEqual(limits.maxConcurrentCalls);
    expect(Math.abs(batch.start_time! - estimate.estimatedStart)).toBeLessThan(2_000);
    expect(Math.abs(attempts.length - estimate.estimatedAttempts) / attempts.length).toBeLessThan(
      0.1,
    );
    const error = Math.abs(actualSec - estimate.estimatedDurationSec) / actualSec;
    expect(
      error,
      `estimated ${estimate.estimatedDurationSec} s, ran ${actualSec} s, ${attempts.length} attempts`,
    ).toBeLessThanOrEqual(0.25);
  }

  it('concurrency decides: 300 calls, 10 at a time', async () => {
    // A freed slot or a retry coming due wakes the dispatcher: the poll is only a fallback here.
    await compare(300, { maxConcurrentCalls: 10, callsPerSecond: 5 }, 60_000);
  }, 600_000);

  it('pacing decides: 400 calls at 1 per second, up to 80 at a time', async () => {
    // Waiting for the next pacing slot, the dispatcher polls: the default interval.
    await compare(400, { maxConcurrentCalls: 80, callsPerSecond: 1 }, 1_000);
  }, 600_000);
});
