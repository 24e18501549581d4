// Issue 14's multi-process pause test: three `outdial worker` processes and one API-only
// `outdial serve` on one PostgreSQL database, a 5,000-call batch paused mid-run and resumed
// (ext §17). Judged by the attempt rows, read with a plain client: once the pause has answered,
// no attempt of the batch starts anywhere; after the resume, the next one starts on its wake-up
// (the workers poll only once a minute), and every job ends within its attempts.
import { afterAll, describe, expect, it } from 'vitest';
import { PLACING_LOOKAHEAD_MS } from '../../src/engine/placer.js';
import { migrate } from '../../src/storage/migrate.js';
import { openPostgres } from '../../src/storage/pg-adapter.js';
import { tempDir, waitUntil } from '../support/cli.js';
import { createPostgresDatabase, postgresReachable } from '../support/databases.js';
import {
  accessFor,
  Fleet,
  type RowReader,
  reservedNumber,
  reservedOutcomeProblems,
  rowReader,
  seedWorkspace,
  settlementProblems,
  uploadBatch,
  type WorkspaceAccess,
  writeContacts,
} from '../support/scale-out.js';

const MAX_ATTEMPTS = 3;
const SIM_SPEED = '500';
const LIMITS = { maxConcurrentCalls: 25, callsPerSecond: 150 };
/** Far longer than any wait below: a start soon after the resume came from its wake-up. */
const POLL_MS = 60_000;
/** How soon after the resume's answer the first start must come (a loaded machine is slow). */
const RESUME_STARTS_WITHIN_MS = 15_000;

/** 5,000 numbers: ordinary ones, with every reserved range (retries with known outcomes) mixed in. */
function phones(): string[] {
  const out: string[] = [];
  for (let i = 0; i < 5_000; i++) {
    out.push(
      i % 20 === 0 ? reservedNumber((i / 20) % 10, Math.floor(i / 200)) : `+1415${2_000_000 + i}`,
    );
  }
  return out;
}

const pgOk = await postgresReachable();

