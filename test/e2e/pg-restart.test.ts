// Issue 4's database restart test: PostgreSQL restarts (`pg_ctlcluster … restart`, which
// terminates every connection) while a batch is being dialed. The API and the workers must
// reconnect on their own and finish every job, none lost and none dialed more than its attempts
// allow. The server restarted is a private cluster made for this test, never the shared one.
// Webhooks (§20) ride along: a real receiver gets every event of the batch, none lost, duplicates
// only with the same webhook-id, each signature checked with the standardwebhooks package.
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/storage/migrate.js';
import { openPostgres } from '../../src/storage/pg-adapter.js';
import { groupBy } from '../support/attempt-checks.js';
import { logEntries, tempDir, waitUntil } from '../support/cli.js';
import { clusterUnavailable, createCluster, type PrivateCluster } from '../support/pg-cluster.js';
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
import { type Receiver, startReceiver } from '../support/webhook-receiver.js';

const MAX_ATTEMPTS = 3;
const CALLS = 150;

const ENV = {
  OUTDIAL_SIM_SPEED: '60',
  OUTDIAL_RETRY_DELAYS_MS: '300,600',
  OUTDIAL_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
  // Short leases: a claim whose commit was acknowledged to nobody is reaped by the other worker
  // within seconds instead of a minute.
  OUTDIAL_LEASE_MS: '5000',
  OUTDIAL_POLL_MS: '500',
  OUTDIAL_KEY_SECRET: 'pg-restart-test-key-secret-0123456789abcdef',
  OUTDIAL_WEBHOOK_ALLOW_PRIVATE: 'true',
};

const unavailable = clusterUnavailable();
if (unavailable) {
  if (process.env['CI'] === 'true') {
    throw new Error(`the PostgreSQL restart test needs a private cluster under CI: ${unavailable}`);
  }
  console.warn(`\n*** SKIPPING the PostgreSQL restart test: ${unavailable} ***\n`);
}

const title = `PostgreSQL restart mid-batch${unavailable ? ` (skipped: ${unavailable})` : ''}`;

