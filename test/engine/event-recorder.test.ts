import pino from 'pino';
import { afterEach, expect, it } from 'vitest';
import type { AttemptEvent, CarrierEnd } from '../../src/domain/attempt-event.js';
import { LINGER_BELOW } from '../../src/domain/group-linger.js';
import { EventRecorder } from '../../src/engine/event-recorder.js';
import type { Db } from '../../src/storage/db.js';
import { attemptIdOf, insertBatch } from '../support/batch-fixtures.js';
import { describeEachDb } from '../support/databases.js';
import {
  callsOf,
  expectCountersMatchCalls,
  insertWorkspaceWithAgent,
} from '../support/engine-fixtures.js';
import { type Harness, harness, T0 } from './harness.js';

// The group commit of the recording path: events that arrive together share one transaction, a
// group survives a database outage, and one event that cannot be recorded does not hold back
// the rest.

const log = pino({ level: 'silent' });

/** Counts the transactions opened through `db`; `onTx` runs as each opens. */
function countTx(db: Db, onTx: (n: number) => void = () => {}): { db: Db; count(): number } {
  let n = 0;
  return {
    db: {
      ...db,
      tx: (fn) => {
        onTx(++n);
        return db.tx(fn);
      },
    },
    count: () => n,
  };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A batch of `n` calls in progress (carrier accepted); returns their attempt ids. */
async function inCallBatch(h: Harness, n: number) {
  const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0, {
    maxConcurrentCalls: n,
  });
  const batch = await insertBatch(h.db, {
    workspaceId,
    agentId,
    createdAt: T0,
    calls: Array.from({ length: n }, () => ({ state: 'active' as const, startTime: T0 })),
  });
  const attemptIds = await Promise.all(
    batch.callIds.map(async (c) => (await attemptIdOf(h.db, c))!),
  );
  return { batch, attemptIds };
}

const answered = (attemptId: string, at: number, over: Partial<CarrierEnd> = {}): AttemptEvent => ({
  attemptId,
  kind: 'ended',
  ending: {
    kind: 'carrier',
    end: {
      reason: 'answered',
      outcome: 'successful',
      endedAt: at,
      answeredAt: at - 30_000,
      durationSec: 30,
      transcript: 'Agent: Hello',
      ...over,
    },
  },
});

