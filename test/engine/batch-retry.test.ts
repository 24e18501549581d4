import { afterEach, expect, it } from 'vitest';
import { describeEachDb } from '../support/databases.js';
import {
  attemptsOf,
  batchRow,
  callsOf,
  expectCountersMatchCalls,
  insertQueuedBatch,
  reserved,
} from '../support/engine-fixtures.js';
import { createTestApp, seedTenant, type TestApp } from '../support/http.js';
import { type Harness, harness, T0 } from './harness.js';

// Ext §17 retry with the real engine: a retried job gets a fresh attempt budget (its attempts
// keep counting), and its completed batch reopens and completes again.

describeEachDb('retrying failed jobs while the engine runs', (backend) => {
  let h: Harness | undefined;
  let api: TestApp | undefined;
  afterEach(async () => {
    await api?.app.close();
    await h?.close();
    api = h = undefined;
  });

  it('a retried job gets a fresh budget of attempts; its batch reopens and completes again', async () => {
    const overrides = { maxAttempts: 2, retryDelaysMs: [60_000] };
    h = await harness(backend, overrides);
    api = await createTestApp(h.db, overrides, h.clock);
    const tenant = await seedTenant(h.db, T0, 'retry');
    // Range 100: always busy. Range 0: answered.
    const batch = await insertQueuedBatch(h.db, {
      workspaceId: tenant.workspaceId,
      agentId: tenant.agentId,
      now: h.clock.now(),
      phones: [reserved(100), reserved(0)],
    });
    await h.start();
    const done = async () => (await batchRow(h!.db, batch.id)).status === 'completed';
    await h.clock.runUntil(done, 3_600_000);
    expect((await callsOf(h.db, batch.id)).map((c) => [c.state, c.attempts])).toEqual([
      ['failed', 2],
      ['completed', 1],
    ]);

    const res = await api.app.inject({
      method: 'POST',
      url: `/v1/api/batch-calls/${batch.id}/retry`,
      headers: tenant.headers,
      payload: { reasons: ['busy'] },
    });
    expect(res.json()).toMatchObject({ retriedCalls: 1, status: 'processing' });
    await h.clock.runUntil(done, 3_600_000);
    const [busy] = await callsOf(h.db, batch.id);
    // Two more attempts (the new round's budget), numbered on from the first round's.
    expect(busy).toMatchObject({ state: 'failed', attempts: 4, last_reason: 'busy' });
    const attempts = (await attemptsOf(h.db, batch.id)).filter((a) => a.call_id === busy!.id);
    expect(attempts.map((a) => a.attempt_no).sort()).toEqual([1, 2, 3, 4]);
    expect((await batchRow(h.db, batch.id)).completed_time).not.toBeNull();
    await expectCountersMatchCalls(h.db, batch.id);
  }, 120_000);
});
