// The crash test: `kill -9` one of three worker processes while it holds attempts in every state
// a worker can hold them in — claimed (slot granted, carrier not asked), placing (request sent,
// no answer yet) and in_call (the carrier has the call; its events were reported to that process
// only, by its in-process simulator). The other workers must finish the batch, and recovery must
// settle each of those attempts as docs/state-machine.md says, never dialing anyone twice:
// claimed ones go back to waiting unspent, placing ones are looked up at once (the simulator's
// events died with the process), in_call ones are looked up at their deadline.
import { afterAll, describe, expect, it } from 'vitest';
import { WORKER_LOST_ERROR } from '../../src/domain/retry-policy.js';
import { migrate } from '../../src/storage/migrate.js';
import { openPostgres } from '../../src/storage/pg-adapter.js';
import { groupBy } from '../support/attempt-checks.js';
import { logEntries, tempDir, waitUntil } from '../support/cli.js';
import { createPostgresDatabase, postgresReachable } from '../support/databases.js';
import {
  accessFor,
  Fleet,
  RESERVED_RANGES,
  type RowReader,
  reservedNumber,
  reservedRange,
  rowReader,
  seedWorkspace,
  settlementProblems,
  uploadBatch,
  writeContacts,
} from '../support/scale-out.js';

const MAX_ATTEMPTS = 3;
const CALLS = 200;

// Reserved numbers only, so every attempt's reason is known from the contract's table. At this
// speed an answered call lasts one to three seconds and the 0900 range's ten-minute calls ten.
const ENV = {
  OUTDIAL_SIM_SPEED: '60',
  // The simulated carrier answers a request after 300 ms, as a real one does: attempts spend
  // that long placing.
  OUTDIAL_SIM_ACCEPT_MS: '300',
  OUTDIAL_RETRY_DELAYS_MS: '300,600',
  OUTDIAL_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
  // A lost worker is noticed within seconds (recovery pass every 1.5 s) …
  OUTDIAL_LEASE_MS: '3000',
  OUTDIAL_POLL_MS: '500',
  // … and an in_call attempt with no reported end is looked up 1 + 11 + 1 s after its start
  // (the longest call here lasts 630 / 60 = 10.5 s).
  OUTDIAL_RING_TIMEOUT_MS: '1000',
  OUTDIAL_MAX_CALL_MS: '11000',
  OUTDIAL_RECOVERY_MARGIN_MS: '1000',
};

interface HeldAttempt {
  id: string;
  call_id: string;
  attempt_no: number;
  state: 'claimed' | 'placing' | 'in_call';
}

const pgOk = await postgresReachable();

