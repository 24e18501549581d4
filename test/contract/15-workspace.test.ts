import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// Contract §15 (ext) `GET|PATCH /workspace`.

// frequencyCap, callingWindow (the legal floor), requireConsent and paused (stop everything,
// with pausedAt while it holds): the call safety settings of ext §19.
const WORKSPACE_KEYS = [
  'callingWindow',
  'callsPerSecond',
  'frequencyCap',
  'id',
  'maxConcurrentCalls',
  'name',
  'paused',
  'requireConsent',
  'timezone',
];
const keys = (o: object) => Object.keys(o).sort();

describeEachDb('contract §15 workspace settings', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  beforeAll(async () => {
    t = await createTestDb(backend);
    h = await createTestApp(t.db);
    a = await seedTenant(t.db, h.clock.now(), 'Acme');
  });
  afterAll(() => closeApp(h, t));
  const call = (method: 'GET' | 'PATCH', payload?: object) =>
    h.app.inject({
      method,
      url: '/v1/api/workspace',
      headers: a.headers,
      ...(payload ? { payload } : {}),
    });

  it('GET 200 {id, name, maxConcurrentCalls, callsPerSecond, timezone, frequencyCap, callingWindow, requireConsent, paused}', async () => {
    const res = await call('GET');
    expect(res.statusCode).toBe(200);
    expect(keys(res.json())).toEqual(WORKSPACE_KEYS);
    expect(res.json()).toEqual({
      id: expect.stringMatching(/^ws_/),
      name: 'Acme',
      maxConcurrentCalls: 10,
      callsPerSecond: 5,
      timezone: 'UTC',
      frequencyCap: null,
      callingWindow: {
        timezone: 'recipient',
        days: [1, 2, 3, 4, 5, 6, 7],
        start: '08:00',
        end: '21:00',
      },
      requireConsent: false,
      paused: false,
    });
  });

  it('PATCH 200 answers the whole updated workspace', async () => {
    const res = await call('PATCH', { callsPerSecond: 2 });
    expect(res.statusCode).toBe(200);
    expect(keys(res.json())).toEqual(WORKSPACE_KEYS);
    expect(res.json()).toMatchObject({ callsPerSecond: 2, maxConcurrentCalls: 10 });
  });

  it('PATCH 200 sets the legal floor and requireConsent (ext §19)', async () => {
    const floor = {
      timezone: 'Europe/Berlin',
      days: [1, 2, 3, 4, 5],
      start: '09:00',
      end: '20:00',
    };
    const res = await call('PATCH', { callingWindow: floor, requireConsent: true });
    expect(res.statusCode).toBe(200);
    expect(keys(res.json())).toEqual(WORKSPACE_KEYS);
    expect(res.json()).toMatchObject({ callingWindow: floor, requireConsent: true });
  });

  it('PATCH 400 {error, message} for a bad value, an unknown field or an empty body', async () => {
    for (const payload of [
      { maxConcurrentCalls: '5' },
      { name: 'x' },
      {},
      { timezone: 'Nowhere' },
      { callingWindow: { start: '09:00', end: '09:00' } },
      { callingWindow: null },
      { requireConsent: 'yes' },
    ]) {
      const res = await call('PATCH', payload);
      expect(res.statusCode).toBe(400);
      expect(keys(res.json())).toEqual(['error', 'message']);
    }
  });

  it('PATCH 413 for a body over 1 MB, 415 for a body that is not JSON; nothing changed', async () => {
    const before = (await call('GET')).json();
    const raw = (payload: string, type: string) =>
      h.app.inject({
        method: 'PATCH',
        url: '/v1/api/workspace',
        headers: { ...a.headers, 'content-type': type },
        payload,
      });
    const big = await raw(
      JSON.stringify({ timezone: 'x'.repeat(1024 * 1024) }),
      'application/json',
    );
    expect(big.statusCode).toBe(413);
    expect(big.json()).toEqual({
      error: 'Payload Too Large',
      message: expect.any(String),
      code: 'payload_too_large',
    });
    const xml = await raw('<callsPerSecond>1</callsPerSecond>', 'application/xml');
    expect(xml.statusCode).toBe(415);
    expect(xml.json()).toEqual({
      error: 'Unsupported Media Type',
      message: expect.any(String),
      code: 'unsupported_media_type',
    });
    expect((await call('GET')).json()).toEqual(before);
  });
});
