import { afterEach, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { PACING_HORIZON_MS } from '../../src/domain/pacing.js';
import { type Engine, startEngine } from '../../src/engine/engine.js';
import { readProgress } from '../../src/storage/progress-repo.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import {
  attemptsOf,
  callsOf,
  engineRuntime,
  expectCountersMatchCalls,
  insertQueuedBatch,
  reserved,
} from '../support/engine-fixtures.js';
import { createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// Ext §17 append and retry racing the engine's dispatch and a batch cancel, in real time with
// several workers (one on PGlite, whose single connection runs transactions one after another).
// From the rows: no job lost (every appended row is a job, the counts add up, totalCalls is
// right, nothing left waiting in a cancelled batch), none dialed twice (attempts numbered 1..n,
// never two at once, within budget), cancelled jobs never dialed after the cancel.

const MAX_ATTEMPTS = 2;
/** Initial rows: answered, busy, no answer, voicemail, unreachable, answered (ranges 0–600). */
const INITIAL_RANGES = [0, 100, 200, 300, 400, 600];
/** Appended rows: answered, busy, no answer, busy-then-answered, error-then-answered, answered. */
const APPENDED_RANGES = [0, 100, 200, 500, 800, 900];
const APPEND_SIZE = APPENDED_RANGES.length;

interface Answer {
  status: number;
  body: any;
  /** When the request was sent and its answer received (ms, the system clock). */
  sent: number;
  at: number;
}

describeEachDb('append and retry racing dispatch and a cancel', (backend) => {
  let t: TestDb | undefined;
  let api: TestApp | undefined;
  let engines: Engine[] = [];
  afterEach(async () => {
    await Promise.all(engines.map((e) => e.stop(0)));
    engines = [];
    await api?.app.close();
    await t?.close();
    api = t = undefined;
  });

  it('no job lost, none dialed twice, none dialed after the cancel', async () => {
    const overrides = {
      simSpeed: 1_000,
      pollMs: 20,
      retryDelaysMs: [20],
      maxAttempts: MAX_ATTEMPTS,
    };
    t = await createTestDb(backend);
    const db = t.db;
    const rt = engineRuntime(db, systemClock, overrides);
    api = await createTestApp(db, overrides, systemClock);
    const app = api.app;
    const tenant: Tenant = await seedTenant(db, Date.now(), 'append-race');
    await db.query(
      'UPDATE workspaces SET max_concurrent_calls = 20, calls_per_second = 200 WHERE id = $1',
      [tenant.workspaceId],
    );
    engines.push(await startEngine(rt));
    if (backend === 'postgres') engines.push(await startEngine(rt), await startEngine(rt));

    const send = async (
      method: 'POST' | 'DELETE',
      url: string,
      payload?: object,
      key?: string,
    ): Promise<Answer> => {
      const sent = Date.now();
      const res = await app.inject({
        method,
        url: `/v1/api${url}`,
        headers: { ...tenant.headers, ...(key === undefined ? {} : { 'idempotency-key': key }) },
        ...(payload === undefined ? {} : { payload }),
      });
      return { status: res.statusCode, body: res.json(), sent, at: Date.now() };
    };

    // The cancel lands at different points: early in the first wave, among retries and appends
    // in full flow, and once most initial jobs have ended (retries of failed jobs reopen them).
    for (const [round, cancelAfterMs] of [0, 100, 300].entries()) {
      const batch = await insertQueuedBatch(db, {
        workspaceId: tenant.workspaceId,
        agentId: tenant.agentId,
        now: Date.now(),
        phones: INITIAL_RANGES.flatMap((r) =>
          Array.from({ length: 10 }, (_, k) => reserved(r + k)),
        ),
      });
      const initial = 60;
      const appendUrl = `/batch-calls/${batch.id}/recipients`;
      const rowsOf = (j: number) =>
        APPENDED_RANGES.map((r) => ({ phone_number: reserved(r + 10 + j), first_name: `A${j}` }));

      let stop = false;
      const appends: Array<{ j: number; key?: string; answers: Answer[] }> = [];
      const retries: Answer[] = [];
      const appender = (async () => {
        for (let j = 0; !stop && j < 80; j++) {
          const payload = { recipients: rowsOf(j) };
          if (j % 2 === 0) {
            appends.push({ j, answers: [await send('POST', appendUrl, payload)] });
          } else {
            // The same keyed request twice at once: one appends, the other replays its answer.
            const key = `race-${round}-${j}`;
            const answers = await Promise.all([
              send('POST', appendUrl, payload, key),
              send('POST', appendUrl, payload, key),
            ]);
            appends.push({ j, key, answers });
          }
        }
      })();
      const retrier = (async () => {
        while (!stop) {
          retries.push(await send('POST', `/batch-calls/${batch.id}/retry`, {}));
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      // Counted from the first append that landed (PGlite is slower to get there).
      for (let i = 0; !appends.some((a) => a.answers.some((x) => x.status === 200)); i++) {
        if (i > 2_000) throw new Error('no append answered');
        await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, cancelAfterMs));
      const cancelled = await send('DELETE', `/batch-calls/${batch.id}`);
      expect(cancelled.status).toBe(200);
      // Appends and retries go on a little after the cancel answered: they must all be refused.
      await new Promise((r) => setTimeout(r, 60));
      stop = true;
      await Promise.all([appender, retrier]);

      for (let i = 0; ; i++) {
        const p = await readProgress(db, batch.id);
        if (p.waiting === 0 && p.active === 0) break;
        // A job left waiting in a cancelled batch is lost: nothing would ever dial or end it.
        if (i > 1_200) throw new Error(`jobs left unfinished: ${JSON.stringify(p)}`);
        await new Promise((r) => setTimeout(r, 25));
      }

      // Every answer is a success or the documented refusal; asked after the cancel, a refusal.
      const all = [...appends.flatMap((a) => a.answers), ...retries];
      for (const a of all) {
        if (a.status !== 200)
          expect(a).toMatchObject({ status: 409, body: { error: 'Batch already cancelled' } });
        if (a.sent > cancelled.at) expect(a.status).toBe(409);
      }
      expect(appends.some((a) => a.answers.some((x) => x.status === 200))).toBe(true);

      // A keyed request's answers are one answer: the replay repeats it, and adds nothing.
      for (const a of appends.filter((x) => x.key !== undefined)) {
        const ok = a.answers.filter((x) => x.status === 200).map((x) => x.body);
        for (const body of ok) expect(body).toEqual(ok[0]);
        if (ok.length > 0) {
          const again = await send('POST', appendUrl, { recipients: rowsOf(a.j) }, a.key);
          expect(again).toMatchObject({ status: 200, body: ok[0] });
        }
      }

      // Every appended row is a job, once; a refused append left none; totalCalls adds up.
      const calls = await callsOf(db, batch.id);
      const phones = new Map(calls.map((c) => [c.phone_number, c]));
      expect(phones.size).toBe(calls.length);
      const applied = appends
        .filter((a) => a.answers.some((x) => x.status === 200))
        .map((a) => ({ j: a.j, body: a.answers.find((x) => x.status === 200)!.body }));
      for (const a of appends) {
        const landed = applied.some((x) => x.j === a.j);
        for (const r of rowsOf(a.j))
          expect(phones.has(r.phone_number), r.phone_number).toBe(landed);
      }
      for (const a of applied) expect(a.body.addedCalls).toBe(APPEND_SIZE);
      expect(calls).toHaveLength(initial + applied.length * APPEND_SIZE);
      // The appends were applied one after another: their totals are the running sums.
      const totals = applied.map((a) => a.body.totalCalls).sort((x, y) => x - y);
      expect(totals).toEqual(applied.map((_, i) => initial + (i + 1) * APPEND_SIZE));
      const [row] = await db.query<{ total_calls: number; cancelled_at: number }>(
        'SELECT total_calls, cancelled_at FROM batches WHERE id = $1',
        [batch.id],
      );
      expect(row!.total_calls).toBe(calls.length);
      expect(cancelled.body.details.totalCalls).toBeLessThanOrEqual(calls.length);

      // None dialed twice: per job, attempts numbered 1..n, one after another, within budget.
      const rounds = 1 + retries.filter((r) => r.status === 200 && r.body.retriedCalls > 0).length;
      const attempts = await attemptsOf(db, batch.id);
      for (const c of calls) {
        expect(['completed', 'failed', 'cancelled']).toContain(c.state);
        const mine = attempts.filter((a) => a.call_id === c.id);
        expect(mine.map((a) => a.attempt_no)).toEqual(
          Array.from({ length: c.attempts }, (_, i) => i + 1),
        );
        for (const [i, a] of mine.entries()) {
          expect(a.ended_at, a.id).not.toBeNull();
          if (i > 0) expect(a.started_at).toBeGreaterThanOrEqual(mine[i - 1]!.ended_at!);
        }
        expect(c.attempts).toBeLessThanOrEqual(MAX_ATTEMPTS * rounds);
        if (c.state === 'cancelled') {
          expect(c.error).toBe('Batch cancelled');
          // Whatever it had done was over when it was cancelled: never dialed after.
          for (const a of mine) expect(a.ended_at!).toBeLessThanOrEqual(c.terminal_at!);
        }
      }
      // A call claimed just before the cancel keeps its paced slot, at most a horizon later.
      const late = attempts.filter((a) => a.started_at > row!.cancelled_at + PACING_HORIZON_MS);
      expect(late).toEqual([]);
      await expectCountersMatchCalls(db, batch.id);
      const status = await app.inject({
        method: 'GET',
        url: `/v1/api/batch-calls/${batch.id}/status`,
        headers: tenant.headers,
      });
      expect(status.json()).toMatchObject({
        status: 'cancelled',
        isComplete: true,
        total: calls.length,
      });
    }
  }, 180_000);
});