(pgOk ? describe : describe.skip)(
  'pause and resume across 3 worker processes on PostgreSQL',
  () => {
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

    const post = async (access: WorkspaceAccess, path: string) => {
      const res = await fetch(`${access.api.baseUrl}/v1/api${path}`, {
        method: 'POST',
        headers: access.api.headers,
      });
      return { status: res.status, body: await res.json() };
    };

    it('nothing starts after the pause answers; the resume’s wake-up starts the rest', async () => {
      database = await createPostgresDatabase();
      fleet = new Fleet({
        DATABASE_URL: database.url,
        OUTDIAL_SIM_SPEED: SIM_SPEED,
        OUTDIAL_RETRY_DELAYS_MS: '200,400',
        OUTDIAL_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
        OUTDIAL_POLL_MS: String(POLL_MS),
        LOG_LEVEL: 'warn',
      });
      const db = await openPostgres(database.url, { max: 1 });
      await migrate(db);
      const seed = await seedWorkspace(db, { name: 'P', ...LIMITS });
      await db.close();
      const [server, workers] = await Promise.all([
        fleet.startApi(),
        fleet.startWorkers(3, { LOG_LEVEL: 'info' }),
      ]);
      const ws = accessFor(server.baseUrl, seed);
      rows = await rowReader(database.url);
      const reader = rows;
      const fail = (err: Error) => {
        throw new Error(`${err.message}\n${fleet!.outputs()}`);
      };

      const batchId = await uploadBatch(ws, writeContacts(tmp.dir, 'pause', phones()));
      const attemptCount = async () =>
        Number(
          (
            await reader.client.query<{ n: string }>(
              'SELECT count(*) AS n FROM call_attempts WHERE batch_id = $1',
              [batchId],
            )
          ).rows[0]!.n,
        );
      // Mid-run: a good share dialed, most still to go.
      await waitUntil(
        '1,000 attempts',
        async () => ((await attemptCount()) >= 1_000 ? true : undefined),
        90_000,
        200,
      ).catch(fail);

      const paused = await post(ws, `/batch-calls/${batchId}/pause`);
      const pauseAnswered = Date.now();
      expect(paused).toMatchObject({ status: 200, body: { batchId, status: 'paused' } });

      // Calls in progress finish (at this speed, within a second or two); nothing new starts.
      await waitUntil(
        'calls in progress to finish',
        async () => {
          const open = await reader.client.query(
            'SELECT 1 FROM call_attempts WHERE batch_id = $1 AND ended_at IS NULL LIMIT 1',
            [batchId],
          );
          return open.rows.length === 0 ? true : undefined;
        },
        30_000,
        200,
      ).catch(fail);
      // Long enough for retries to come due and for every worker to have claimed again, were it
      // allowed to.
      await new Promise((r) => setTimeout(r, 3_000));
      const duringPause = await reader.attempts('batch_id = $1', [batchId]);
      // An attempt is sent at its slot; one moved to placing before the pause took the workspace's
      // row may have its slot up to the placing lookahead after that moment, never later.
      const late = duringPause.filter((a) => a.started_at > pauseAnswered + PLACING_LOOKAHEAD_MS);
      expect(late, 'attempts started after the pause answered').toEqual([]);
      const waitingAtPause = (await reader.calls("batch_id = $1 AND state = 'waiting'", [batchId]))
        .length;
      expect(waitingAtPause).toBeGreaterThan(1_000);
      expect(await reader.calls("batch_id = $1 AND state = 'active'", [batchId])).toEqual([]);

      const resumeSent = Date.now();
      const resumed = await post(ws, `/batch-calls/${batchId}/resume`);
      const resumeAnswered = Date.now();
      expect(resumed).toMatchObject({ status: 200, body: { batchId, status: 'processing' } });
      const firstAfter = await waitUntil(
        'the first start after the resume',
        async () => {
          const r = await reader.client.query<{ t: string | null }>(
            'SELECT min(started_at) AS t FROM call_attempts WHERE batch_id = $1 AND started_at > $2',
            [batchId, pauseAnswered + PLACING_LOOKAHEAD_MS],
          );
          return r.rows[0]!.t === null ? undefined : Number(r.rows[0]!.t);
        },
        POLL_MS,
        100,
      ).catch(fail);
      // Not before the resume was asked for, and long before any worker's next poll.
      expect(firstAfter).toBeGreaterThanOrEqual(resumeSent);
      expect(firstAfter - resumeAnswered).toBeLessThan(RESUME_STARTS_WITHIN_MS);

      await waitUntil(
        'the batch to complete',
        async () => {
          const { body } = await ws.api.get(`/v1/api/batch-calls/${batchId}/status`);
          return body.isComplete ? body : undefined;
        },
        100_000,
        500,
      ).catch(fail);

      const attempts = await reader.attempts('batch_id = $1', [batchId]);
      const calls = await reader.calls('batch_id = $1', [batchId]);
      expect(calls).toHaveLength(5_000);
      // Every job terminal, its attempts numbered 1..n as recorded, within budget, never two at
      // once: the claims handed back by the pause were not spent.
      expect(settlementProblems(calls, attempts, MAX_ATTEMPTS)).toEqual([]);
      expect(reservedOutcomeProblems(calls, attempts)).toEqual([]);
      // Nothing of the batch started between the pause's answer and the resume.
      expect(
        attempts.filter(
          (a) => a.started_at > pauseAnswered + PLACING_LOOKAHEAD_MS && a.started_at < resumeSent,
        ),
      ).toEqual([]);
      // Every worker process took part.
      const ids = new Set(workers.flatMap((w) => w.workerIds));
      expect(new Set(attempts.map((a) => a.worker_id))).toEqual(ids);
      console.log(
        `multi-process pause figures: ${JSON.stringify({
          atPause: duringPause.length,
          waitingAtPause,
          resumeToFirstStartMs: firstAfter - resumeAnswered,
          attempts: attempts.length,
        })}`,
      );
    }, 170_000);
  },
);