(pgOk ? describe : describe.skip)('kill -9 of a worker process mid-batch (PostgreSQL)', () => {
  const tmp = tempDir();
  let database: { url: string; drop: () => Promise<void> } | undefined;
  let fleet: Fleet | undefined;
  let rows: RowReader | undefined;

  afterAll(async () => {
    await fleet?.killAll();
    await rows?.end();
    await database?.drop();
    tmp.remove();
  });

  it('the other workers finish the batch and recover claimed, placing and in_call attempts without a double dial', async () => {
    database = await createPostgresDatabase();
    const db = await openPostgres(database.url, { max: 1 });
    await migrate(db);
    const seed = await seedWorkspace(db, {
      name: 'crash',
      maxConcurrentCalls: 30,
      callsPerSecond: 30,
    });
    await db.close();
    rows = await rowReader(database.url);

    fleet = new Fleet({ DATABASE_URL: database.url, ...ENV, LOG_LEVEL: 'warn' });
    const [server, workers] = await Promise.all([
      fleet.startApi(),
      fleet.startWorkers(3, { LOG_LEVEL: 'info' }),
    ]);
    const ws = accessFor(server.baseUrl, seed);
    const phones = Array.from({ length: CALLS }, (_, k) =>
      reservedNumber(k % 10, Math.floor(k / 10)),
    );
    const batchId = await uploadBatch(ws, writeContacts(tmp.dir, 'crash', phones));

    // Mid-batch: some jobs done, and a worker holding attempts in all three open states.
    const owner = await waitUntil(
      'a worker holding claimed, placing and in_call attempts mid-batch',
      async () => {
        const done = await rows!.client.query(
          `SELECT count(*)::int AS n FROM calls WHERE batch_id = $1 AND state IN ('completed', 'failed')`,
          [batchId],
        );
        if (done.rows[0].n < 10) return undefined;
        const held = await rows!.client.query(
          `SELECT worker_id FROM call_attempts
            WHERE batch_id = $1 AND state <> 'ended'
            GROUP BY worker_id
           HAVING count(*) FILTER (WHERE state = 'claimed' AND started_at > $2) > 0
              AND count(*) FILTER (WHERE state = 'placing') > 0
              AND count(*) FILTER (WHERE state = 'in_call') > 0
            LIMIT 1`,
          // A claimed attempt moves to placing 100 ms before its slot: one whose slot is at
          // least 150 ms away is still claimed when the kill lands a moment later.
          [batchId, Date.now() + 150],
        );
        return held.rows[0]?.worker_id as string | undefined;
      },
      60_000,
      20,
    );
    const victim = workers.find((w) => w.workerIds.includes(owner));
    expect(victim, `attempt owner ${owner} is one of the workers`).toBeDefined();
    victim!.proc.kill('SIGKILL');
    await victim!.exited;
    const killedAt = Date.now();
    // Whatever the dead process had already committed has reached the server by now.
    await new Promise((r) => setTimeout(r, 300));

    const held = (
      await rows.client.query<HeldAttempt>(
        `SELECT id, call_id, attempt_no, state FROM call_attempts
          WHERE worker_id = $1 AND state <> 'ended' ORDER BY id`,
        [owner],
      )
    ).rows;
    const inState = (s: HeldAttempt['state']) => held.filter((a) => a.state === s);
    expect(inState('claimed').length, 'claimed attempts on the killed worker').toBeGreaterThan(0);
    expect(inState('placing').length, 'placing attempts on the killed worker').toBeGreaterThan(0);
    expect(inState('in_call').length, 'in_call attempts on the killed worker').toBeGreaterThan(0);

    const done = await ws.api.waitForBatch(batchId, 60_000).catch((err) => {
      throw new Error(`${err.message}\n${fleet!.outputs()}`);
    });
    expect(done.status).toBe('completed');

    const calls = await rows.calls('batch_id = $1', [batchId]);
    const attempts = await rows.attempts('batch_id = $1', [batchId]);
    expect(calls).toHaveLength(CALLS);

    // Never dialed twice: per job, attempts 1..n within budget, none overlapping another.
    expect(settlementProblems(calls, attempts, MAX_ATTEMPTS)).toEqual([]);
    const byCall = groupBy(attempts, (a) => a.call_id);

    // Every job, the lost ones included, went exactly as the simulator table says: a lost
    // attempt that was answered was not followed by another, a lost busy one was retried only
    // as the policy allows.
    const phoneOf = new Map(calls.map((c) => [c.id, c.phone_number]));
    const wrong = calls.flatMap((c) => {
      const want = RESERVED_RANGES[reservedRange(c.phone_number)!]!;
      const got = (byCall.get(c.id) ?? [])
        .sort((x, y) => x.attempt_no - y.attempt_no)
        .map((a) => a.reason);
      return c.state === want.status && JSON.stringify(got) === JSON.stringify(want.reasons)
        ? []
        : [`${c.phone_number}: ${c.state} after ${JSON.stringify(got)}`];
    });
    expect(wrong).toEqual([]);

    // Claimed: never sent, so released — the row is gone and the call was dialed afresh (its
    // attempts above are numbered 1..n with the range's reasons: the released one was not spent).
    const settled = new Map(attempts.map((a) => [a.id, a]));
    for (const a of inState('claimed')) {
      expect(settled.has(a.id), `claimed attempt ${a.id} released`).toBe(false);
      expect(byCall.get(a.call_id)!.some((x) => x.attempt_no === a.attempt_no)).toBe(true);
    }
    // Placing and in_call: the simulator can look every attempt up, so each was reconciled with
    // the result it really had (the reason its number's range gives for that attempt), not failed
    // as "outcome unknown" — that is only for providers that cannot tell.
    for (const a of [...inState('placing'), ...inState('in_call')]) {
      const now = settled.get(a.id)!;
      const range = reservedRange(phoneOf.get(a.call_id)!)!;
      expect({ attempt: a.id, reason: now.reason, error: now.error }).toEqual({
        attempt: a.id,
        reason: RESERVED_RANGES[range]!.reasons[a.attempt_no - 1],
        error: expect.not.stringContaining(WORKER_LOST_ERROR),
      });
      expect(now.ended_at).not.toBeNull();
      expect(now.worker_id).toBe(owner);
    }
    expect(attempts.filter((a) => a.reason === 'unknown')).toEqual([]);

    // The survivors' recovery says so in its logs, for every one of them.
    const survivorLogs = fleet.workers
      .filter((w) => w !== victim)
      .flatMap((w) => logEntries(w.output()));
    const logged = (msg: string) =>
      new Map(
        survivorLogs
          .filter((e) => String(e.msg).startsWith(msg))
          .map((e) => [e.attemptId as string, e]),
      );
    const released = logged('lost attempt released');
    for (const a of inState('claimed')) {
      expect(released.get(a.id), `release log for ${a.id}`).toMatchObject({
        jobId: a.call_id,
        state: 'claimed',
      });
    }
    const reconciled = logged('lost attempt settled');
    for (const a of [...inState('placing'), ...inState('in_call')]) {
      expect(reconciled.get(a.id), `settle log for ${a.id}`).toMatchObject({
        jobId: a.call_id,
        reconciled: true,
      });
    }

    // The dead worker started nothing after it died; the survivors carried the batch on.
    const after = attempts.filter((a) => a.started_at > killedAt + 1_000);
    expect(after.some((a) => a.worker_id === owner)).toBe(false);
    expect(after.length).toBeGreaterThan(0);
    for (const w of fleet.workers.filter((x) => x !== victim)) {
      expect(w.proc.exitCode, 'survivor still running').toBeNull();
    }

    console.log(
      `worker-crash figures: ${JSON.stringify({
        claimed: inState('claimed').length,
        placing: inState('placing').length,
        inCall: inState('in_call').length,
        attempts: attempts.length,
        afterKill: after.length,
      })}`,
    );
  }, 110_000);
});