(unavailable ? describe.skip : describe)(title, () => {
  const tmp = tempDir();
  let cluster: PrivateCluster | undefined;
  let fleet: Fleet | undefined;
  let rows: RowReader | undefined;
  let receiver: Receiver | undefined;

  afterAll(async () => {
    await receiver?.close();
    await fleet?.killAll();
    await rows?.end();
    await cluster?.drop();
    tmp.remove();
  });

  it('the API and the workers reconnect and finish every job exactly once', async () => {
    cluster = await createCluster();
    const db = await openPostgres(cluster.url, { max: 1 });
    await migrate(db);
    const seed = await seedWorkspace(db, {
      name: 'restart',
      maxConcurrentCalls: 20,
      callsPerSecond: 20,
      keySecret: ENV.OUTDIAL_KEY_SECRET,
    });
    await db.close();

    fleet = new Fleet({ DATABASE_URL: cluster.url, ...ENV, LOG_LEVEL: 'warn' });
    const [server] = await Promise.all([
      fleet.startApi(),
      fleet.startWorkers(2, { LOG_LEVEL: 'info' }),
    ]);
    const ws = accessFor(server.baseUrl, seed);
    receiver = await startReceiver();
    const endpoint = await fetch(`${server.baseUrl}/v1/api/webhooks`, {
      method: 'POST',
      headers: { ...ws.api.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url, events: ['*'] }),
    });
    expect(endpoint.status).toBe(201);
    receiver.secrets.push(((await endpoint.json()) as { secret: string }).secret);
    const phones = Array.from({ length: CALLS }, (_, k) =>
      reservedNumber(k % 10, Math.floor(k / 10)),
    );
    const batchId = await uploadBatch(ws, writeContacts(tmp.dir, 'restart', phones));

    await waitUntil(
      'calls in flight and some done',
      async () => {
        const { body } = await ws.api.get(`/v1/api/batch-calls/${batchId}/status`);
        if (body.isComplete) throw new Error(`no mid-batch moment: ${JSON.stringify(body)}`);
        return body.active > 0 && body.completed + body.failed >= 10 ? true : undefined;
      },
      60_000,
      50,
    );
    const restartAt = Date.now();
    await cluster.restart();
    const restartedAt = Date.now();

    // The API may answer 503 or not at all for a moment; then it must answer again. No process
    // may die of the restart.
    // KNOWN FAILURE until src/storage/pg-adapter.ts is fixed: tx() holds a pooled client with no
    // 'error' listener (pg-pool removes its own on checkout), so when the restart kills that
    // connection — or tx() sends ROLLBACK down it — node-postgres emits an unhandled 'error'
    // event and the process exits ("Unhandled 'error' event … Client … ECONNRESET" or 57P01).
    let firstAnswerAt: number | undefined;
    const done = await waitUntil(
      'the batch to complete after the restart',
      async () => {
        const dead = fleet!.all().find((p) => p.proc.exitCode !== null || p.proc.signalCode);
        if (dead) {
          throw new Error(`process ${dead.proc.pid} died of the restart`);
        }
        try {
          const { status, body } = await ws.api.get(`/v1/api/batch-calls/${batchId}/status`);
          if (status !== 200) return undefined;
          firstAnswerAt ??= Date.now();
          return body.isComplete ? body : undefined;
        } catch {
          return undefined;
        }
      },
      80_000,
      200,
    ).catch((err) => {
      throw new Error(`${err.message}\n${fleet!.outputs()}`);
    });
    expect(done.status).toBe('completed');
    expect(firstAnswerAt).toBeDefined();

    rows = await rowReader(cluster.url);
    // The server really restarted in between (and not, say, before the batch began).
    const started = await rows.client.query('SELECT pg_postmaster_start_time() AS t');
    const serverStart = new Date(started.rows[0].t).getTime();
    expect(serverStart).toBeGreaterThanOrEqual(restartAt - 1_000);
    expect(serverStart).toBeLessThanOrEqual(restartedAt + 1_000);

    const calls = await rows.calls('batch_id = $1', [batchId]);
    const attempts = await rows.attempts('batch_id = $1', [batchId]);
    expect(calls).toHaveLength(CALLS);

    // Nothing dialed twice: attempts 1..n within budget, never two of a job at once …
    expect(settlementProblems(calls, attempts, MAX_ATTEMPTS)).toEqual([]);
    const byCall = groupBy(attempts, (a) => a.call_id);
    // … and nothing lost: every job ended exactly as its number's range says, attempt by attempt.
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

    // Every process noticed the lost connection and carried on: each worker dialed again after
    // the restart, and the API answered from the new server (above).
    for (const [i, p] of fleet.all().entries()) {
      const warned = logEntries(p.output()).filter(
        (e) =>
          e.level >= 40 && e.time >= restartAt && /connection|terminat/i.test(JSON.stringify(e)),
      );
      expect(
        warned.length,
        `process ${i} logged the lost connection:\n${p.output()}`,
      ).toBeGreaterThan(0);
    }
    const afterRestart = attempts.filter((a) => a.started_at > restartedAt);
    const startedAfter = groupBy(afterRestart, (a) => a.worker_id);
    for (const w of fleet.workers) {
      expect(
        startedAfter.get(w.workerIds[0]!)?.length,
        `worker ${w.proc.pid} dialed again`,
      ).toBeGreaterThan(0);
    }
    expect(afterRestart.length).toBe(
      fleet.workers.reduce((n, w) => n + (startedAfter.get(w.workerIds[0]!)?.length ?? 0), 0),
    );
    // Every event reached the receiver once the deliveries caught up: one terminal event per
    // job, one attempt_ended per attempt, one batch.completed; a duplicate is the same event
    // (same webhook-id, same body), and every delivery is signed with the endpoint's secret.
    const terminal = (r: Receiver) =>
      new Set(
        r.received
          .filter((e) => e.json.type === 'call.completed' || e.json.type === 'call.failed')
          .map((e) => e.id),
      ).size;
    await waitUntil(
      'every webhook event delivered',
      async () =>
        terminal(receiver!) >= CALLS &&
        receiver!.received.some((e) => e.json.type === 'batch.completed')
          ? true
          : undefined,
      60_000,
      200,
    );
    const byId = new Map<string, string>();
    for (const e of receiver.received) {
      expect(e.verifiedBy, `signature of ${e.id}`).toBe(0);
      const seen = byId.get(e.id);
      if (seen !== undefined) expect(e.body, `duplicate ${e.id}`).toBe(seen);
      byId.set(e.id, e.body);
    }
    const events = [...byId.values()].map((b) => JSON.parse(b));
    const ofType = (t: string) => events.filter((e) => e.type === t);
    const terminalJobs = [...ofType('call.completed'), ...ofType('call.failed')].map(
      (e) => e.data.jobId,
    );
    expect(terminalJobs.sort()).toEqual(calls.map((c) => c.id).sort());
    expect(ofType('call.attempt_ended')).toHaveLength(attempts.length);
    expect(ofType('batch.completed')).toHaveLength(1);

    const exited = fleet.all().filter((p) => p.proc.exitCode !== null || p.proc.signalCode);
    expect(exited.map((p) => p.proc.pid)).toEqual([]);

    console.log(
      `pg-restart figures: ${JSON.stringify({
        restartMs: restartedAt - restartAt,
        apiBackAfterMs: firstAnswerAt! - restartedAt,
        attempts: attempts.length,
        afterRestart: afterRestart.length,
        perWorkerAfter: [...startedAfter.values()].map((l) => l.length),
      })}`,
    );
  }, 110_000);
});
