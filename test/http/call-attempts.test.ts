import { afterEach, expect, it } from 'vitest';
import { ATTEMPT_GAP_MS, attemptIdOf, insertBatch, mixedCalls } from '../support/batch-fixtures.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// ext: `?include=attempts` on §5 adds `attemptHistory`; without it the answer is the contract's,
// byte for byte. Every answer is checked against /openapi.json.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);

describeEachDb('one call with its attempt history (ext)', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  afterEach(() => closeApp(h, t));

  async function setup() {
    t = await createTestDb(backend);
    h = await createTestApp(t.db, {}, undefined, { checkAnswers: true });
    a = await seedTenant(t.db, T0, 'A');
    return insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: mixedCalls(T0),
    });
  }

  const get = (url: string) => h.app.inject({ method: 'GET', url, headers: a.headers });

  it('lists each attempt with its reason, start, end and duration', async () => {
    const batch = await setup();
    const ids = batch.callIds;
    const history = async (i: number) => {
      const res = await get(`/v1/api/batch-calls/${batch.id}/calls/${ids[i]}?include=attempts`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      // The contract's `attempts` stays the count.
      expect(body.attempts).toBe(body.attemptHistory.length);
      return body.attemptHistory;
    };
    // 4 failed after three busy attempts, 2 minutes apart, 30 s each.
    const failed = await history(4);
    expect(failed).toEqual(
      [1, 2, 3].map((k) => ({
        attemptId: expect.stringMatching(/^att_/),
        attempt: k,
        startTime: T0 + 4_000 + (k - 1) * ATTEMPT_GAP_MS,
        endTime: T0 + 4_000 + (k - 1) * ATTEMPT_GAP_MS + 30_000,
        duration: 30,
        reason: 'busy',
      })),
    );
    expect(new Set(failed.map((x: { attemptId: string }) => x.attemptId)).size).toBe(3);
    // 3 completed on its one attempt: answered, with talk time and outcome.
    expect(await history(3)).toEqual([
      {
        attemptId: await attemptIdOf(t.db, ids[3]!),
        attempt: 1,
        startTime: T0 + 3_000,
        answerTime: T0 + 60_000 - 42_500,
        endTime: T0 + 60_000,
        duration: 57,
        talkTime: 42.5,
        reason: 'answered',
        outcome: 'callback_requested',
      },
    ]);
    // 2 is on the line: started, nothing else yet. 0 was never dialed.
    expect(await history(2)).toEqual([
      { attemptId: await attemptIdOf(t.db, ids[2]!), attempt: 1, startTime: T0 + 2_000 },
    ]);
    expect(await history(0)).toEqual([]);
  });

  it('without include the answer is exactly the contract one', async () => {
    const batch = await setup();
    for (const id of batch.callIds) {
      const url = `/v1/api/batch-calls/${batch.id}/calls/${id}`;
      const plain = await get(url);
      const full = await get(`${url}?include=attempts`);
      expect(plain.json()).not.toHaveProperty('attemptHistory');
      const { attemptHistory, ...rest } = full.json();
      expect(Array.isArray(attemptHistory)).toBe(true);
      expect(plain.body).toBe(JSON.stringify(rest));
    }
  });

  it('an unknown include is a 400; a missing call is still the 404 of §5', async () => {
    const batch = await setup();
    const bad = await get(
      `/v1/api/batch-calls/${batch.id}/calls/${batch.callIds[0]}?include=everything`,
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'Bad Request' });
    const missing = await get(`/v1/api/batch-calls/${batch.id}/calls/call_nope?include=attempts`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ status: 'not_found', error: 'Call not found' });
  });
});
