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

  it('reads a named-zone window in its own zone, and a recipient window in the workspace zone, for calls stored without a zone', async () => {
    // Calls stored before every call kept its recipient's zone have none: the window still holds.
    h = await harness(backend);
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0);
    await h.db.query("UPDATE workspaces SET timezone = 'Asia/Tokyo' WHERE id = $1", [workspaceId]);
    const named = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: [reserved(1)],
      config: { callingWindow: { timezone: NY, days: [6], start: '12:00', end: '13:00' } },
    });
    const recipient = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: [reserved(2)],
      // T0 is 00:00 Tuesday in Tokyo.
      config: { callingWindow: { timezone: 'recipient', days: [2], start: '09:00', end: '10:00' } },
    });
    await h.start();
    expect(await attemptsOf(h.db, named.id)).toEqual([]);
    expect(await attemptsOf(h.db, recipient.id)).toEqual([]);
    // Saturday 12:00 in New York; Tuesday 09:00 in Tokyo.
    expect((await callsOf(h.db, named.id))[0]).toMatchObject({
      state: 'waiting',
      run_at: Date.UTC(2026, 0, 10, 17, 0),
    });
    expect((await callsOf(h.db, recipient.id))[0]).toMatchObject({
      state: 'waiting',
      run_at: Date.UTC(2026, 0, 6, 0, 0),
    });
  });
});
