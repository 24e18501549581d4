import { afterEach, expect, it } from 'vitest';
import { describeEachDb } from '../support/databases.js';
import { attemptsOf, reserved } from '../support/engine-fixtures.js';
import { closeApp, createTestApp, seedTenant, type TestApp } from '../support/http.js';
import { type Harness, harness, T0 } from './harness.js';

// A batch created with scheduledAt goes through the real API and waits in the engine until then:
// its first dial comes within one poll interval of the scheduled moment, never before.

describeEachDb('engine and scheduled batches', (backend) => {
  let h: Harness;
  let api: TestApp | undefined;
  afterEach(async () => {
    await closeApp(api, undefined);
    api = undefined;
    await h?.close();
  });

  it('starts a scheduled batch on time, within the poll interval, and not a moment before', async () => {
    const pollMs = 30_000;
    h = await harness(backend, { pollMs });
    const tenant = await seedTenant(h.db, T0);
    api = await createTestApp(h.db, { pollMs }, h.clock);
    const scheduledAt = T0 + 3_600_000;
    const created = await api.app.inject({
      method: 'POST',
      url: '/v1/api/batch-calls',
      headers: { ...tenant.headers, 'content-type': 'application/json' },
      payload: {
        agentId: tenant.agentId,
        scheduledAt: new Date(scheduledAt).toISOString(),
        recipients: [{ phone_number: reserved(1) }, { phone_number: reserved(2) }],
      },
    });
    expect(created.statusCode).toBe(200);
    const batchId = created.json().batchId as string;
    await h.start();

    await h.clock.advance(scheduledAt - 1 - h.clock.now());
    expect(await attemptsOf(h.db, batchId)).toEqual([]);
    const waiting = await api.app.inject({
      url: `/v1/api/batch-calls/${batchId}`,
      headers: tenant.headers,
    });
    expect(waiting.json()).toMatchObject({ status: 'queued', scheduledAt });

    await h.clock.advance(pollMs + 1);
    const attempts = await attemptsOf(h.db, batchId);
    expect(attempts).toHaveLength(2);
    for (const a of attempts) {
      expect(a.started_at).toBeGreaterThanOrEqual(scheduledAt);
      expect(a.started_at).toBeLessThanOrEqual(scheduledAt + pollMs);
    }
    const started = await api.app.inject({
      url: `/v1/api/batch-calls/${batchId}`,
      headers: tenant.headers,
    });
    expect(started.json().status).toBe('processing');
  });
});
