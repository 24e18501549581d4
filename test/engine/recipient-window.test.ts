import { afterEach, expect, it } from 'vitest';
import { createBatchFromUpload } from '../../src/ingest/batch-creation.js';
import { recipientsUpload } from '../../src/ingest/recipients.js';
import { describeEachDb } from '../support/databases.js';
import { attemptsOf, callsOf, insertWorkspaceWithAgent } from '../support/engine-fixtures.js';
import { type Harness, harness, T0 } from './harness.js';

// A "recipient" window is judged per call, in its number's zone, at the moment of the claim.
// The batch is uploaded on Sunday 2026-01-04 20:00 UTC (15:00 in New York, 12:00 in Los Angeles:
// both inside 09:00–17:00, so both calls are due at once). No engine runs until T0, Monday 15:00
// UTC: 10:00 in New York, inside; 07:00 in Los Angeles, outside until 17:00 UTC.
const UPLOADED = Date.UTC(2026, 0, 4, 20, 0, 0);
const LA_OPENS = Date.UTC(2026, 0, 5, 17, 0, 0);
const NEW_YORK = '+12125550147';
const LOS_ANGELES = '+13105550110';

describeEachDb('engine and recipient calling windows', (backend) => {
  let h: Harness;
  afterEach(() => h?.close());

  it('at one instant dials the number inside its window and holds the other until it opens', async () => {
    h = await harness(backend, { pollMs: 60_000 });
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, UPLOADED);
    const { batchId } = await createBatchFromUpload(
      { ...h.rt, clock: { now: () => UPLOADED, sleep: (ms, signal) => h.clock.sleep(ms, signal) } },
      workspaceId,
      recipientsUpload({
        agentId,
        callingWindow: {
          timezone: 'recipient',
          days: [1, 2, 3, 4, 5, 6, 7],
          start: '09:00',
          end: '17:00',
        },
        recipients: [{ phone_number: NEW_YORK }, { phone_number: LOS_ANGELES }],
      }),
    );
    const stored = await h.db.query<{ phone_number: string; time_zone: string; run_at: number }>(
      'SELECT phone_number, time_zone, run_at FROM calls WHERE batch_id = $1 ORDER BY seq',
      [batchId],
    );
    expect(stored).toEqual([
      { phone_number: NEW_YORK, time_zone: 'America/New_York', run_at: UPLOADED },
      { phone_number: LOS_ANGELES, time_zone: 'America/Los_Angeles', run_at: UPLOADED },
    ]);
    const [ny, la] = await callsOf(h.db, batchId);
    const firstAttemptOf = async (callId: string) =>
      (await attemptsOf(h.db, batchId)).find((a) => a.call_id === callId && a.attempt_no === 1);

    await h.start();
    expect((await firstAttemptOf(ny!.id))?.started_at).toBe(T0);
    expect(await firstAttemptOf(la!.id)).toBeUndefined();
    expect((await callsOf(h.db, batchId))[1]).toMatchObject({
      state: 'waiting',
      attempts: 0,
      run_at: LA_OPENS,
    });

    await h.clock.runTo(LA_OPENS - 1);
    expect(await firstAttemptOf(la!.id)).toBeUndefined();
    await h.clock.runUntil(async () => (await firstAttemptOf(la!.id)) !== undefined, 3_600_000);
    expect((await firstAttemptOf(la!.id))?.started_at).toBe(LA_OPENS);
  });
});
