import { afterEach, expect, it } from 'vitest';
import { claimCalls } from '../../src/engine/claim.js';
import { recordContext } from '../../src/engine/event-recorder.js';
import { dueAfterRestart, takeDueAttempts } from '../../src/storage/recovery-repo.js';
import { recordEvents } from '../../src/storage/transitions/events.js';
import { markPlacing } from '../../src/storage/transitions/placing.js';
import { type Harness, harness, T0 } from '../engine/harness.js';
import { describeEachDb } from '../support/databases.js';
import {
  attemptsOf,
  insertQueuedBatch,
  insertWorkspaceWithAgent,
  reserved,
} from '../support/engine-fixtures.js';

// What recovery takes: open attempts past their check_at, never one a live engine of this
// process holds; at an embedded database's start, every open attempt a dead process left.

describeEachDb('attempts due for recovery', (backend) => {
  let h: Harness;
  afterEach(() => h?.close());

  /** Worker `w` claims one call; it ends up claimed, placing or in_call. */
  async function attemptOf(w: string, phone: number, upTo: 'claimed' | 'placing' | 'in_call') {
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0);
    await insertQueuedBatch(h.db, { workspaceId, agentId, now: T0, phones: [reserved(phone)] });
    const [a] = (await claimCalls(h.rt, { workerId: w, max: 1 })).claimed;
    if (upTo !== 'claimed') {
      await h.db.tx((q) =>
        markPlacing(q, { attemptIds: [a!.attemptId], owner: w, leaseUntil: T0 + 60_000 }),
      );
    }
    if (upTo === 'in_call') {
      await h.db.tx((q) =>
        recordEvents(
          q,
          [{ attemptId: a!.attemptId, kind: 'accepted', at: T0, providerCallId: 'sim_1' }],
          recordContext(h.rt),
        ),
      );
    }
    return a!;
  }

  const take = (over: Partial<Parameters<typeof takeDueAttempts>[1]> = {}) =>
    h.db.tx((q) =>
      takeDueAttempts(q, { now: T0, holdUntil: T0 + 9_000, limit: 10, liveOwners: [], ...over }),
    );

  it('takes what is past its check, holds it and clears its worker; leaves live engines’ leases alone', async () => {
    h = await harness(backend, { leaseMs: 60_000 });
    const dead = await attemptOf('wrk_dead', 1, 'placing');
    const live = await attemptOf('wrk_live', 2, 'claimed');
    expect(await take()).toEqual([]);
    const later = T0 + 60_001;
    const taken = await take({ now: later, holdUntil: later + 9_000, liveOwners: ['wrk_live'] });
    expect(taken).toEqual([
      expect.objectContaining({
        attemptId: dead.attemptId,
        state: 'placing',
        leaseOwner: 'wrk_dead',
      }),
    ]);
    const rows = await h.db.query<{ id: string; lease_owner: string | null; check_at: number }>(
      'SELECT id, lease_owner, check_at FROM call_attempts ORDER BY id',
    );
    expect(rows.find((r) => r.id === dead.attemptId)).toMatchObject({
      lease_owner: null,
      check_at: later + 9_000,
    });
    expect(rows.find((r) => r.id === live.attemptId)).toMatchObject({ lease_owner: 'wrk_live' });
    // Held: the next pass does not take it again before the hold runs out.
    expect(
      await take({ now: later + 1, holdUntil: later + 10_000, liveOwners: ['wrk_live'] }),
    ).toEqual([]);
  });

  it('at an embedded start: a dead process’s open attempts are due at once, not those of engines alive here', async () => {
    h = await harness(backend, { leaseMs: 60_000 });
    const deadClaimed = await attemptOf('wrk_dead', 1, 'claimed');
    const deadInCall = await attemptOf('wrk_dead', 2, 'in_call');
    const liveInCall = await attemptOf('wrk_live', 3, 'in_call');
    await attemptOf('wrk_live', 4, 'claimed');
    const restart = (localProviders: string[]) =>
      h.db.tx((q) => dueAfterRestart(q, { now: T0, liveOwners: ['wrk_live'], localProviders }));
    // In call at a provider whose events do not die with a process: left for its deadline.
    expect(await restart([])).toBe(1);
    expect(await restart(['simulator'])).toBe(1);
    const taken = await take({ liveOwners: ['wrk_live'] });
    expect(taken.map((t) => t.attemptId).sort()).toEqual(
      [deadClaimed.attemptId, deadInCall.attemptId].sort(),
    );
    // Taken once (the restart runs once per process): held, not due again right away.
    expect(await take({ now: T0 + 1, liveOwners: ['wrk_live'] })).toEqual([]);
    const [live] = await attemptsOf(h.db, liveInCall.batchId);
    expect(live).toMatchObject({ state: 'in_call' });
  });
});
