import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { insertBatch } from '../support/batch-fixtures.js';
import { createTestDb, postgresReachable, type TestDb } from '../support/databases.js';
import { callsOf, expectCountersMatchCalls } from '../support/engine-fixtures.js';
import { createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';
import { T0 } from './harness.js';

// Append and retry against a batch cancel, one race at a time (PostgreSQL; PGlite runs one
// transaction at a time), each held at its critical point with a row lock on the batch: the
// append or retry has made calls waiting, uncommitted, when the cancel has already passed over
// the batch's waiting calls. Neither may leave a job waiting in a cancelled batch, where nothing
// would ever dial or end it.

const pgOk = await postgresReachable();

(pgOk ? describe : describe.skip)(
  'append and retry vs cancel, one race at a time [postgres]',
  () => {
    let t: TestDb;
    let h: TestApp;
    let a: Tenant;
    let admin: pg.Client;
    let monitor: pg.Client;
    afterEach(async () => {
      await admin?.end();
      await monitor?.end();
      await h?.app.close();
      await t?.close();
    });

    async function setup() {
      t = await createTestDb('postgres');
      h = await createTestApp(t.db);
      a = await seedTenant(t.db, T0);
      admin = new pg.Client({ connectionString: t.url });
      await admin.connect();
      monitor = new pg.Client({ connectionString: t.url });
      await monitor.connect();
    }

    /** A running batch whose row `admin` holds; `n` numbers the rounds (distinct numbers). */
    async function heldBatch(n: number) {
      // One call busy to the end (retryable), one waiting: the batch is running.
      const batch = await insertBatch(t.db, {
        workspaceId: a.workspaceId,
        agentId: a.agentId,
        createdAt: T0,
        calls: [
          {
            state: 'failed',
            phone: `+1500555${1100 + n}`,
            startTime: T0,
            endTime: T0 + 300_000,
            error: 'Number busy - unable to connect after 3 attempts',
            lastReason: 'busy',
            attempts: 3,
          },
          { state: 'waiting', phone: `+1500555${1000 + n}` },
        ],
      });
      // Holding the batch row as an UPDATE of it would: whoever updates or locks it next waits
      // here (the foreign-key checks of inserted calls do not). Which of two waiters gets it
      // first when it is let go is PostgreSQL's choice: each round takes whichever order comes.
      await admin.query('BEGIN');
      await admin.query('SELECT 1 FROM batches WHERE id = $1 FOR NO KEY UPDATE', [batch.id]);
      return batch;
    }

    /** Resolves once `n` sessions wait on a lock (read apart from `admin`'s open transaction). */
    async function blockedSessions(n: number): Promise<void> {
      for (let i = 0; i < 500; i++) {
        const { rows } = await monitor.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        if (rows[0]!.n >= n) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`expected ${n} sessions waiting on a lock`);
    }

    const post = (url: string, payload: object) =>
      h.app.inject({ method: 'POST', url: `/v1/api${url}`, headers: a.headers, payload });
    const cancel = (batchId: string) =>
      h.app.inject({ method: 'DELETE', url: `/v1/api/batch-calls/${batchId}`, headers: a.headers });

    const ROUNDS = 4;

    it('an append racing a cancel: its jobs land and are cancelled with the rest, or it is refused', async () => {
      await setup();
      for (let n = 0; n < ROUNDS; n++) {
        const batch = await heldBatch(n);
        // The append inserts its calls and waits to update the batch row.
        const appending = post(`/batch-calls/${batch.id}/recipients`, {
          recipients: [
            { phone_number: `+1500555${1200 + n}` },
            { phone_number: `+1500555${1300 + n}` },
          ],
        });
        await blockedSessions(1);
        // The cancel passes over the waiting calls (the appended ones are not visible to it) and
        // waits for the batch row too.
        const cancelling = cancel(batch.id);
        await blockedSessions(2);
        await admin.query('COMMIT');
        const appended = await appending;
        const cancelled = (await cancelling).json();
        const states = (await callsOf(t.db, batch.id)).map((c) => [c.state, c.attempts, c.error]);
        if (appended.statusCode === 200) {
          expect(appended.json()).toMatchObject({ addedCalls: 2, totalCalls: 4 });
          expect(states).toEqual([
            ['failed', 3, 'Number busy - unable to connect after 3 attempts'],
            ['cancelled', 0, 'Batch cancelled'],
            ['cancelled', 0, 'Batch cancelled'],
            ['cancelled', 0, 'Batch cancelled'],
          ]);
          expect(cancelled.details).toMatchObject({ failedCalls: 1, cancelledCalls: 3 });
        } else {
          expect(appended.statusCode).toBe(409);
          expect(appended.json()).toEqual({ error: 'Batch already cancelled' });
          expect(states).toEqual([
            ['failed', 3, 'Number busy - unable to connect after 3 attempts'],
            ['cancelled', 0, 'Batch cancelled'],
          ]);
        }
        await expectCountersMatchCalls(t.db, batch.id);
        const status = await h.app.inject({
          method: 'GET',
          url: `/v1/api/batch-calls/${batch.id}/status`,
          headers: a.headers,
        });
        expect(status.json()).toMatchObject({
          status: 'cancelled',
          isComplete: true,
          total: states.length,
        });
      }
    });

    for (const first of ['retry', 'cancel'] as const) {
      it(`a retry racing a cancel (${first} asked first): its job is cancelled, or it is refused`, async () => {
        await setup();
        for (let n = 0; n < ROUNDS; n++) {
          const batch = await heldBatch(n);
          const retry = () => post(`/batch-calls/${batch.id}/retry`, { reasons: ['busy'] });
          const retrying = first === 'retry' ? retry() : cancel(batch.id);
          await blockedSessions(1);
          const other = first === 'retry' ? cancel(batch.id) : retry();
          await blockedSessions(2);
          await admin.query('COMMIT');
          const [retried, cancelled] =
            first === 'retry' ? [await retrying, await other] : [await other, await retrying];
          expect(cancelled.statusCode).toBe(200);
          const states = (await callsOf(t.db, batch.id)).map((c) => [c.state, c.attempts]);
          if (retried.statusCode === 200) {
            expect(retried.json()).toMatchObject({ retriedCalls: 1 });
            // It kept its attempts: cancelled, never dialed again.
            expect(states).toEqual([
              ['cancelled', 3],
              ['cancelled', 0],
            ]);
          } else {
            expect(retried.statusCode).toBe(409);
            expect(retried.json()).toEqual({ error: 'Batch already cancelled' });
            expect(states).toEqual([
              ['failed', 3],
              ['cancelled', 0],
            ]);
          }
          await expectCountersMatchCalls(t.db, batch.id);
        }
      });
    }
  },
);
