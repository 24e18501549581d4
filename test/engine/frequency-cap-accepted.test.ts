import { afterEach, expect, it } from 'vitest';
import { createRegistry } from '../../src/providers/registry.js';
import { describeEachDb } from '../support/databases.js';
import {
  attemptsOf,
  callsOf,
  insertAgentRow,
  insertQueuedBatch,
  insertWorkspaceWithAgent,
  reserved,
} from '../support/engine-fixtures.js';
import { ScriptedCarrier } from '../support/scripted-carrier.js';
import { type Harness, harness, T0 } from './harness.js';

// Ext §19 "What counts as an attempt": only a call the carrier accepted. A create the carrier
// refuses for its own rate limit or queue is handed back and is no attempt, so it does not spend
// the frequency cap — neither for its own job nor for another batch's job to the same number,
// which the claim held back while that create was still pending.

const DAY = 24 * 3_600_000;
const LEASE_MS = 20_000;
/** How long the carrier asks to be left alone: far longer than the lease. */
const RETRY_AFTER_MS = 10 * 60_000;
const ANSWERED = { reason: 'answered' as const, outcome: 'successful' as const, durationSec: 30 };

describeEachDb('the frequency cap counts only carrier-accepted calls', (backend) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a create refused for the carrier’s rate limit spends no part of the cap', async () => {
    h = await harness(backend, { pollMs: 3_600_000, leaseMs: LEASE_MS });
    const { workspaceId } = await insertWorkspaceWithAgent(h.db, T0, { callsPerSecond: 5 });
    await h.db.query(
      'UPDATE workspaces SET frequency_cap_max = 1, frequency_cap_hours = 24 WHERE id = $1',
      [workspaceId],
    );
    await insertAgentRow(h.db, workspaceId, 'agent_carrier', T0, 'carrier');
    const number = reserved(31);
    // Two batches call the same number at the same moment: one claim takes both jobs, grants the
    // cap's only start to one and holds the other back behind it.
    const batches = [
      await insertQueuedBatch(h.db, {
        workspaceId,
        agentId: 'agent_carrier',
        now: T0,
        phones: [number],
      }),
      await insertQueuedBatch(h.db, {
        workspaceId,
        agentId: 'agent_carrier',
        now: T0,
        phones: [number],
      }),
    ];

    const carrier = new ScriptedCarrier({ name: 'carrier', clock: h.clock });
    const refused: string[] = [];
    const accept = carrier.place.bind(carrier);
    carrier.place = async (ref) => {
      if (refused.length === 0) {
        refused.push(ref.callId);
        return { accepted: false, retryAfterMs: RETRY_AFTER_MS, error: 'Twilio 20429' };
      }
      return accept(ref);
    };
    await h.start({ workerId: 'wrk_cap', providers: (e) => createRegistry([carrier.attach(e)]) });

    await h.clock.runUntil(async () => carrier.placed.length === 1, 5 * 60_000);
    // The number's one attempt went out about a lease after the refusal, not after the carrier's
    // ten minutes (the refused job) nor a day later (the job held behind the refused create).
    const [placed] = carrier.placed;
    expect(placed!.callId).not.toBe(refused[0]);
    expect(placed!.startedAt - T0).toBeLessThanOrEqual(2 * LEASE_MS);
    await carrier.end(placed!.attemptId, { ...ANSWERED, endedAt: h.clock.now() });

    // From the rows: the refused create left no attempt; the refused job waits for the cap
    // (its own retry time has come), until a day after the accepted attempt.
    await h.clock.runUntil(async () => h!.clock.now() > T0 + RETRY_AFTER_MS + 60_000, DAY);
    const all = [
      ...(await attemptsOf(h.db, batches[0]!.id)),
      ...(await attemptsOf(h.db, batches[1]!.id)),
    ];
    expect(all.map((a) => [a.call_id, a.state, a.provider_call_id])).toEqual([
      [placed!.callId, 'ended', carrier.callIdOf(placed!.attemptId)],
    ]);
    const calls = [
      ...(await callsOf(h.db, batches[0]!.id)),
      ...(await callsOf(h.db, batches[1]!.id)),
    ];
    const waiting = calls.find((c) => c.id === refused[0])!;
    expect(waiting).toMatchObject({ state: 'waiting', attempts: 0, current_attempt_id: null });
    expect(Number(waiting.run_at)).toBe(Math.ceil(Number(all[0]!.started_at) + DAY));
    expect(calls.find((c) => c.id === placed!.callId)).toMatchObject({
      state: 'completed',
      attempts: 1,
    });

    // A day later it is called, once: no rolling day held two attempts to the number.
    await h.clock.runUntil(async () => carrier.placed.length === 2, 2 * DAY);
    const second = carrier.placed[1]!;
    expect(second.callId).toBe(refused[0]);
    expect(second.startedAt - Number(all[0]!.started_at)).toBeGreaterThanOrEqual(DAY);
  }, 120_000);
});
