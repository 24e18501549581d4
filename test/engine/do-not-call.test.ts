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

// Ext §18 with the real engine: a number on the do-not-call list is never dialed — listed while
// its jobs wait, or listed by its callee opting out in another batch — and each of its jobs ends
// cancelled with "Number on do-not-call list".

describeEachDb('the do-not-call list while batches run', (backend) => {
  let h: Harness | undefined;
  let api: TestApp | undefined;
  afterEach(async () => {
    await api?.app.close();
    await h?.close();
    api = h = undefined;
  });

  it('a number listed while its jobs wait, and one that opted out in batch 1, are never dialed again', async () => {
    h = await harness(backend);
    api = await createTestApp(h.db, {}, h.clock);
    const tenant = await seedTenant(h.db, T0, 'dnc');
    await h.db.query(
      'UPDATE workspaces SET max_concurrent_calls = 2, calls_per_second = 2 WHERE id = $1',
      [tenant.workspaceId],
    );
    const optOut = reserved(700); // the simulator's callee answers and opts out
    const listedLater = reserved(1);
    // Batch 1: the opting-out number first; later rows keep the batch running.
    const b1 = await insertQueuedBatch(h.db, {
      workspaceId: tenant.workspaceId,
      agentId: tenant.agentId,
      now: h.clock.now(),
      phones: [optOut, reserved(2), reserved(3), reserved(4), listedLater],
    });
    // Batch 2 waits an hour, and holds both numbers.
    const b2 = await insertQueuedBatch(h.db, {
      workspaceId: tenant.workspaceId,
      agentId: tenant.agentId,
      now: h.clock.now(),
      runAt: T0 + 3_600_000,
      phones: [reserved(5), optOut, listedLater],
    });
    await h.start();
    await h.clock.advance(100);
    // Listed while its job waits (batch 1's last row has not come up: 2 calls at a time).
    const listed = await api.app.inject({
      method: 'POST',
      url: '/v1/api/dnc',
      headers: tenant.headers,
      payload: { phoneNumbers: ['+1 (500) 555-0001'], reason: 'asked by email' },
    });
    expect(listed.json()).toEqual({ added: 1, alreadyListed: 0 });

    await h.clock.runUntil(
      async () =>
        (await batchRow(h!.db, b1.id)).status === 'completed' &&
        (await batchRow(h!.db, b2.id)).status === 'completed',
      4 * 3_600_000,
    );
    const dialed = [...(await attemptsOf(h.db, b1.id)), ...(await attemptsOf(h.db, b2.id))];
    const numberOf = new Map(
      [...(await callsOf(h.db, b1.id)), ...(await callsOf(h.db, b2.id))].map((c) => [
        c.id,
        c.phone_number,
      ]),
    );
    const dialedNumbers = dialed.map((a) => numberOf.get(a.call_id));
    // The opting-out number was dialed once (in batch 1), the number listed later never.
    expect(dialedNumbers.filter((n) => n === optOut)).toHaveLength(1);
    expect(dialedNumbers.filter((n) => n === listedLater)).toEqual([]);

    const c1 = await callsOf(h.db, b1.id);
    const c2 = await callsOf(h.db, b2.id);
    expect(c1[0]).toMatchObject({ state: 'completed', outcome: 'opted_out' });
    for (const c of [c1[4]!, c2[1]!, c2[2]!]) {
      expect(c).toMatchObject({
        state: 'cancelled',
        attempts: 0,
        error: 'Number on do-not-call list',
      });
    }
    expect(c2[0]!.state).toBe('completed');
    await expectCountersMatchCalls(h.db, b1.id);
    await expectCountersMatchCalls(h.db, b2.id);

    const entry = await api.app.inject({
      method: 'GET',
      url: `/v1/api/dnc/${encodeURIComponent(optOut)}`,
      headers: tenant.headers,
    });
    expect(entry.json()).toMatchObject({
      phone_number: optOut,
      source: 'opt_out',
      batchId: b1.id,
      jobId: c1[0]!.id,
    });
    const job = await api.app.inject({
      method: 'GET',
      url: `/v1/api/batch-calls/${b2.id}/calls/${c2[2]!.id}`,
      headers: tenant.headers,
    });
    expect(job.json()).toMatchObject({ status: 'cancelled', error: 'Number on do-not-call list' });
  }, 300_000);
});
