import { afterEach, expect, it } from 'vitest';
import { recordContext } from '../../src/engine/event-recorder.js';
import { AttemptTokens, REPORT_TOKEN_TTL_MS } from '../../src/security/attempt-token.js';
import { resolveKeySecret } from '../../src/security/key-secret.js';
import { openSecretBox } from '../../src/security/secret-box.js';
import { recordEvents } from '../../src/storage/transitions/events.js';
import { insertBatch } from '../support/batch-fixtures.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, type Tenant, type TestApp } from '../support/http.js';
import { drain, webhookTestApp } from '../support/webhook-app.js';
import { type Receiver, startReceiver } from '../support/webhook-receiver.js';

// §21: POST /v1/agent/attempts/{attemptId}/report — the agent's outcome and transcript, with the
// attempt's report token only; held until the carrier's end, or replacing the result after it.

describeEachDb('the agent reports its call (§21)', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let rx: Receiver | undefined;
  afterEach(async () => {
    await rx?.close();
    rx = undefined;
    await closeApp(h, t);
  });

  async function setUp() {
    t = await createTestDb(backend);
    ({ h, a } = await webhookTestApp(t));
    rx = await startReceiver();
    const now = h.clock.now();
    const hook = await h.app.inject({
      method: 'POST',
      url: '/v1/api/webhooks',
      headers: a.headers,
      payload: { url: rx.url, events: ['call.result_updated'] },
    });
    expect(hook.statusCode, hook.body).toBe(201);
    rx.secrets = [hook.json().secret];
    const batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: now - 600_000,
      status: 'processing',
      calls: [
        { state: 'active', startTime: now - 60_000, variables: { first_name: 'Ann' } },
        {
          state: 'completed',
          startTime: now - 300_000,
          endTime: now - 200_000,
          duration: 60,
          outcome: 'successful',
          variables: { first_name: 'Bo' },
        },
        { state: 'active', startTime: now - 60_000, variables: { first_name: 'Cy' } },
      ],
    });
    const rows = await t.db.query<{ id: string; call_id: string; phone: string }>(
      `SELECT a.id, a.call_id, c.phone_number AS phone FROM call_attempts a
         JOIN calls c ON c.id = a.call_id WHERE a.batch_id = $1 ORDER BY c.seq`,
      [batch.id],
    );
    const tokens = new AttemptTokens(await resolveKeySecret(t.db, h.rt.config));
    const tokenOf = (attemptId: string) =>
      tokens.issue('report', attemptId, now + REPORT_TOKEN_TTL_MS);
    return {
      now,
      batch,
      rows: rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]],
      tokens,
      tokenOf,
    };
  }

  const post = (id: string, payload: unknown, authorization?: string) =>
    h.app.inject({
      method: 'POST',
      url: `/v1/agent/attempts/${id}/report`,
      headers: authorization === undefined ? {} : { authorization },
      payload: payload as Record<string, unknown>,
    });

  const good = { outcome: 'successful', transcript: 'Agent: Hello Ann.\nCustomer: Hi.' };

  const callOf = async (id: string) =>
    (
      await t.db.query<{ state: string; outcome: string | null; transcript: string | null }>(
        'SELECT state, outcome, transcript FROM calls WHERE id = $1',
        [id],
      )
    )[0]!;

  const deliveries = async (type: string) =>
    t.db.query<{ body: string }>(
      'SELECT body FROM webhook_deliveries WHERE event_type = $1 ORDER BY created_at',
      [type],
    );

  it('refuses a missing, wrong, expired or other attempt token (401) before reading the body', async () => {
    const { now, rows, tokens, tokenOf } = await setUp();
    const [mine, other] = rows;
    const refused = [
      await post(mine.id, good),
      await post(mine.id, good, tokenOf(mine.id)),
      await post(other.id, good, `Bearer ${tokenOf(mine.id)}`),
      await post(mine.id, good, `Bearer ${tokens.issue('callback', mine.id, now + 1_000)}`),
      await post(mine.id, good, `Bearer ${tokens.issue('report', mine.id, now)}`),
      await post(mine.id, { outcome: 'nonsense' }, 'Bearer x.y.z'),
    ];
    for (const r of refused) {
      expect(r.statusCode).toBe(401);
      expect(r.json()).toEqual({ error: 'Unauthorized', message: expect.any(String) });
    }
    const withKey = await h.app.inject({
      method: 'POST',
      url: `/v1/api/agent/attempts/${mine.id}/report`,
      headers: a.headers,
      payload: good,
    });
    expect(withKey.statusCode).toBe(401);
    expect(await t.db.query('SELECT 1 FROM agent_reports')).toEqual([]);
  });

  it('answers 400 for a body outside the schema and stores nothing', async () => {
    const { rows, tokenOf } = await setUp();
    const [mine] = rows;
    const auth = `Bearer ${tokenOf(mine.id)}`;
    for (const body of [
      {},
      { transcript: 'x' },
      { outcome: 'maybe', transcript: 'x' },
      { outcome: 'successful' },
      { ...good, callbackAt: 'tomorrow' },
      { ...good, callbackAt: '2026-13-01T10:00:00Z' },
      { ...good, data: 'not an object' },
    ]) {
      const r = await post(mine.id, body, auth);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json()).toMatchObject({ error: expect.any(String) });
    }
    expect(await t.db.query('SELECT 1 FROM agent_reports')).toEqual([]);
  });

  it("holds a report sent before the carrier's end and makes it the call's result at the end", async () => {
    const { now, rows, tokenOf } = await setUp();
    const [mine] = rows;
    const auth = `Bearer ${tokenOf(mine.id)}`;
    const report = {
      outcome: 'callback_requested',
      transcript: 'Agent: Hello Ann.\nCustomer: Call me later.',
      summary: 'Wants a call later',
      callbackAt: '2030-01-01T10:00:00Z',
      data: { mood: 'busy' },
    };
    const r = await post(mine.id, report, auth);
    expect(r.statusCode, r.body).toBe(202);
    expect(r.json()).toEqual({ success: true });
    expect((await callOf(mine.call_id)).state).toBe('active');

    const again = await post(mine.id, good, auth);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ error: 'Report already received' });

    await t.db.tx((q) =>
      recordEvents(
        q,
        [
          {
            attemptId: mine.id,
            kind: 'ended',
            ending: {
              kind: 'carrier',
              end: { reason: 'answered', endedAt: now, answeredAt: now - 30_000, durationSec: 30 },
            },
          },
        ],
        recordContext(h.rt),
      ),
    );
    const call = await callOf(mine.call_id);
    expect(call.outcome).toBe('callback_requested');
    expect(call.transcript).toBe(report.transcript);
    const [stored] = await t.db.query<{ applied_at: string | number | null; callback_at: unknown }>(
      'SELECT applied_at, callback_at FROM agent_reports WHERE attempt_id = $1',
      [mine.id],
    );
    expect(Number(stored!.applied_at)).toBe(now);
    expect(Number(stored!.callback_at)).toBe(Date.parse(report.callbackAt));
    // The result came with the end: nothing was updated after it.
    expect(await deliveries('call.result_updated')).toEqual([]);
  });

  it("schedules the next attempt at callbackAt under the batch's smart callback", async () => {
    const { now, batch, rows, tokenOf } = await setUp();
    const [mine] = rows;
    await t.db.query('UPDATE batches SET config = $2::jsonb WHERE id = $1', [
      batch.id,
      JSON.stringify({
        smartCallback: { enabled: true, maxAttempts: 3, gaps: [{ days: 1, hours: 0 }] },
      }),
    ]);
    const callbackAt = new Date(now + 2 * 3_600_000).toISOString();
    const r = await post(
      mine.id,
      { outcome: 'callback_requested', transcript: 'Customer: In two hours, please.', callbackAt },
      `Bearer ${tokenOf(mine.id)}`,
    );
    expect(r.statusCode, r.body).toBe(202);
    await t.db.tx((q) =>
      recordEvents(
        q,
        [
          {
            attemptId: mine.id,
            kind: 'ended',
            ending: { kind: 'carrier', end: { reason: 'answered', endedAt: now, durationSec: 20 } },
          },
        ],
        recordContext(h.rt),
      ),
    );
    const [call] = await t.db.query<{ state: string; run_at: string | number }>(
      'SELECT state, run_at FROM calls WHERE id = $1',
      [mine.call_id],
    );
    expect(call!.state).toBe('waiting');
    expect(Number(call!.run_at)).toBe(Date.parse(callbackAt));
  });

  it('a report within the grace period after the end completes the waiting job, callbackAt and all', async () => {
    const { now, batch, rows, tokenOf } = await setUp();
    const [mine] = rows;
    await t.db.query('UPDATE batches SET config = $2::jsonb WHERE id = $1', [
      batch.id,
      JSON.stringify({
        smartCallback: { enabled: true, maxAttempts: 3, gaps: [{ days: 1, hours: 0 }] },
      }),
    ]);
    await t.db.tx((q) =>
      recordEvents(
        q,
        [
          {
            attemptId: mine.id,
            kind: 'ended',
            ending: { kind: 'carrier', end: { reason: 'answered', endedAt: now, durationSec: 20 } },
          },
        ],
        recordContext(h.rt),
      ),
    );
    // No report yet: the job waits for it, active, its attempt not ended.
    expect((await callOf(mine.call_id)).state).toBe('active');
    const [waiting] = await t.db.query<{ state: string; check_at: number }>(
      'SELECT state, check_at FROM call_attempts WHERE id = $1',
      [mine.id],
    );
    expect(waiting).toEqual({ state: 'in_call', check_at: now + h.rt.config.agentReportGraceMs });

    const callbackAt = new Date(now + 2 * 3_600_000).toISOString();
    const r = await post(
      mine.id,
      { outcome: 'callback_requested', transcript: 'Customer: In two hours, please.', callbackAt },
      `Bearer ${tokenOf(mine.id)}`,
    );
    expect(r.statusCode, r.body).toBe(202);
    const [call] = await t.db.query<{ state: string; run_at: string | number }>(
      'SELECT state, run_at FROM calls WHERE id = $1',
      [mine.call_id],
    );
    expect(call!.state).toBe('waiting');
    expect(Number(call!.run_at)).toBe(Date.parse(callbackAt));
    const [attempt] = await t.db.query<{ state: string; reason: string; outcome: string }>(
      'SELECT state, reason, outcome FROM call_attempts WHERE id = $1',
      [mine.id],
    );
    expect(attempt).toEqual({ state: 'ended', reason: 'answered', outcome: 'callback_requested' });
    // It completed the job (no update of a recorded result).
    expect(await deliveries('call.result_updated')).toEqual([]);
  });

  it('a late report replaces the recorded result, fires call.result_updated and does not reopen the job', async () => {
    const { batch, rows, tokenOf } = await setUp();
    const [, done] = rows;
    const before = await callOf(done.call_id);
    expect(before).toMatchObject({ state: 'completed', outcome: 'successful' });
    const transcript = 'Agent: Hello Bo.\nCustomer: Not interested.';
    const r = await post(
      done.id,
      { outcome: 'unsuccessful', transcript },
      `Bearer ${tokenOf(done.id)}`,
    );
    expect(r.statusCode, r.body).toBe(202);
    expect(await callOf(done.call_id)).toEqual({
      state: 'completed',
      outcome: 'unsuccessful',
      transcript,
    });
    await drain(h.rt, (await openSecretBox(t.db, h.rt.config))!);
    expect(rx!.received).toHaveLength(1);
    const [event] = rx!.received;
    expect(event!.verifiedBy).toBe(0);
    expect(event!.json.type).toBe('call.result_updated');
    // The body is the call as the API answers it now: the report's result.
    const read = await h.app.inject({
      method: 'GET',
      url: `/v1/api/batch-calls/${batch.id}/calls/${done.call_id}`,
      headers: a.headers,
    });
    expect(read.statusCode, read.body).toBe(200);
    expect(event!.json.data).toMatchObject(read.json());
    expect(JSON.stringify(read.json())).toContain('Not interested');
    expect(await dncCount(done.phone)).toBe(0);
  });

  const dncCount = async (phone: string) =>
    (
      await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM dnc_entries WHERE phone_number = $1',
        [phone],
      )
    )[0]!.n;

  it('opted_out lands the number on the do-not-call list, before or after the end', async () => {
    const { now, rows, tokenOf } = await setUp();
    const [, done, open] = rows;
    const opt = { outcome: 'opted_out', transcript: 'Customer: Never call me again.' };
    expect((await post(done.id, opt, `Bearer ${tokenOf(done.id)}`)).statusCode).toBe(202);
    expect(await dncCount(done.phone)).toBe(1);

    expect((await post(open.id, opt, `Bearer ${tokenOf(open.id)}`)).statusCode).toBe(202);
    expect(await dncCount(open.phone)).toBe(0);
    await t.db.tx((q) =>
      recordEvents(
        q,
        [
          {
            attemptId: open.id,
            kind: 'ended',
            ending: { kind: 'carrier', end: { reason: 'answered', endedAt: now, durationSec: 12 } },
          },
        ],
        recordContext(h.rt),
      ),
    );
    expect(await dncCount(open.phone)).toBe(1);
    expect((await callOf(open.call_id)).outcome).toBe('opted_out');
  });
});
