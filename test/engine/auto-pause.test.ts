import { afterEach, expect, it } from 'vitest';
import { PLACING_LOOKAHEAD_MS } from '../../src/engine/placer.js';
import { describeEachDb } from '../support/databases.js';
import {
  attemptsOf,
  expectCountersMatchCalls,
  insertQueuedBatch,
  reserved,
} from '../support/engine-fixtures.js';
import { createTestApp, seedTenant, type TestApp } from '../support/http.js';
import { type Harness, harness, T0 } from './harness.js';

// Ext §17 auto-pause with the real engine: a batch whose latest attempts fail too often pauses
// itself, says why, and starts nothing more until resumed.

describeEachDb('auto-pause on failure rate', (backend) => {
  let h: Harness | undefined;
  let api: TestApp | undefined;
  afterEach(async () => {
    await api?.app.close();
    await h?.close();
    api = h = undefined;
  });

  it('pauses itself once half of its last 4 attempts failed; nothing starts after', async () => {
    h = await harness(backend);
    api = await createTestApp(h.db, {}, h.clock);
    const tenant = await seedTenant(h.db, T0, 'auto');
    await h.db.query(
      'UPDATE workspaces SET max_concurrent_calls = 2, calls_per_second = 2 WHERE id = $1',
      [tenant.workspaceId],
    );
    // Answered, then unreachable numbers (range 400): the rule breaks at the 4th attempt or so.
    const phones = [
      reserved(0),
      reserved(1),
      ...Array.from({ length: 20 }, (_, i) => reserved(400 + i)),
    ];
    const batch = await insertQueuedBatch(h.db, {
      workspaceId: tenant.workspaceId,
      agentId: tenant.agentId,
      now: h.clock.now(),
      phones,
      config: { autoPause: { failureRate: 0.5, minAttempts: 4 } },
    });
    await h.start();
    await h.clock.runUntil(async () => {
      const rows = await h!.db.query<{ status: string }>(
        'SELECT status FROM batches WHERE id = $1',
        [batch.id],
      );
      return rows[0]!.status === 'paused';
    }, 3_600_000);
    await h.clock.advance(600_000);
    const status = (
      await api.app.inject({
        method: 'GET',
        url: `/v1/api/batch-calls/${batch.id}`,
        headers: tenant.headers,
      })
    ).json();
    expect(status.status).toBe('paused');
    expect(status.pausedReason).toMatch(/^auto-paused: \d+ of the last 4 attempts failed/);
    const attempts = await attemptsOf(h.db, batch.id);
    expect(attempts.length).toBeLessThan(phones.length);
    expect(attempts.filter((a) => a.started_at > status.pausedAt + PLACING_LOOKAHEAD_MS)).toEqual(
      [],
    );
    expect(attempts.filter((a) => a.state !== 'ended')).toEqual([]);
    await expectCountersMatchCalls(h.db, batch.id);
  }, 120_000);
});