describeEachDb('event recorder', (backend) => {
  let h: Harness;
  afterEach(() => h?.close());

  it('records events that arrive together in one transaction', async () => {
    h = await harness(backend);
    const { batch, attemptIds } = await inCallBatch(h, 40);
    const counted = countTx(h.db);
    const recorder = new EventRecorder({ ...h.rt, db: counted.db }, log, () => {});
    const outcomes = await Promise.all(attemptIds.map((id) => recorder.record(answered(id, T0))));
    expect(outcomes.every((o) => o.status === 'ended')).toBe(true);
    expect(counted.count()).toBe(1);
    expect((await callsOf(h.db, batch.id)).map((c) => c.state)).toEqual(
      Array(40).fill('completed'),
    );
    const [row] = await h.db.query<{ status: string }>('SELECT status FROM batches WHERE id = $1', [
      batch.id,
    ]);
    expect(row!.status).toBe('completed');
    await expectCountersMatchCalls(h.db, batch.id);
  });

  it('groups by attempt: an event queued behind other attempts joins its own attempt’s group', async () => {
    h = await harness(backend);
    const { batch, attemptIds } = await inCallBatch(h, 260);
    const counted = countTx(h.db);
    const recorder = new EventRecorder({ ...h.rt, db: counted.db }, log, () => {});
    // Every end first, then every attempt's (late) ringing: 520 events of 260 attempts.
    const ends = attemptIds.map((id) => recorder.record(answered(id, T0)));
    const late = attemptIds.map((id) =>
      recorder.record({ attemptId: id, kind: 'ringing', at: T0 }),
    );
    const outcomes = await Promise.all([...ends, ...late]);
    // 250 attempts a transaction, each with both its events: two transactions, not three.
    expect(counted.count()).toBe(2);
    // Each event hears what its attempt's group did: the attempt ended.
    expect(outcomes.filter((o) => o.status === 'ended')).toHaveLength(520);
    await expectCountersMatchCalls(h.db, batch.id);
  });

  it('lets events that keep arriving during commits gather into one group', async () => {
    h = await harness(backend);
    const { batch, attemptIds } = await inCallBatch(h, LINGER_BELOW + 1);
    const [first, second, third, ...later] = attemptIds;
    const recording: Array<Promise<unknown>> = [];
    // Two more calls end while the first group commits: more are coming, so the next group
    // waits (here as long as it takes: the linger is a minute) until a large one is pending.
    const counted = countTx(h.db, (n) => {
      if (n === 1)
        for (const id of [second!, third!]) recording.push(recorder.record(answered(id, T0)));
    });
    const rt = { ...h.rt, db: counted.db, config: { ...h.rt.config, recordLingerMs: 60_000 } };
    const recorder = new EventRecorder(rt, log, () => {});
    recording.push(recorder.record(answered(first!, T0)));
    // The rest one by one, each in a later turn of the event loop.
    for (const id of later) {
      await nextTurn();
      recording.push(recorder.record(answered(id, T0)));
    }
    const outcomes = (await Promise.all(recording)) as Array<{ status: string }>;
    expect(outcomes.every((o) => o.status === 'ended')).toBe(true);
    expect(counted.count()).toBe(2);
    await expectCountersMatchCalls(h.db, batch.id);
  });

  it('never makes a caller that waits for each event wait for more', {
    timeout: 10_000,
  }, async () => {
    h = await harness(backend);
    const { attemptIds } = await inCallBatch(h, 3);
    const rt = { ...h.rt, config: { ...h.rt.config, recordLingerMs: 60_000 } };
    const recorder = new EventRecorder(rt, log, () => {});
    // Each event alone in its group (a minute's linger would fail the test by its timeout).
    for (const id of attemptIds) {
      await recorder.record({ attemptId: id, kind: 'ringing', at: T0 });
      expect((await recorder.record(answered(id, T0))).status).toBe('ended');
    }
  });

  it('stops waiting for more when closed, and records what it held', async () => {
    h = await harness(backend);
    const { batch, attemptIds } = await inCallBatch(h, 3);
    const recording: Array<Promise<{ status: string }>> = [];
    const counted = countTx(h.db, (n) => {
      if (n === 1)
        for (const id of attemptIds.slice(1)) recording.push(recorder.record(answered(id, T0)));
    });
    const rt = { ...h.rt, db: counted.db, config: { ...h.rt.config, recordLingerMs: 60_000 } };
    const recorder = new EventRecorder(rt, log, () => {});
    recording.push(recorder.record(answered(attemptIds[0]!, T0)));
    await recording[0];
    await recorder.close();
    expect((await Promise.all(recording)).map((o) => o.status)).toEqual([
      'ended',
      'ended',
      'ended',
    ]);
    expect(counted.count()).toBe(2);
    await expectCountersMatchCalls(h.db, batch.id);
  });

  it('tells its listener what each committed group ended', async () => {
    h = await harness(backend);
    const { batch, attemptIds } = await inCallBatch(h, 2);
    const heard: string[] = [];
    const recorder = new EventRecorder(h.rt, log, (outcomes) => {
      for (const o of outcomes) heard.push(`${o.attemptId}:${o.status}`);
    });
    await recorder.record({ attemptId: attemptIds[0]!, kind: 'ringing', at: T0 });
    await recorder.record(answered(attemptIds[1]!, T0, { reason: 'busy', outcome: undefined }));
    expect(heard).toEqual([`${attemptIds[0]}:ignored`, `${attemptIds[1]}:ended`]);
    const [, retried] = await callsOf(h.db, batch.id);
    expect(retried).toMatchObject({ state: 'waiting', last_reason: 'busy' });
  });

  it('keeps retrying a group through a database outage until it commits', async () => {
    h = await harness(backend);
    const { batch, attemptIds } = await inCallBatch(h, 3);
    const recorder = new EventRecorder(h.rt, log, () => {});
    h.db.failNextTransactions(3);
    const recording = Promise.all(attemptIds.map((id) => recorder.record(answered(id, T0))));
    await h.clock.advance(10_000);
    const outcomes = await recording;
    expect(outcomes.map((o) => o.status)).toEqual(['ended', 'ended', 'ended']);
    await expectCountersMatchCalls(h.db, batch.id);
  });

  it('records the rest of a group when one event is about an attempt that already ended', async () => {
    h = await harness(backend);
    const { batch, attemptIds } = await inCallBatch(h, 3);
    const recorder = new EventRecorder(h.rt, log, () => {});
    await recorder.record(answered(attemptIds[1]!, T0));
    const outcomes = await Promise.all(
      attemptIds.map((id) => recorder.record(answered(id, T0 + 1_000, { durationSec: 31 }))),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['ended', 'ignored', 'ended']);
    const calls = await callsOf(h.db, batch.id);
    expect(calls.map((c) => [c.state, c.duration])).toEqual([
      ['completed', 31],
      ['completed', 30],
      ['completed', 31],
    ]);
    await expectCountersMatchCalls(h.db, batch.id);
  });

  it('records the others one by one when a group fails for a reason of its own', async () => {
    h = await harness(backend);
    const { batch, attemptIds } = await inCallBatch(h, 3);
    const recorder = new EventRecorder(h.rt, log, () => {});
    // A value the schema refuses makes the group's statement fail, whatever is retried.
    await h.db.query(
      "ALTER TABLE calls ADD CONSTRAINT no_bad_outcome CHECK (outcome IS DISTINCT FROM 'opted_out')",
    );
    const outcomes = attemptIds.map((id, i) =>
      recorder.record(answered(id, T0, i === 1 ? { outcome: 'opted_out' } : {})),
    );
    await Promise.all([outcomes[0], outcomes[2]]);
    expect((await callsOf(h.db, batch.id)).map((c) => c.state)).toEqual([
      'completed',
      'active',
      'completed',
    ]);
    // The bad one is retried (it may be a passing fault) until the recorder is closed.
    await h.clock.advance(5_000);
    await recorder.close();
    expect((await outcomes[1])!.status).toBe('abandoned');
    expect((await outcomes[0])!.status).toBe('ended');
    // Closed: nothing more is taken.
    expect((await recorder.record(answered(attemptIds[1]!, T0))).status).toBe('abandoned');
  });

  it('records an end reported as later than now at now, so it never overlaps the next start', async () => {
    h = await harness(backend);
    const { batch, attemptIds } = await inCallBatch(h, 1);
    const recorder = new EventRecorder(h.rt, log, () => {});
    const now = h.clock.now();
    await recorder.record(answered(attemptIds[0]!, now + 5_000));
    const [attempt] = await h.db.query<{ ended_at: number; answered_at: number }>(
      'SELECT ended_at, answered_at FROM call_attempts WHERE batch_id = $1',
      [batch.id],
    );
    expect(attempt).toEqual({ ended_at: now, answered_at: now - 25_000 });
    const [call] = await callsOf(h.db, batch.id);
    expect(call!.end_time).toBe(now);
  });
});
