import { afterEach, expect, it } from 'vitest';
import { claimCalls } from '../../src/engine/claim.js';
import { engineMetrics } from '../../src/engine/engine-metrics.js';
import { buildApp } from '../../src/http/app.js';
import { markPlacing } from '../../src/storage/transitions/placing.js';
import { describeEachDb } from '../support/databases.js';
import {
  insertQueuedBatch,
  insertWorkspaceWithAgent,
  isBatchCompleted,
  reserved,
} from '../support/engine-fixtures.js';
import { type Harness, harness, T0 } from './harness.js';

// The engine's own metrics (attempts by reason, claim and provider latency, recoveries, what the
// engine holds):
// counted from what the engine did, and served by the /metrics of the process that ran it.

const valuesOf = async (metric: {
  get(): Promise<{ values: Array<{ labels: object; value: number }> }>;
}) => (await metric.get()).values;

describeEachDb('engine metrics', (backend) => {
  let h: Harness;
  afterEach(() => h?.close());

  it('counts attempts by reason, claims and dials, and /metrics serves them', async () => {
    h = await harness(backend);
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0, {
      maxConcurrentCalls: 10,
      callsPerSecond: 10,
    });
    // answered, busy ×3, no answer ×3, voicemail (see the simulator's reserved ranges)
    const phones = [0, 100, 200, 300].map(reserved);
    const batch = await insertQueuedBatch(h.db, { workspaceId, agentId, now: T0, phones });
    await h.start();
    await h.clock.runUntil(() => isBatchCompleted(h.db, batch.id), 60 * 60_000);

    const m = engineMetrics(h.rt);
    const byReason = Object.fromEntries(
      (await valuesOf(m.attempts)).map((v) => [(v.labels as { reason: string }).reason, v.value]),
    );
    expect(byReason).toEqual({ answered: 1, busy: 3, no_answer: 3, voicemail: 1 });
    expect((await valuesOf(m.claimedCalls))[0]!.value).toBe(8);
    const dials = (await valuesOf(m.providerDuration)).find(
      (v) =>
        (v.labels as Record<string, string>)['operation'] === 'place' &&
        (v.labels as Record<string, string>)['provider'] === 'simulator' &&
        (v as { metricName?: string }).metricName?.endsWith('_count'),
    );
    expect(dials?.value).toBe(8);
    const claims = (await valuesOf(m.claimDuration)).filter((v) =>
      (v as { metricName?: string }).metricName?.endsWith('_count'),
    );
    const claimed = claims.find((v) => (v.labels as { result: string }).result === 'claimed');
    expect(claimed?.value).toBeGreaterThanOrEqual(4);
    expect(await valuesOf(m.recoveries)).toEqual([]);

    const app = await buildApp(h.rt);
    try {
      const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(text).toContain('outdial_call_attempts_total{reason="busy"} 3');
      expect(text).toContain('outdial_claimed_calls_total 8');
      expect(text).toMatch(/outdial_claim_duration_seconds_count\{result="claimed"\} \d+/);
      expect(text).toContain(
        'outdial_provider_request_duration_seconds_count{provider="simulator",operation="place"} 8',
      );
      // Every call ended: the engine holds nothing, its simulator plays no call.
      expect(text).toContain('outdial_engine_attempts_held 0');
      expect(text).toContain(`outdial_engine_attempts_held_limit ${h.rt.config.maxPlacing}`);
      expect(text).toContain('outdial_provider_calls_in_progress{provider="simulator"} 0');
      // Another runtime's engines are not counted here.
      const other = await harness(backend);
      try {
        expect(await valuesOf(engineMetrics(other.rt).attempts)).toEqual([]);
      } finally {
        await other.close();
      }
    } finally {
      await app.close();
    }
  });

  it('counts the attempts recovery took over and the provider lookups that settle them', async () => {
    h = await harness(backend, { leaseMs: 60_000 });
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0);
    const batch = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: [reserved(1), reserved(300)],
    });
    // A worker claims both, marks them placing (its requests may have left) and dies.
    const claimed = (await claimCalls(h.rt, { workerId: 'wrk_dead', max: 10 })).claimed;
    expect(claimed).toHaveLength(2);
    await h.db.tx((q) =>
      markPlacing(q, {
        attemptIds: claimed.map((c) => c.attemptId),
        owner: 'wrk_dead',
        leaseUntil: T0 + 60_000,
      }),
    );
    await h.start();
    await h.clock.runUntil(() => isBatchCompleted(h.db, batch.id), 60 * 60_000);

    const m = engineMetrics(h.rt);
    const recovered = Object.fromEntries(
      (await valuesOf(m.recoveries)).map((v) => [(v.labels as { state: string }).state, v.value]),
    );
    expect(recovered['placing']).toBe(2);
    const lookups = (await valuesOf(m.providerDuration)).find(
      (v) =>
        (v.labels as Record<string, string>)['operation'] === 'lookup' &&
        (v as { metricName?: string }).metricName?.endsWith('_count'),
    );
    expect(lookups?.value).toBeGreaterThanOrEqual(2);
    const byReason = Object.fromEntries(
      (await valuesOf(m.attempts)).map((v) => [(v.labels as { reason: string }).reason, v.value]),
    );
    expect(byReason).toEqual({ answered: 1, voicemail: 1 });
  });
});
