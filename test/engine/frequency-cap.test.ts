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
import { type Harness, harness } from './harness.js';

// Ext §19 with the real engine: under a cap of 2 attempts per 24 h, three batches that share
// numbers never put a third attempt to one number inside any rolling 24 h; the third waits.

const DAY = 24 * 3_600_000;

describeEachDb('the frequency cap across batches', (backend) => {
  let h: Harness | undefined;
  let api: TestApp | undefined;
  afterEach(async () => {
    await api?.app.close();
    await h?.close();
    api = h = undefined;
  });

  it('no rolling 24 h holds more than 2 attempts to one number; the third batch waits a day', async () => {
    h = await harness(backend, { pollMs: 3_600_000 });
    api = await createTestApp(h.db, {}, h.clock);
    const tenant = await seedTenant(h.db, h.clock.now(), 'cap');
    const set = await api.app.inject({
      method: 'PATCH',
      url: '/v1/api/workspace',
      headers: tenant.headers,
      payload: { frequencyCap: { maxAttempts: 2, periodHours: 24 }, maxConcurrentCalls: 5 },
    });
    expect(set.json()).toMatchObject({ frequencyCap: { maxAttempts: 2, periodHours: 24 } });

    const shared = [reserved(21), reserved(22), reserved(23)];
    const batches: Array<{ id: string }> = [];
    for (const [i, phones] of [
      shared,
      [reserved(24), ...shared],
      [...shared.slice().reverse(), reserved(25)],
    ].entries()) {
      batches.push(
        await insertQueuedBatch(h.db, {
          workspaceId: tenant.workspaceId,
          agentId: tenant.agentId,
          now: h.clock.now(),
          // The third batch starts an hour later: still inside the first two attempts' window.
          runAt: h.clock.now() + (i === 2 ? 3_600_000 : 0),
          phones,
        }),
      );
    }
    await h.start();
    const started = h.clock.now();
    const done = async (b: { id: string }) => (await batchRow(h!.db, b.id)).status === 'completed';
    await h.clock.runUntil(async () => (await done(batches[0]!)) && (await done(batches[1]!)), DAY);
    // The third batch came due an hour in: its shared numbers wait for the cap, the other is called.
    await h.clock.runUntil(
      async () =>
        (await callsOf(h!.db, batches[2]!.id)).filter((c) => c.state === 'waiting').length === 3,
      2 * 3_600_000,
    );
    const held = (await callsOf(h.db, batches[2]!.id)).filter((c) => c.state === 'waiting');
    for (const c of held) expect(Number(c.run_at)).toBeGreaterThanOrEqual(started + DAY);
    // The job answers say why they wait, and until when.
    const job = await api.app.inject({
      method: 'GET',
      url: `/v1/api/batch-calls/${batches[2]!.id}/calls/${held[0]!.id}`,
      headers: tenant.headers,
    });
    expect(job.json()).toMatchObject({
      status: 'waiting',
      waitReason: 'frequency_cap',
      nextAttemptAt: Number(held[0]!.run_at),
    });
    // Every held job of the third batch says so (§5); the §4 list keeps the contract's fields.
    for (const c of held) {
      const one = await api.app.inject({
        method: 'GET',
        url: `/v1/api/batch-calls/${batches[2]!.id}/calls/${c.id}`,
        headers: tenant.headers,
      });
      expect(one.json().waitReason).toBe('frequency_cap');
    }
    await h.clock.runUntil(async () => {
      for (const b of batches) {
        const s = (await batchRow(h!.db, b.id)).status;
        if (s !== 'completed') return false;
      }
      return true;
    }, 3 * DAY);

    const numberOf = new Map<string, string>();
    const attempts: Array<{ phone: string; at: number }> = [];
    for (const b of batches) {
      for (const c of await callsOf(h.db, b.id)) numberOf.set(c.id, c.phone_number);
    }
    for (const b of batches) {
      for (const a of await attemptsOf(h.db, b.id)) {
        attempts.push({ phone: numberOf.get(a.call_id)!, at: Number(a.started_at) });
      }
      await expectCountersMatchCalls(h.db, b.id);
    }
    // From the rows: every window (t - 24 h, t] ending at an attempt holds at most 2 to its number.
    for (const a of attempts) {
      const inWindow = attempts.filter(
        (o) => o.phone === a.phone && o.at > a.at - DAY && o.at <= a.at,
      );
      expect(inWindow.length, `${a.phone} at ${a.at}`).toBeLessThanOrEqual(2);
    }
    // Each shared number was dialed three times; its third attempt a day after its first.
    for (const p of shared) {
      const ts = attempts
        .filter((a) => a.phone === p)
        .map((a) => a.at)
        .sort((x, y) => x - y);
      expect(ts).toHaveLength(3);
      expect(ts[2]! - ts[0]!).toBeGreaterThanOrEqual(DAY);
      expect(ts[2]! - started).toBeLessThan(DAY + 3_600_000);
    }
  }, 300_000);
});
