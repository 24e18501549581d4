import pino from 'pino';
import { afterEach, expect, it } from 'vitest';
import type { AttemptEnding } from '../../src/engine/finish.js';
import { FinishQueue } from '../../src/engine/finish-queue.js';
import type { Db } from '../../src/storage/db.js';
import { attemptIdOf, insertBatch } from '../support/batch-fixtures.js';
import { describeEachDb } from '../support/databases.js';
import {
  callsOf,
  expectCountersMatchCalls,
  insertWorkspaceWithAgent,
} from '../support/engine-fixtures.js';
import { type Harness, harness, T0 } from './harness.js';

// The group commit of attempt ends: ends that arrive together share one transaction, a group
// survives a database outage, and one item that cannot be finished does not hold back the rest.

const log = pino({ level: 'silent' });

/** Counts the transactions opened through `db`. */
function countTx(db: Db): { db: Db; count(): number } {
  let n = 0;
  return {
    db: {
      ...db,
      tx: (fn) => {
        n++;
        return db.tx(fn);
      },
    },
    count: () => n,
  };
}

async function activeBatch(h: Harness, n: number) {
  const { workspaceId, agentId } = await insertWorkspaceWithAgent(h.db, T0, {
    maxConcurrentCalls: n,
  });
  const batch = await insertBatch(h.db, {
    workspaceId,
    agentId,
    createdAt: T0,
    calls: Array.from({ length: n }, () => ({ state: 'active' as const, startTime: T0 })),
  });
  const handles = await Promise.all(
    batch.callIds.map(async (callId) => ({
      callId,
      attemptId: (await attemptIdOf(h.db, callId))!,
      owner: 'w_fixture',
    })),
  );
  return { batch, handles };
}

const answered = (at: number): AttemptEnding => ({
  kind: 'result',
  result: {
    reason: 'answered',
    outcome: 'successful',
    endedAt: at,
    answeredAt: at - 30_000,
    durationSec: 30,
    transcript: 'Agent: Hello',
  },
});

describeEachDb('finish queue', (backend) => {
  let h: Harness;
  afterEach(() => h?.close());

  it('commits ends that arrive together in one transaction', async () => {
    h = await harness(backend);
    const { batch, handles } = await activeBatch(h, 40);
    const counted = countTx(h.db);
    const queue = new FinishQueue({ ...h.rt, db: counted.db }, log, new AbortController().signal);
    const outcomes = await Promise.all(handles.map((hd) => queue.finish(hd, answered(T0))));
    expect(outcomes.every((o) => o.status === 'finished')).toBe(true);
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

  it('keeps retrying a group through a database outage until it commits', async () => {
    h = await harness(backend);
    const { batch, handles } = await activeBatch(h, 3);
    const queue = new FinishQueue(h.rt, log, new AbortController().signal);
    h.db.failNextTransactions(3);
    const finishing = Promise.all(handles.map((hd) => queue.finish(hd, answered(T0))));
    await h.clock.advance(10_000);
    const outcomes = await finishing;
    expect(outcomes.map((o) => o.status)).toEqual(['finished', 'finished', 'finished']);
    await expectCountersMatchCalls(h.db, batch.id);
  });

  it('finishes the rest of a group when one item has lost its lease', async () => {
    h = await harness(backend);
    const { batch, handles } = await activeBatch(h, 3);
    await h.db.query("UPDATE calls SET lease_owner = 'someone_else' WHERE id = $1", [
      handles[1]!.callId,
    ]);
    const queue = new FinishQueue(h.rt, log, new AbortController().signal);
    const outcomes = await Promise.all(handles.map((hd) => queue.finish(hd, answered(T0))));
    expect(outcomes.map((o) => o.status)).toEqual(['finished', 'lost', 'finished']);
    expect((await callsOf(h.db, batch.id)).map((c) => c.state)).toEqual([
      'completed',
      'active',
      'completed',
    ]);
  });

  it('finishes the others one by one when a group fails for a reason of its own', async () => {
    h = await harness(backend);
    const { batch, handles } = await activeBatch(h, 3);
    const abandon = new AbortController();
    const queue = new FinishQueue(h.rt, log, abandon.signal);
    // A value the schema refuses makes the group's statement fail, whatever is retried.
    await h.db.query(
      "ALTER TABLE calls ADD CONSTRAINT no_bad_outcome CHECK (outcome IS DISTINCT FROM 'opted_out')",
    );
    const bad: AttemptEnding = {
      kind: 'result',
      result: { reason: 'answered', outcome: 'opted_out', endedAt: T0, durationSec: 5 },
    };
    const outcomes = handles.map((hd, i) => queue.finish(hd, i === 1 ? bad : answered(T0)));
    await Promise.all([outcomes[0], outcomes[2]]);
    expect((await callsOf(h.db, batch.id)).map((c) => c.state)).toEqual([
      'completed',
      'active',
      'completed',
    ]);
    // The bad one is retried (it may be a passing fault) until the grace period ends.
    await h.clock.advance(5_000);
    abandon.abort();
    expect((await outcomes[1])!.status).toBe('abandoned');
    expect((await outcomes[0])!.status).toBe('finished');
  });

  it('records an end reported as later than now at now, so it never overlaps the next start', async () => {
    h = await harness(backend);
    const { batch, handles } = await activeBatch(h, 1);
    const queue = new FinishQueue(h.rt, log, new AbortController().signal);
    const now = h.clock.now();
    await queue.finish(handles[0]!, answered(now + 5_000));
    const [attempt] = await h.db.query<{ ended_at: number; answered_at: number }>(
      'SELECT ended_at, answered_at FROM call_attempts WHERE batch_id = $1',
      [batch.id],
    );
    expect(attempt).toEqual({ ended_at: now, answered_at: now - 25_000 });
    const [call] = await callsOf(h.db, batch.id);
    expect(call!.end_time).toBe(now);
  });
});
