import { afterEach, expect, it } from 'vitest';
import type { BatchStatus } from '../../src/domain/types.js';
import { apiFixture } from '../support/api-fixture.js';
import { insertBatch } from '../support/batch-fixtures.js';
import { describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, type Tenant, type TestApp } from '../support/http.js';

// §14 agents: create, list, read, partial update, soft delete (409 while a batch needs the agent).

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const AGENT_ID = /^agent_[0-9a-z]{26}$/;

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
    { days: 1, hours: 0 },
  ],
  variables: ['first_name', 'appointment_date'],
};

describeEachDb('agents API (§14)', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let b: Tenant;
  afterEach(() => closeApp(h, t));

  async function setup() {
    ({ t, h, a, b } = await apiFixture(backend, T0));
  }

  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) => {
    const res = await h.app.inject({
      method,
      url: `/v1/api/agents${url}`,
      headers: a.headers,
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: res.statusCode, body: res.json() };
  };

  const listIds = async (who: Tenant = a) => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/agents', headers: who.headers });
    return (res.json().agents as Array<{ id: string }>).map((x) => x.id);
  };

  it('POST with only a name: 201 and the documented defaults', async () => {
    await setup();
    const res = await call('POST', '', { name: 'Bob' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: res.body.id,
      name: 'Bob',
      greeting: '',
      prompt: '',
      provider: 'simulator',
      smartCallback: false,
      maxAttemptsForSmartCallback: 5,
      gapBetweenEachAttemptForSmartCallback: [],
      createdAt: T0,
      updatedAt: T0,
    });
    expect(res.body.id).toMatch(AGENT_ID);
    expect(await call('GET', `/${res.body.id}`)).toEqual({ status: 200, body: res.body });
  });

  it('POST with every field, GET it back, and list the workspace agents', async () => {
    await setup();
    // Listing is oldest first; agents created in the same millisecond have no defined order.
    await h.clock.advance(1_000);
    const res = await call('POST', '', { ...FULL, voice: 'ignored-unknown-field' });
    expect(res.status).toBe(201);
    const expected = { id: res.body.id, ...FULL, createdAt: T0 + 1_000, updatedAt: T0 + 1_000 };
    expect(res.body).toEqual(expected);
    expect((await call('GET', `/${res.body.id}`)).body).toEqual(expected);
    const list = await call('GET', '');
    expect(list.status).toBe(200);
    expect(Object.keys(list.body)).toEqual(['agents']);
    expect(list.body.agents.map((x: { id: string }) => x.id)).toEqual([a.agentId, res.body.id]);
    expect(list.body.agents[1]).toEqual(expected);
    expect(list.body.agents[0].name).toBe('Ava');
  });

  it('400 for every invalid body, and nothing is created', async () => {
    await setup();
    const gaps = (g: unknown) => ({ name: 'X', gapBetweenEachAttemptForSmartCallback: g });
    const invalid: unknown[] = [
      {},
      { name: '' },
      { name: '   ' },
      { name: 123 },
      { name: null },
      { name: 'X', greeting: 5 },
      { name: 'X', prompt: ['a'] },
      { name: 'X', fromNumber: '4155550123' },
      { name: 'X', fromNumber: '+1 415 555 0123' },
      { name: 'X', fromNumber: '+12' },
      { name: 'X', provider: '' },
      { name: 'X', smartCallback: 'yes' },
      { name: 'X', smartCallback: 'true' },
      { name: 'X', maxAttemptsForSmartCallback: 0 },
      { name: 'X', maxAttemptsForSmartCallback: 11 },
      { name: 'X', maxAttemptsForSmartCallback: 2.5 },
      { name: 'X', maxAttemptsForSmartCallback: '5' },
      gaps({ days: 1, hours: 0 }),
      gaps([{ days: 31, hours: 0 }]),
      gaps([{ days: 0, hours: 24 }]),
      gaps([{ days: -1, hours: 0 }]),
      gaps([{ days: 1 }]),
      gaps([{ days: 0.5, hours: 0 }]),
      { name: 'X', variables: 'first_name' },
      { name: 'X', variables: [''] },
      { name: 'X', variables: [1] },
      [{ name: 'X' }],
    ];
    for (const body of invalid) {
      const res = await call('POST', '', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(typeof res.body.error).toBe('string');
      expect(typeof res.body.message).toBe('string');
    }
    const empty = await h.app.inject({ method: 'POST', url: '/v1/api/agents', headers: a.headers });
    expect(empty.statusCode).toBe(400);
    expect(await listIds()).toEqual([a.agentId]);
  });

  it('PUT changes only the given fields; null removes fromNumber and variables', async () => {
    await setup();
    const created = (await call('POST', '', FULL)).body;
    await h.clock.advance(5_000);
    const renamed = await call('PUT', `/${created.id}`, { name: 'Benny', smartCallback: false });
    expect(renamed).toEqual({
      status: 200,
      body: { ...created, name: 'Benny', smartCallback: false, updatedAt: T0 + 5_000 },
    });
    await h.clock.advance(5_000);
    const cleared = await call('PUT', `/${created.id}`, {
      fromNumber: null,
      variables: null,
      gapBetweenEachAttemptForSmartCallback: [],
      maxAttemptsForSmartCallback: 10,
      greeting: '',
    });
    const { fromNumber: _f, variables: _v, ...rest } = created;
    expect(cleared).toEqual({
      status: 200,
      body: {
        ...rest,
        name: 'Benny',
        greeting: '',
        smartCallback: false,
        maxAttemptsForSmartCallback: 10,
        gapBetweenEachAttemptForSmartCallback: [],
        updatedAt: T0 + 10_000,
      },
    });
    expect((await call('GET', `/${created.id}`)).body).toEqual(cleared.body);

    for (const bad of [{ name: '' }, { maxAttemptsForSmartCallback: 11 }, { fromNumber: 'x' }]) {
      expect((await call('PUT', `/${created.id}`, bad)).status).toBe(400);
    }
    expect((await call('GET', `/${created.id}`)).body).toEqual(cleared.body);
    const missing = await call('PUT', '/agent_nope', { name: 'Z' });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: 'Agent not found', message: missing.body.message });
    expect(typeof missing.body.message).toBe('string');
  });

  it('DELETE soft-deletes: gone from GET and the list, a second DELETE is 404', async () => {
    await setup();
    const created = (await call('POST', '', { name: 'Temp' })).body;
    expect(await call('DELETE', `/${created.id}`)).toEqual({
      status: 200,
      body: { id: created.id, deleted: true },
    });
    const gone = await call('GET', `/${created.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error).toBe('Agent not found');
    expect((await call('PUT', `/${created.id}`, { name: 'Back' })).status).toBe(404);
    expect((await call('DELETE', `/${created.id}`)).status).toBe(404);
    expect(await listIds()).toEqual([a.agentId]);
    // Soft: the row stays for the batches that ran with it.
    const rows = await t.db.query<{ deleted_at: number }>(
      'SELECT deleted_at FROM agents WHERE id = $1',
      [created.id],
    );
    expect(rows).toEqual([{ deleted_at: T0 }]);
  });

  it('DELETE is 409 while a queued or processing batch uses the agent', async () => {
    await setup();
    const withBatch = async (status: BatchStatus) => {
      const agent = (await call('POST', '', { name: `Agent ${status}` })).body;
      await insertBatch(t.db, {
        workspaceId: a.workspaceId,
        agentId: agent.id,
        createdAt: T0,
        status,
        calls: [{ state: 'waiting' }],
      });
      return agent.id as string;
    };
    for (const status of ['queued', 'processing'] as const) {
      const id = await withBatch(status);
      const res = await call('DELETE', `/${id}`);
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ error: 'Agent in use', message: res.body.message });
      expect(typeof res.body.message).toBe('string');
      expect((await call('GET', `/${id}`)).status).toBe(200);
    }
    for (const status of ['completed', 'cancelled', 'failed'] as const) {
      const id = await withBatch(status);
      expect((await call('DELETE', `/${id}`)).status).toBe(200);
    }
  });

  it("another workspace's agent is exactly like a missing one", async () => {
    await setup();
    const theirs = b.agentId;
    const before = await h.app.inject({
      method: 'GET',
      url: `/v1/api/agents/${theirs}`,
      headers: b.headers,
    });
    for (const [method, body] of [
      ['GET', undefined],
      ['PUT', { name: 'Hijacked' }],
      ['DELETE', undefined],
    ] as const) {
      const res = await call(method, `/${theirs}`, body);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'Agent not found', message: res.body.message });
      expect(JSON.stringify(res.body)).not.toContain('Ava');
    }
    expect(await listIds(a)).toEqual([a.agentId]);
    const after = await h.app.inject({
      method: 'GET',
      url: `/v1/api/agents/${theirs}`,
      headers: b.headers,
    });
    expect(after.json()).toEqual(before.json());
  });

  it('both prefixes route to the same handlers', async () => {
    await setup();
    const created = await h.app.inject({
      method: 'POST',
      url: '/v1/agents',
      headers: a.headers,
      payload: { name: 'Short prefix' },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    const viaLong = await call('GET', `/${id}`);
    expect(viaLong).toEqual({ status: 200, body: created.json() });
    const del = await h.app.inject({
      method: 'DELETE',
      url: `/v1/agents/${id}`,
      headers: a.headers,
    });
    expect(del.json()).toEqual({ id, deleted: true });
  });
});
