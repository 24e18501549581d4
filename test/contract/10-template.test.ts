import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// Contract §10 `GET /batch-calls/template`: a CSV attachment; ?agentId= (ext) adds columns.

describeEachDb('contract §10 CSV template', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  beforeAll(async () => {
    t = await createTestDb(backend);
    h = await createTestApp(t.db);
    a = await seedTenant(t.db, h.clock.now());
  });
  afterAll(() => closeApp(h, t));
  const get = (query = '') =>
    h.app.inject({
      method: 'GET',
      url: `/v1/api/batch-calls/template${query}`,
      headers: a.headers,
    });

  it('200 text/csv attachment: the four standard columns and one example row', async () => {
    const res = await get();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      'attachment; filename="batch-calls-template.csv"',
    );
    const lines = res.body.split('\n');
    expect(lines).toEqual([
      'phone_number,first_name,last_name,email',
      '+15005550001,John,Smith,john.smith@example.com',
      '',
    ]);
  });

  it('?agentId= appends that agent’s variables after the standard columns', async () => {
    const res = await get(`?agentId=${a.agentId}`);
    expect(res.statusCode).toBe(200);
    expect(res.body.split('\n')[0]).toBe(
      'phone_number,first_name,last_name,email,appointment_date',
    );
  });

  it('404 {error: "Agent not found", message} for an unknown agent', async () => {
    const res = await get('?agentId=agent_unknown');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'Agent not found', message: expect.any(String) });
  });

  it('400 {error, message, code} for agentId given twice', async () => {
    const res = await get(`?agentId=${a.agentId}&agentId=${a.agentId}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: 'Bad Request',
      message: expect.any(String),
      code: 'invalid_request',
    });
  });
});
