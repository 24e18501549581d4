import { afterEach, expect, it } from 'vitest';
import { calleePlan } from '../../src/providers/simulator/behaviour.js';
import { readProgress } from '../../src/storage/progress-repo.js';
import { describeEachDb } from '../support/databases.js';
import {
  attemptsOf,
  batchRow,
  callsOf,
  expectCountersMatchCalls,
  insertQueuedBatch,
  insertWorkspaceWithAgent,
  isBatchCompleted,
  reserved,
} from '../support/engine-fixtures.js';
import { type Harness, harness, T0 } from './harness.js';

const ms = (sec: number) => Math.round(sec * 1000);

describeEachDb('engine runs a batch', (backend) => {
  let h: Harness;
  afterEach(() => h?.close());

  it('brings one number of each reserved range to its documented end', async () => {
    h = await harness(backend);
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0, {
      maxConcurrentCalls: 20,
      callsPerSecond: 20,
    });
    const phones = [0, 100, 200, 300, 400, 500, 600, 700, 800, 900].map(reserved);
    const batch = await insertQueuedBatch(h.db, { workspaceId, agentId, now: T0, phones });
    await h.start();
    await h.clock.runUntil(() => isBatchCompleted(h.db, batch.id), 60 * 60_000);

    const calls = await callsOf(h.db, batch.id);
    const summary = calls.map((c) => ({
      phone: c.phone_number.slice(-4),
      state: c.state,
      attempts: c.attempts,
      outcome: c.outcome,
      error: c.error,
    }));
    expect(summary).toEqual([
      { phone: '0000', state: 'completed', attempts: 1, outcome: 'successful', error: null },
      {
        phone: '0100',
        state: 'failed',
        attempts: 3,
        outcome: null,
        error: 'Number busy - unable to connect after 3 attempts',
      },
      {
        phone: '0200',
        state: 'failed',
        attempts: 3,
        outcome: null,
        error: 'No answer - unable to connect after 3 attempts',
      },
      { phone: '0300', state: 'completed', attempts: 1, outcome: 'voicemail', error: null },
      {
        phone: '0400',
        state: 'failed',
        attempts: 1,
        outcome: null,
        error: 'Number unreachable - unable to connect after 1 attempt',
      },
      { phone: '0500', state: 'completed', attempts: 2, outcome: 'successful', error: null },
      {
        phone: '0600',
        state: 'completed',
        attempts: 1,
        outcome: 'callback_requested',
        error: null,
      },
      { phone: '0700', state: 'completed', attempts: 1, outcome: 'opted_out', error: null },
      { phone: '0800', state: 'completed', attempts: 2, outcome: 'successful', error: null },
      { phone: '0900', state: 'completed', attempts: 1, outcome: 'successful', error: null },
    ]);

    const attempts = await attemptsOf(h.db, batch.id);
    for (const c of calls) {
      const mine = attempts
        .filter((a) => a.call_id === c.id)
        .sort((a, b) => a.attempt_no - b.attempt_no);
      // One attempt row per attempt, numbered 1..n, each ended, none overlapping the next.
      expect(mine.map((a) => a.attempt_no)).toEqual(
        Array.from({ length: c.attempts }, (_, i) => i + 1),
      );
      for (const [i, a] of mine.entries()) {
        expect(a.ended_at).not.toBeNull();
        if (i > 0) expect(a.started_at).toBeGreaterThan(mine[i - 1]!.ended_at!);
      }
      const last = mine.at(-1)!;
      expect(c.start_time).toBe(mine[0]!.started_at);
      expect(c.end_time).toBe(last.ended_at);
      expect(c.terminal_at).not.toBeNull();
      expect(c.current_attempt_id).toBeNull();
      // Every attempt ended, holding no lease and waiting for no check.
      for (const a of mine)
        expect(a).toMatchObject({ state: 'ended', lease_owner: null, check_at: null });
      // The simulator's plan for that attempt is what was recorded.
      const plan = calleePlan(c.phone_number, last.attempt_no);
      expect(last.reason).toBe(plan.reason);
      expect(c.last_reason).toBe(plan.reason);
      expect(last.ended_at! - last.started_at).toBe(
        ms(plan.ringSec) +
          (plan.reason === 'answered' || plan.reason === 'voicemail' ? ms(plan.talkSec) : 0),
      );
      if (c.state === 'completed') {
        expect(c.result_attempt_id).toBe(last.id);
        expect(c.duration).toBe(plan.talkSec);
        expect(c.transcript).toMatch(/^Agent: Hello John\d+, this is Ava from Acme\.\n/);
      } else {
        expect(c.duration).toBeNull();
        expect(c.result_attempt_id).toBeNull();
      }
    }
    expect(calls[9]!.duration).toBeGreaterThanOrEqual(570);
    expect(attempts.find((a) => a.reason === 'provider_error')?.error).toMatch(/SIP 503/);

    const b = await batchRow(h.db, batch.id);
    expect(b.status).toBe('completed');
    expect(b.start_time).toBe(T0);
    expect(b.completed_time).toBe(Math.max(...calls.map((c) => c.terminal_at!)));
    await expectCountersMatchCalls(h.db, batch.id);
    expect(await readProgress(h.db, batch.id)).toMatchObject({
      waiting: 0,
      active: 0,
      completed: 7,
      failed: 3,
    });
  });

  it('moves the batch queued → processing at the first dial → completed when the last call ends', async () => {
    h = await harness(backend);
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0);
    const start = T0 + 30_000;
    const batch = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      runAt: start,
      phones: [reserved(1), reserved(2)],
    });
    await h.start();
    await h.clock.runTo(start - 1);
    expect(await batchRow(h.db, batch.id)).toEqual({
      status: 'queued',
      start_time: null,
      completed_time: null,
    });
    await h.clock.runUntil(
      async () => (await batchRow(h.db, batch.id)).status !== 'queued',
      60_000,
    );
    const processing = await batchRow(h.db, batch.id);
    expect(processing.status).toBe('processing');
    expect(processing.completed_time).toBeNull();
    expect(processing.start_time).toBeGreaterThanOrEqual(start);
    expect(processing.start_time).toBeLessThanOrEqual(start + 1_000);

    const took = await h.clock.runUntil(() => isBatchCompleted(h.db, batch.id), 30 * 60_000);
    expect(took).toBeGreaterThan(0);
    const calls = await callsOf(h.db, batch.id);
    const done = await batchRow(h.db, batch.id);
    expect(done.completed_time).toBe(Math.max(...calls.map((c) => c.end_time!)));
    expect(done.start_time).toBe(processing.start_time);
  });

  it('schedules each retry exactly the configured delay after the attempt ended', async () => {
    h = await harness(backend, { retryDelaysMs: [120_000, 240_000] });
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0);
    const batch = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: [reserved(150)],
    });
    await h.start();

    // After the first busy signal the call waits, due exactly 2 minutes later.
    await h.clock.runUntil(
      async () => (await attemptsOf(h.db, batch.id))[0]?.ended_at != null,
      60_000,
    );
    const [first] = await attemptsOf(h.db, batch.id);
    const [waiting] = await callsOf(h.db, batch.id);
    expect(waiting).toMatchObject({
      state: 'waiting',
      attempts: 1,
      last_reason: 'busy',
      current_attempt_id: null,
    });
    expect(waiting!.run_at).toBe(first!.ended_at! + 120_000);
    expect(await readProgress(h.db, batch.id)).toMatchObject({ waiting: 1, active: 0 });

    // Nothing is dialed a moment early.
    await h.clock.runTo(waiting!.run_at - 1);
    expect(await attemptsOf(h.db, batch.id)).toHaveLength(1);

    await h.clock.runUntil(() => isBatchCompleted(h.db, batch.id), 30 * 60_000);
    const attempts = await attemptsOf(h.db, batch.id);
    expect(attempts.map((a) => a.attempt_no)).toEqual([1, 2, 3]);
    expect(attempts[1]!.started_at - attempts[0]!.ended_at!).toBe(120_000);
    expect(attempts[2]!.started_at - attempts[1]!.ended_at!).toBe(240_000);
    const [failed] = await callsOf(h.db, batch.id);
    expect(failed).toMatchObject({
      state: 'failed',
      attempts: 3,
      error: 'Number busy - unable to connect after 3 attempts',
    });
  });

  it('follows the batch smart callback gaps and completes a callback request when attempts run out', async () => {
    // Polling is only a fallback: retries are claimed when due, so a slow poll keeps this short.
    h = await harness(backend, { pollMs: 60_000 });
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0);
    const batch = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      // Two numbers whose attempts never end in the same millisecond: otherwise their retries
      // fall due together, pacing spaces them, and the gaps below cannot be checked exactly.
      phones: [reserved(600), reserved(311)],
      config: {
        smartCallback: {
          enabled: true,
          maxAttempts: 3,
          gaps: [
            { days: 0, hours: 1 },
            { days: 0, hours: 3 },
          ],
        },
      },
    });
    await h.start();
    await h.clock.runUntil(() => isBatchCompleted(h.db, batch.id), 86_400_000);
    const calls = await callsOf(h.db, batch.id);
    expect(calls.map((c) => [c.state, c.attempts, c.outcome])).toEqual([
      ['completed', 3, 'callback_requested'],
      ['completed', 3, 'voicemail'],
    ]);
    const attempts = await attemptsOf(h.db, batch.id);
    for (const c of calls) {
      const mine = attempts
        .filter((a) => a.call_id === c.id)
        .sort((a, b) => a.attempt_no - b.attempt_no);
      expect(mine[1]!.started_at - mine[0]!.ended_at!).toBe(3_600_000);
      expect(mine[2]!.started_at - mine[1]!.ended_at!).toBe(3 * 3_600_000);
    }
  });

  it('fails a call whose agent uses a provider this worker does not have, without dialing', async () => {
    h = await harness(backend);
    const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0, {
      provider: 'twilio',
    });
    const batch = await insertQueuedBatch(h.db, {
      workspaceId,
      agentId,
      now: T0,
      phones: [reserved(1)],
    });
    await h.start();
    await h.clock.runUntil(() => isBatchCompleted(h.db, batch.id), 10_000);
    const [call] = await callsOf(h.db, batch.id);
    expect(call).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: 'Telephony provider "twilio" is not configured',
    });
    await expectCountersMatchCalls(h.db, batch.id);
  });
});
