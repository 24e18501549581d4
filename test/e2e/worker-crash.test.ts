// Issue 4's crash test: `kill -9` one of three worker processes while it holds leases on calls in
// progress. The other workers must finish the batch, and every attempt the dead worker had in
// flight must be settled by the lease reaper through the provider's lookup — never redialed
// blindly (docs/state-machine.md, "Leases, lost workers and shutdown").
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
// speed an answered call lasts one to three seconds and the 0900 range's ten-minute calls ten:
// those are still in progress when the reaper first looks, the rest have ended by then.
const ENV = {
  OUTDIAL_SIM_SPEED: '60',
  OUTDIAL_RETRY_DELAYS_MS: '300,600',
  OUTDIAL_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
  // A lost lease is noticed within seconds (heartbeat every second, reaper pass every 1.5 s).
  OUTDIAL_LEASE_MS: '3000',
  OUTDIAL_POLL_MS: '500',
};

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

  it('the other workers finish the batch and settle the lost attempts without redialing', async () => {
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

    // Mid-batch: some jobs done, and a worker holding several leases.
    const owner = await waitUntil(
      'a worker holding leases mid-batch',
      async () => {
        const done = await rows!.client.query(
          `SELECT count(*)::int AS n FROM calls WHERE batch_id = $1 AND state IN ('completed', 'failed')`,
          [batchId],
        );
        if (done.rows[0].n < 10) return undefined;
        const held = await rows!.client.query(
          `SELECT lease_owner, count(*)::int AS n FROM calls
            WHERE batch_id = $1 AND state = 'active' GROUP BY lease_owner ORDER BY n DESC LIMIT 1`,
          [batchId],
        );
        const top = held.rows[0];
        return top && top.n >= 3 ? (top.lease_owner as string) : undefined;
      },
      60_000,
      50,
    );
    const victim = workers.find((w) => w.workerIds.includes(owner));
    expect(victim, `lease owner ${owner} is one of the workers`).toBeDefined();
    victim!.proc.kill('SIGKILL');
    await victim!.exited;
    const killedAt = Date.now();
    // Whatever the dead process had already sent has reached the server by now.
    await new Promise((r) => setTimeout(r, 300));

    const lost = await rows.attempts('worker_id = $1 AND ended_at IS NULL', [owner]);
    expect(lost.length, 'attempts in flight on the killed worker').toBeGreaterThan(0);

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

    // The lost attempts: the simulator can look every attempt up, so each was reconciled with
    // the result it really had (the reason its number's range gives for that attempt), not
    // failed as "outcome unknown" — that is only for providers that cannot tell.
    const settled = new Map(attempts.map((a) => [a.id, a]));
    for (const l of lost) {
      const now = settled.get(l.id)!;
      const range = reservedRange(phoneOf.get(l.call_id)!)!;
      expect({ attempt: l.id, reason: now.reason, error: now.error }).toEqual({
        attempt: l.id,
        reason: RESERVED_RANGES[range]!.reasons[l.attempt_no - 1],
        error: expect.not.stringContaining(WORKER_LOST_ERROR),
      });
      expect(now.ended_at).not.toBeNull();
    }
    expect(attempts.filter((a) => a.reason === 'unknown')).toEqual([]);

    // The survivors' reapers say so in their logs, for every lost call, as reconciled. (A
    // survivor stalled past its own lease could be reaped too, so other calls may appear.)
    const settledLogs = new Map(
      fleet.workers
        .filter((w) => w !== victim)
        .flatMap((w) => logEntries(w.output()))
        .filter((e) => e.msg === 'lost attempt settled')
        .map((e) => [e.jobId as string, e]),
    );
    for (const l of lost) {
      expect(settledLogs.get(l.call_id), `reaper log for ${l.call_id}`).toMatchObject({
        attemptId: l.id,
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
        lost: lost.length,
        lostLongCalls: lost.filter((l) => reservedRange(phoneOf.get(l.call_id)!) === 9).length,
        reaped: settledLogs.size,
        attempts: attempts.length,
        afterKill: after.length,
      })}`,
    );
  }, 110_000);
});
