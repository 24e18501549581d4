import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { lockNextWorkspace } from '../../src/storage/dispatch-repo.js';
import { getWorkspace, updateWorkspaceSettings } from '../../src/storage/workspaces-repo.js';
import { insertBatch } from '../support/batch-fixtures.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// §15 (ext) workspace settings: GET and PATCH of the authenticated workspace.

const FLOOR = { timezone: 'recipient', days: [1, 2, 3, 4, 5, 6, 7], start: '08:00', end: '21:00' };
const DEFAULTS = {
  maxConcurrentCalls: 10,
  callsPerSecond: 5,
  timezone: 'UTC',
  frequencyCap: null,
  callingWindow: FLOOR,
  requireConsent: false,
  paused: false,
};
const SETTINGS =
  'maxConcurrentCalls, callsPerSecond, timezone, frequencyCap, callingWindow or requireConsent';

describeEachDb('workspace settings (§15)', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let b: Tenant;
  beforeAll(async () => {
    t = await createTestDb(backend);
    h = await createTestApp(t.db);
    a = await seedTenant(t.db, h.clock.now(), 'Acme');
    b = await seedTenant(t.db, h.clock.now(), 'Other');
  });
  beforeEach(async () => {
    for (const w of [a, b]) await updateWorkspaceSettings(t.db, w.workspaceId, DEFAULTS);
  });
  afterAll(() => closeApp(h, t));

  const call = async (method: 'GET' | 'PATCH', payload?: unknown, who = a) => {
    const res = await h.app.inject({
      method,
      url: '/v1/api/workspace',
      headers: who.headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    return { status: res.statusCode, body: res.json() };
  };
  const raw = (payload: string, contentType = 'application/json') =>
    h.app.inject({
      method: 'PATCH',
      url: '/v1/workspace',
      headers: { ...a.headers, 'content-type': contentType },
      payload,
    });

  it('GET answers the workspace with its defaults', async () => {
    expect(await call('GET')).toEqual({
      status: 200,
      body: { id: a.workspaceId, name: 'Acme', ...DEFAULTS },
    });
  });

  it('PATCH changes only what it names and answers the updated workspace', async () => {
    expect(await call('PATCH', { maxConcurrentCalls: 3 })).toEqual({
      status: 200,
      body: { id: a.workspaceId, name: 'Acme', ...DEFAULTS, maxConcurrentCalls: 3 },
    });
    const both = { callsPerSecond: 1000, timezone: 'Europe/Paris' };
    expect((await call('PATCH', both)).body).toEqual({
      id: a.workspaceId,
      name: 'Acme',
      ...DEFAULTS,
      maxConcurrentCalls: 3,
      ...both,
    });
    expect((await call('GET')).body).toEqual({
      id: a.workspaceId,
      name: 'Acme',
      ...DEFAULTS,
      maxConcurrentCalls: 3,
      ...both,
    });
    // The other workspace is untouched.
    expect((await call('GET', undefined, b)).body).toEqual({
      id: b.workspaceId,
      name: 'Other',
      ...DEFAULTS,
    });
  });

  it('a zone differing only in case is stored as spelled by the zone database', async () => {
    expect((await call('PATCH', { timezone: 'america/new_york' })).body.timezone).toBe(
      'America/New_York',
    );
    // A legacy alias keeps the user's spelling: Intl would turn it into another zone's name.
    expect((await call('PATCH', { timezone: 'EST' })).body.timezone).toBe('EST');
    expect((await getWorkspace(t.db, a.workspaceId))?.timezone).toBe('EST');
  });

  it('400 for anything but integers 1–1000 and a real zone; types are never coerced', async () => {
    const limitsRule = (f: string) => ({
      error: `Invalid ${f}`,
      message: `${f} must be an integer from 1 to 1000`,
    });
    const cases: Array<[unknown, object]> = [
      [{ maxConcurrentCalls: '5' }, limitsRule('maxConcurrentCalls')],
      [{ maxConcurrentCalls: 0 }, limitsRule('maxConcurrentCalls')],
      [{ maxConcurrentCalls: 2.5 }, limitsRule('maxConcurrentCalls')],
      [{ maxConcurrentCalls: null }, limitsRule('maxConcurrentCalls')],
      [{ callsPerSecond: 1001 }, limitsRule('callsPerSecond')],
      [{ callsPerSecond: true }, limitsRule('callsPerSecond')],
      [{ callsPerSecond: -1, maxConcurrentCalls: 4 }, limitsRule('callsPerSecond')],
      [
        { timezone: 5 },
        {
          error: 'Invalid timezone',
          message: 'timezone must be an IANA time zone name such as America/New_York',
        },
      ],
      [
        { timezone: 'Mars/Olympus_Mons' },
        {
          error: 'Invalid timezone',
          message:
            'timezone must be an IANA time zone such as America/New_York or UTC; got "Mars/Olympus_Mons"',
        },
      ],
      [
        { timezone: '+05:00', maxConcurrentCalls: 4 },
        {
          error: 'Invalid timezone',
          message:
            'timezone must be an IANA time zone such as America/New_York or UTC; got "+05:00"',
        },
      ],
      [
        { name: 'Renamed', maxConcurrentCalls: 4 },
        {
          error: 'Unknown field',
          message: `Unknown field "name": only ${SETTINGS} can be changed`,
        },
      ],
      [
        {},
        {
          error: 'Empty body',
          message: `Send at least one of ${SETTINGS}`,
        },
      ],
      [
        [],
        {
          error: 'Invalid body',
          message: `The body must be a JSON object with ${SETTINGS}`,
        },
      ],
    ];
    for (const [payload, body] of cases) {
      expect({ payload, ...(await call('PATCH', payload)) }).toEqual({
        payload,
        status: 400,
        body,
      });
    }
    const noObject = {
      error: 'Invalid body',
      message: `The body must be a JSON object with ${SETTINGS}`,
    };
    for (const res of [await raw(''), await raw('null'), await raw('"x"')]) {
      expect({ status: res.statusCode, body: res.json() }).toEqual({ status: 400, body: noObject });
    }
    const noBody = await h.app.inject({
      method: 'PATCH',
      url: '/v1/workspace',
      headers: a.headers,
    });
    expect({ status: noBody.statusCode, body: noBody.json() }).toEqual({
      status: 400,
      body: noObject,
    });
    // Nothing was changed by any of them.
    expect((await call('GET')).body).toEqual({ id: a.workspaceId, name: 'Acme', ...DEFAULTS });
  });

  it('frequencyCap (§19): set, shown, validated, and turned off with null', async () => {
    const cap = { maxAttempts: 2, periodHours: 24 };
    expect(await call('PATCH', { frequencyCap: cap })).toMatchObject({
      status: 200,
      body: { frequencyCap: cap, maxConcurrentCalls: 10 },
    });
    expect((await call('GET')).body.frequencyCap).toEqual(cap);
    // Another workspace's settings are its own.
    expect((await call('GET', undefined, b)).body.frequencyCap).toBeNull();
    const rule =
      'frequencyCap must be null or {"maxAttempts": 1 to 1000, "periodHours": 1 to 8760}';
    for (const bad of [
      { maxAttempts: 0, periodHours: 24 },
      { maxAttempts: 2 },
      { maxAttempts: 2, periodHours: 8761 },
      { maxAttempts: '2', periodHours: 24 },
      { maxAttempts: 2, periodHours: 24, extra: 1 },
      3,
    ]) {
      expect(await call('PATCH', { frequencyCap: bad }), JSON.stringify(bad)).toMatchObject({
        status: 400,
        body: { error: 'Invalid frequencyCap', message: rule },
      });
    }
    expect((await call('GET')).body.frequencyCap).toEqual(cap);
    expect(await call('PATCH', { frequencyCap: null })).toMatchObject({
      status: 200,
      body: { frequencyCap: null },
    });
  });

  it('callingWindow (§19 legal floor): set, shown, validated like a batch window, never removed', async () => {
    const floor = { timezone: 'America/Chicago', days: [5, 1, 3], start: '09:30', end: '20:00' };
    expect(await call('PATCH', { callingWindow: floor })).toMatchObject({
      status: 200,
      body: { callingWindow: { ...floor, days: [1, 3, 5] }, maxConcurrentCalls: 10 },
    });
    expect((await call('GET')).body.callingWindow).toEqual({ ...floor, days: [1, 3, 5] });
    expect((await call('GET', undefined, b)).body.callingWindow).toEqual(FLOOR);
    // Omitted zone and days take the batch window's defaults.
    expect((await call('PATCH', { callingWindow: { start: '22:00', end: '02:00' } })).body).toEqual(
      {
        id: a.workspaceId,
        name: 'Acme',
        ...DEFAULTS,
        callingWindow: { ...FLOOR, start: '22:00', end: '02:00' },
      },
    );
    const shape =
      'callingWindow must be an object {"timezone": "recipient" or an IANA zone, "days": [1..7], "start": "HH:MM", "end": "HH:MM"}';
    const cases: Array<[unknown, string, string]> = [
      [null, 'Invalid callingWindow', shape],
      [{ start: '09:00' }, 'Invalid callingWindow', shape],
      [{ start: '09:00', end: '17:00', extra: 1 }, 'Invalid callingWindow', shape],
      [{ start: '09:00', end: '17:00', days: [0] }, 'Invalid callingWindow', shape],
      [
        { timezone: 'Mars/Olympus', start: '09:00', end: '17:00' },
        'Invalid callingWindow',
        'timezone must be "recipient" or an IANA time zone name',
      ],
      [
        { start: '9:00', end: '17:00' },
        'Invalid callingWindow',
        'start must be a time "HH:MM" (00:00 to 23:59)',
      ],
      [{ start: '09:00', end: '09:00' }, 'Invalid callingWindow', 'start and end must differ'],
      [
        { start: '09:00', end: '17:00', days: [1, 1] },
        'Invalid callingWindow',
        'days must be a non-empty list of distinct weekdays 1 (Monday) to 7',
      ],
    ];
    for (const [bad, error, message] of cases) {
      expect(await call('PATCH', { callingWindow: bad }), JSON.stringify(bad)).toEqual({
        status: 400,
        body: { error, message },
      });
    }
    // A rejected PATCH changes nothing, not even the other fields it named.
    expect(
      (await call('PATCH', { maxConcurrentCalls: 3, callingWindow: { start: 'x', end: 'y' } }))
        .status,
    ).toBe(400);
    expect((await call('GET')).body).toMatchObject({
      maxConcurrentCalls: 10,
      callingWindow: { start: '22:00', end: '02:00' },
    });
  });

  it('requireConsent (§19): false by default, set and shown, only a boolean', async () => {
    expect(await call('PATCH', { requireConsent: true })).toMatchObject({
      status: 200,
      body: { requireConsent: true, callingWindow: FLOOR },
    });
    expect((await call('GET')).body.requireConsent).toBe(true);
    expect((await call('GET', undefined, b)).body.requireConsent).toBe(false);
    for (const bad of ['true', 1, null]) {
      expect(await call('PATCH', { requireConsent: bad })).toEqual({
        status: 400,
        body: { error: 'Invalid requireConsent', message: 'requireConsent must be true or false' },
      });
    }
    expect((await call('PATCH', { requireConsent: false })).body.requireConsent).toBe(false);
  });

  it('the engine reads the new limits at its next claim', async () => {
    const now = h.clock.now();
    await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: now,
      calls: [{ state: 'waiting' }],
    });
    const floor = { timezone: 'Europe/Paris', days: [1, 2], start: '10:00', end: '11:00' };
    await call('PATCH', { maxConcurrentCalls: 2, callsPerSecond: 7, callingWindow: floor });
    const locked = await t.db.tx((q) => lockNextWorkspace(q, now, 1000));
    expect(locked).toMatchObject({
      id: a.workspaceId,
      maxConcurrentCalls: 2,
      callsPerSecond: 7,
      callingWindow: floor,
    });
    await t.db.query('DELETE FROM batches');
  });
});
