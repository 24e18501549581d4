import { afterEach, expect, it } from 'vitest';
import { describeEachDb } from '../support/databases.js';
import {
  attemptsOf,
  callsOf,
  insertQueuedBatch,
  insertWorkspaceWithAgent,
  reserved,
} from '../support/engine-fixtures.js';
import { type Harness, harness } from './harness.js';

// A calling window across a daylight-saving change, through the engine on both databases: the
// window is read with the zone's real rules on the day it opens, not the offset of the day the
// call was deferred. New York springs forward on Sunday 8 March 2026 (02:00 EST → 03:00 EDT).

const NY = 'America/New_York';
const SATURDAY_EVENING = Date.UTC(2026, 2, 7, 23, 0, 0); // Sat 7 March 18:00 EST
const SUNDAY_OPENING = Date.UTC(2026, 2, 8, 13, 0, 0); // Sun 8 March 09:00 EDT (not 14:00Z)

describeEachDb('engine and a calling window across a DST change', (backend) => {
  let h: Harness;
  afterEach(() => h?.close());

  it('defers a call over the change and dials it at 09:00 local time in the new offset', async () => {
    // A long poll keeps the simulated hours short to step through; due times wake the engine.
    h = await harness(backend, { pollMs: 3_600_000 });
    await h.clock.runTo(SATURDAY_EVENING);
    const now = h.clock.now();
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, now);
    const batch = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now,
      phones: [reserved(1)],
      timeZone: NY,
      config: {
        callingWindow: { timezone: NY, days: [1, 2, 3, 4, 5, 6, 7], start: '09:00', end: '17:00' },
      },
    });
    await h.start();
    const [deferred] = await callsOf(h.db, batch.id);
    expect(deferred).toMatchObject({ state: 'waiting', attempts: 0, run_at: SUNDAY_OPENING });

    await h.clock.runTo(SUNDAY_OPENING - 1);
    expect(await attemptsOf(h.db, batch.id)).toEqual([]);
    await h.clock.runUntil(async () => (await attemptsOf(h.db, batch.id)).length > 0, 60_000);
    const [attempt] = await attemptsOf(h.db, batch.id);
    expect(attempt!.started_at).toBe(SUNDAY_OPENING);
  });
});
