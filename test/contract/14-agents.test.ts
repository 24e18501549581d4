import { afterAll, beforeAll, expect, it } from 'vitest';
import { insertBatch } from '../support/batch-fixtures.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// Contract §14 `/agents`: POST (201), GET list, GET|PUT|DELETE one — the agent's key set with
// optional fields absent (never null), types, defaults, status codes and error bodies.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const keysOf = (o: object) => Object.keys(o).sort();
const AGENT = [
  'createdAt',
  'gapBetweenEachAttemptForSmartCallback',
  'greeting',
  'id',
  'maxAttemptsForSmartCallback',
  'name',
  'prompt',
  'provider',
  'smartCallback',
  'updatedAt',
];
const FULL = {
  name: 'Ben',
  greeting: 'Hi {first_name}, Ben from Acme here.',
  prompt: 'Remind {first_name} of the appointment on {appointment_date}.',
  fromNumber: '+14155550123',
  provider: 'simulator',
  smartCallback: true,
  maxAttemptsForSmartCallback: 3,
  gapBetweenEachAttemptForSmartCallback: [
    { days: 0, hours: 2 },
    { days: 30, hours: 23 },
  ],
  variables: ['first_name', 'appointment_date'],
};

type Body = Record<string, any>;
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

describeEachDb('contract §14: agents', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;

  beforeAll(async () => {
    t = await createTestDb(backend);
    h = await createTestApp(t.db);
    a = await seedTenant(t.db, T0, 'A');
  });
  afterAll(() => closeApp(h, t));

  const req = async (method: Method, path: string, body?: unknown, prefix = '/v1/api') => {
    const res = await h.app.inject({
      method,
      url: `${prefix}/agents${path}`,
      headers: a.headers,
      ...(body === undefined ? {} : { payload: body as object }),
    });
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    return { status: res.statusCode, body: res.json() as Body };
  };

  function expectAgentTypes(x: Body) {
    expect(x.id).toMatch(/^agent_[0-9a-z]{26}$/);
    for (const k of ['name', 'greeting', 'prompt', 'provider'])
      expect(typeof x[k], k).toBe('string');
    expect(typeof x.smartCallback).toBe('boolean');
    expect(Number.isInteger(x.maxAttemptsForSmartCallback)).toBe(true);
    expect(Array.isArray(x.gapBetweenEachAttemptForSmartCallback)).toBe(true);
    for (const g of x.gapBetweenEachAttemptForSmartCallback)
      expect(keysOf(g)).toEqual(['days', 'hours']);
    expect(Number.isInteger(x.createdAt)).toBe(true);
    expect(Number.isInteger(x.updatedAt)).toBe(true);
    if ('fromNumber' in x) expect(x.fromNumber).toMatch(/^\+[1-9][0-9]{6,14}$/);
    if ('variables' in x) for (const v of x.variables) expect(typeof v).toBe('string');
  }

  it('POST: 201, optional fields absent unless given, documented defaults', async () => {
    const minimal = await req('POST', '', { name: 'Bob' });
    expect(minimal.status).toBe(201);
    expect(keysOf(minimal.body)).toEqual(AGENT);
    expectAgentTypes(minimal.body);
    expect(minimal.body).toMatchObject({
      name: 'Bob',
      provider: 'simulator',
      smartCallback: false,
      maxAttemptsForSmartCallback: 5,
      gapBetweenEachAttemptForSmartCallback: [],
    });
    const full = await req('POST', '', { ...FULL, unknownField: 'ignored' }, '/v1');
    expect(full.status).toBe(201);
    expect(keysOf(full.body)).toEqual([...AGENT, 'fromNumber', 'variables'].sort());
    expectAgentTypes(full.body);
    expect(full.body).toMatchObject(FULL);
    expect(full.body).not.toHaveProperty('unknownField');
  });

  it('GET one and GET list: the same agent objects; list is {"agents": [...]}', async () => {
    const created = (await req('POST', '', FULL)).body;
    const one = await req('GET', `/${created.id}`);
    expect(one).toEqual({ status: 200, body: created });
    for (const prefix of ['/v1/api', '/v1']) {
      const list = await req('GET', '', undefined, prefix);
      expect(list.status).toBe(200);
      expect(keysOf(list.body)).toEqual(['agents']);
      for (const x of list.body.agents) expectAgentTypes(x);
      expect(list.body.agents).toContainEqual(created);
    }
  });

  it('PUT: partial update, 200 with the agent; null removes fromNumber and variables', async () => {
    const created = (await req('POST', '', FULL)).body;
    const renamed = await req('PUT', `/${created.id}`, { name: 'Bea' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ ...FULL, name: 'Bea', id: created.id });
    const cleared = await req('PUT', `/${created.id}`, { fromNumber: null, variables: null });
    expect(cleared.status).toBe(200);
    expect(keysOf(cleared.body)).toEqual(AGENT);
    expectAgentTypes(cleared.body);
  });

  it('DELETE: 200 {"id","deleted":true}, then 404; 409 while a running batch uses it', async () => {
    const created = (await req('POST', '', { name: 'Temp' })).body;
    const del = await req('DELETE', `/${created.id}`);
    expect(del).toEqual({ status: 200, body: { id: created.id, deleted: true } });
    const gone = await req('GET', `/${created.id}`);
    expect(gone.status).toBe(404);

    const busy = (await req('POST', '', { name: 'Busy' })).body;
    await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: busy.id,
      createdAt: T0,
      calls: [{ state: 'waiting' }],
    });
    const conflict = await req('DELETE', `/${busy.id}`);
    expect(conflict.status).toBe(409);
    expect(keysOf(conflict.body)).toEqual(['error', 'message']);
    expect(typeof conflict.body.error).toBe('string');
    expect(typeof conflict.body.message).toBe('string');
    expect((await req('GET', `/${busy.id}`)).status).toBe(200);
  });

  it('404 {"error":"Agent not found","message"} on GET, PUT and DELETE', async () => {
    for (const [method, body] of [['GET'], ['PUT', { name: 'X' }], ['DELETE']] as const) {
      for (const prefix of ['/v1/api', '/v1']) {
        const res = await req(method, '/agent_unknown', body, prefix);
        expect(res.status, method).toBe(404);
        expect(keysOf(res.body), method).toEqual(['error', 'message']);
        expect(res.body.error, method).toBe('Agent not found');
      }
    }
  });

  it('400 in the flat shape for invalid bodies', async () => {
    const cases: Array<[Method, unknown]> = [
      ['POST', {}],
      ['POST', { name: '   ' }],
      ['POST', { name: 42 }],
      ['POST', { name: 'X', smartCallback: 'yes' }],
      ['POST', { name: 'X', fromNumber: '555-0123' }],
      ['POST', { name: 'X', gapBetweenEachAttemptForSmartCallback: [{ days: 31, hours: 0 }] }],
      ['POST', { name: 'X', gapBetweenEachAttemptForSmartCallback: [{ days: 0, hours: 24 }] }],
      ['POST', { name: 'X', maxAttemptsForSmartCallback: 0 }],
      ['PUT', { name: '' }],
    ];
    const target = (await req('POST', '', { name: 'Target' })).body.id;
    for (const [method, body] of cases) {
      const res = await req(method, method === 'PUT' ? `/${target}` : '', body);
      const where = `${method} ${JSON.stringify(body)}`;
      expect(res.status, where).toBe(400);
      expect(keysOf(res.body), where).toEqual(['code', 'error', 'message']);
      expect(res.body.error, where).toBe('Bad Request');
      expect(typeof res.body.message, where).toBe('string');
    }
    expect((await req('GET', `/${target}`)).body.name).toBe('Target');
  });

  it('413 for a body over 1 MB, 415 for a body that is not JSON, on POST and PUT; nothing stored', async () => {
    const target = (await req('POST', '', { name: 'Target' })).body;
    const count = async () =>
      (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM agents'))[0]!.n;
    const before = await count();
    for (const [method, path] of [
      ['POST', ''],
      ['PUT', `/${target.id}`],
    ] as const) {
      const raw = (payload: string, type: string) =>
        h.app.inject({
          method,
          url: `/v1/api/agents${path}`,
          headers: { ...a.headers, 'content-type': type },
          payload,
        });
      const big = await raw(
        JSON.stringify({ name: 'Big', prompt: 'p'.repeat(1024 * 1024) }),
        'application/json',
      );
      expect(big.statusCode, method).toBe(413);
      expect(big.json(), method).toEqual({
        error: 'Payload Too Large',
        message: expect.any(String),
        code: 'payload_too_large',
      });
      const xml = await raw('<name>X</name>', 'application/xml');
      expect(xml.statusCode, method).toBe(415);
      expect(xml.json(), method).toEqual({
        error: 'Unsupported Media Type',
        message: expect.any(String),
        code: 'unsupported_media_type',
      });
    }
    expect(await count()).toBe(before);
    expect((await req('GET', `/${target.id}`)).body).toEqual(target);
  });

  it('400 for a gap with a key other than days and hours (or a NUL anywhere); nothing stored', async () => {
    const target = (await req('POST', '', FULL)).body;
    const agents = async () =>
      (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM agents'))[0]!.n;
    const before = await agents();
    const gaps = (item: string) => `{"name":"X","gapBetweenEachAttemptForSmartCallback":[${item}]}`;
    const onlyDaysAndHours = (i: number) =>
      `body/gapBetweenEachAttemptForSmartCallback/${i} may only have the fields days and hours`;
    const cases: Array<[string, string | RegExp]> = [
      [gaps('{"days":1,"hours":2,"minutes":30}'), onlyDaysAndHours(0)],
      [gaps('{"days":1,"hours":2},{"days":1,"hours":2,"a\\u0000b":1}'), onlyDaysAndHours(1)],
      [gaps('{"days":1,"hours":2,"note":"\\u0000"}'), onlyDaysAndHours(0)],
      // Unknown top-level fields are ignored, but text PostgreSQL cannot hold is refused anywhere.
      ['{"name":"X","note":"a\\u0000b"}', 'body/note contains a NUL character'],
      ['{"name":"X","a\\u0000b":"note"}', 'body has a field name that contains a NUL character'],
      ['{"name":"X","extra":{"deep":["\\ud800"]}}', /^body\/extra\/deep\/0 contains an unpaired/],
    ];
    for (const [body, message] of cases) {
      for (const [method, path] of [
        ['POST', ''],
        ['PUT', `/${target.id}`],
      ] as const) {
        const res = await h.app.inject({
          method,
          url: `/v1/api/agents${path}`,
          headers: { ...a.headers, 'content-type': 'application/json' },
          payload: body,
        });
        const where = `${method} ${body}: ${res.body}`;
        expect(res.statusCode, where).toBe(400);
        expect(res.json(), where).toEqual({
          error: 'Bad Request',
          message: typeof message === 'string' ? message : expect.stringMatching(message),
          code: 'invalid_request',
        });
      }
    }
    expect(await agents()).toBe(before);
    expect((await req('GET', `/${target.id}`)).body).toEqual(target);
  });
});
