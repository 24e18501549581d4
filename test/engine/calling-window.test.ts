import { afterEach, expect, it } from 'vitest';
import { describeEachDb } from '../support/databases.js';
import {
  attemptsOf,
  callsOf,
  insertQueuedBatch,
  insertWorkspaceWithAgent,
  reserved,
} from '../support/engine-fixtures.js';
import { type Harness, harness, T0 } from './harness.js';

// T0 is Monday 2026-01-05 15:00 UTC = 10:00 in New York.
const NY = 'America/New_York';

describeEachDb('engine and calling windows', (backend) => {
  let h: Harness;
  afterEach(() => h?.close());

  it('does not dial a call due outside its window: it is dialed when the window opens', async () => {
    h = await harness(backend, { pollMs: 60_000 });
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0);
    const batch = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: [reserved(1)],
      timeZone: NY,
      config: {
        callingWindow: { timezone: NY, days: [1, 2, 3, 4, 5], start: '12:00', end: '17:00' },
      },
    });
    await h.start();
    const opens = Date.UTC(2026, 0, 5, 17, 0, 0); // 12:00 in New York
    const [deferred] = await callsOf(h.db, batch.id);
    expect(deferred).toMatchObject({
      state: 'waiting',
      attempts: 0,
      run_at: opens,
      start_time: null,
    });
    expect(await attemptsOf(h.db, batch.id)).toEqual([]);

    await h.clock.runTo(opens - 1);
    expect(await attemptsOf(h.db, batch.id)).toEqual([]);
    await h.clock.runUntil(async () => (await attemptsOf(h.db, batch.id)).length > 0, 3_600_000);
    const [attempt] = await attemptsOf(h.db, batch.id);
    expect(attempt!.started_at).toBe(opens);
  });

  it('moves a retry that would fall outside the window to its next opening', async () => {
    h = await harness(backend, { retryDelaysMs: [120_000] });
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0);
    const batch = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: [reserved(100)],
      timeZone: NY,
      config: {
        callingWindow: { timezone: NY, days: [1, 2, 3, 4, 5], start: '09:00', end: '10:01' },
      },
    });
    await h.start();
    await h.clock.runUntil(
      async () =>
        (await callsOf(h.db, batch.id))[0]!.attempts === 1 &&
        (await callsOf(h.db, batch.id))[0]!.state === 'waiting',
      60_000,
    );
    const [call] = await callsOf(h.db, batch.id);
    // Busy at 10:00; two minutes later the window (09:00–10:01) has closed: Tuesday 09:00 NY.
    expect(call!.run_at).toBe(Date.UTC(2026, 0, 6, 14, 0, 0));
  });

  it('ignores the window for calls without a time zone', async () => {
    h = await harness(backend);
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0);
    const batch = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: [reserved(1)],
      config: { callingWindow: { timezone: NY, days: [6], start: '12:00', end: '13:00' } },
    });
    await h.start();
    expect((await attemptsOf(h.db, batch.id)).map((a) => a.started_at)).toEqual([T0]);
  });
});
