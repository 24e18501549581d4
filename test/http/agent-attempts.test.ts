import { afterEach, expect, it } from 'vitest';
import { AttemptTokens, REPORT_TOKEN_TTL_MS } from '../../src/security/attempt-token.js';
import { resolveKeySecret } from '../../src/security/key-secret.js';
import { apiFixture } from '../support/api-fixture.js';
import { insertBatch } from '../support/batch-fixtures.js';
import { describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, type Tenant, type TestApp } from '../support/http.js';

// §21: GET /v1/agent/attempts/{attemptId} with the attempt's report token, and nothing else.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);

describeEachDb('the agent reads its call (§21)', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  afterEach(() => closeApp(h, t));

  it('answers the row and the rendered templates for its token only', async () => {
    ({ t, h, a } = await apiFixture(backend, T0));
    const batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      status: 'processing',
      calls: [
        {
          state: 'active',
          startTime: T0,
          variables: { first_name: 'Ann', last_name: 'Lee', appointment_date: 'Monday' },
        },
        { state: 'active', startTime: T0, variables: { first_name: 'Bo' } },
      ],
    });
    const [mine, other] = await t.db.query<{ id: string; call_id: string; phone: string }>(
      `SELECT a.id, a.call_id, c.phone_number AS phone FROM call_attempts a
         JOIN calls c ON c.id = a.call_id WHERE a.batch_id = $1 ORDER BY c.seq`,
      [batch.id],
    );
    const tokens = new AttemptTokens(await resolveKeySecret(t.db));
    const token = tokens.issue('report', mine!.id, T0 + REPORT_TOKEN_TTL_MS);
    const get = (id: string, authorization?: string) =>
      h.app.inject({
        method: 'GET',
        url: `/v1/agent/attempts/${id}`,
        headers: authorization === undefined ? {} : { authorization },
      });

    const res = await get(mine!.id, `Bearer ${token}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      jobId: mine!.call_id,
      batchId: batch.id,
      attemptId: mine!.id,
      attemptNo: 1,
      phone_number: mine!.phone,
      variables: { first_name: 'Ann', last_name: 'Lee', appointment_date: 'Monday' },
      greeting: 'Hello Ann, this is Ava from Acme.',
      prompt: 'You are Ava. Confirm the appointment of Ann Lee on Monday.',
    });

    const refused = [
      await get(mine!.id),
      await get(mine!.id, token),
      await get(other!.id, `Bearer ${token}`),
      await get(mine!.id, `Bearer ${tokens.issue('callback', mine!.id, T0 + 1_000)}`),
      await get(mine!.id, `Bearer ${tokens.issue('report', mine!.id, T0)}`),
    ];
    for (const r of refused) {
      expect(r.statusCode).toBe(401);
      expect(r.json()).toEqual({ error: 'Unauthorized', message: expect.any(String) });
      expect(r.body).not.toContain('Ann');
    }
    // An API key is no substitute.
    const withKey = await h.app.inject({
      method: 'GET',
      url: `/v1/api/agent/attempts/${mine!.id}`,
      headers: a.headers,
    });
    expect(withKey.statusCode).toBe(401);
  });
});
