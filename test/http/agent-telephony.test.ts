import { afterEach, expect, it } from 'vitest';
import { credentialsContext } from '../../src/domain/connection.js';
import { newId } from '../../src/domain/ids.js';
import { SecretBox } from '../../src/security/secret-box.js';
import { insertConnection } from '../../src/storage/connections-repo.js';
import { apiFixture } from '../support/api-fixture.js';
import { insertBatch } from '../support/batch-fixtures.js';
import { describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, type Tenant, type TestApp } from '../support/http.js';

// §21 agent fields: the connection decides the provider; the transport, ring and call limits,
// machine detection and fallback message are validated before anything is stored.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const STREAM = { type: 'stream', url: 'wss://agent.example.com/media' };

describeEachDb('agent telephony fields (§21)', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let b: Tenant;
  afterEach(() => closeApp(h, t));

  /** A connection stored as the connections API stores one (that API asks Twilio first). */
  async function connectionOf(tenant: Tenant): Promise<string> {
    const id = newId('conn', T0);
    await insertConnection(t.db, {
      id,
      workspaceId: tenant.workspaceId,
      provider: 'twilio',
      name: 'Line',
      account: `AC${'c0'.repeat(16)}`,
      credentialsSealed: new SecretBox(Buffer.alloc(32, 1)).seal('{}', credentialsContext(id)),
      fromNumbers: ['+14155550100'],
      callsPerSecond: 1,
      now: T0,
    });
    return id;
  }

  const call = async (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) => {
    const res = await h.app.inject({
      method,
      url: `/v1/api/agents${url}`,
      headers: a.headers,
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: res.statusCode, body: res.json() };
  };

  it('a connected agent: provider from its connection, every field stored and shown', async () => {
    ({ t, h, a, b } = await apiFixture(backend, T0));
    const conn = await connectionOf(a);
    const fields = {
      connectionId: conn,
      transport: STREAM,
      machineDetection: 'detect',
      ringTimeoutSec: 25,
      maxCallDurationSec: 600,
      fallbackMessage: 'Sorry, please hold on, we will call you back.',
    };
    const res = await call('POST', '', { name: 'Ava', ...fields });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Ava', provider: 'twilio', ...fields });
    expect(await call('GET', `/${res.body.id}`)).toEqual({ status: 200, body: res.body });
  });

  it('without them an agent reads as before; null returns a field to its default', async () => {
    ({ t, h, a, b } = await apiFixture(backend, T0));
    const conn = await connectionOf(a);
    const plain = await call('POST', '', { name: 'Bob' });
    expect(Object.keys(plain.body)).not.toContain('transport');
    expect(plain.body.provider).toBe('simulator');

    const connected = await call('PUT', `/${plain.body.id}`, {
      connectionId: conn,
      transport: { type: 'sip', uri: 'sip:bob@agents.example.com', extra: 'dropped' },
      ringTimeoutSec: 60,
    });
    expect(connected.status).toBe(200);
    expect(connected.body).toMatchObject({
      provider: 'twilio',
      connectionId: conn,
      transport: { type: 'sip', uri: 'sip:bob@agents.example.com' },
      ringTimeoutSec: 60,
    });
    expect(connected.body.transport).toEqual({ type: 'sip', uri: 'sip:bob@agents.example.com' });

    // Only the ring timeout changes; the connection keeps the transport it needs.
    const back = await call('PUT', `/${plain.body.id}`, { ringTimeoutSec: null });
    expect(back.status).toBe(200);
    expect(Object.keys(back.body)).not.toContain('ringTimeoutSec');
    expect(back.body.connectionId).toBe(conn);

    // Leaving the connection returns the agent to the simulator.
    const left = await call('PUT', `/${plain.body.id}`, { connectionId: null });
    expect(left.status).toBe(200);
    expect(left.body.provider).toBe('simulator');
    expect(Object.keys(left.body)).not.toContain('connectionId');
  });

  it('refuses, with nothing stored: bad transports, limits out of range, mismatched provider', async () => {
    ({ t, h, a, b } = await apiFixture(backend, T0));
    const conn = await connectionOf(a);
    const theirs = await connectionOf(b);
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ connectionId: conn, transport: { type: 'stream', url: 'ws://a.example.com' } }, /wss/],
      [{ connectionId: conn, transport: { type: 'stream', url: 'https://a.example.com' } }, /wss/],
      [{ connectionId: conn, transport: { type: 'sip', uri: 'sip:@' } }, /SIP URI/],
      [{ connectionId: conn, transport: { type: 'twiml', url: 'http://a.example.com' } }, /https/],
      [
        { connectionId: conn, transport: { type: 'websocket', url: 'wss://a.example.com' } },
        /transport/,
      ],
      [{ connectionId: conn }, /transport is required/],
      [{ connectionId: conn, transport: STREAM, provider: 'simulator' }, /disagrees/],
      [{ provider: 'twilio' }, /give a connectionId/],
      [{ connectionId: theirs, transport: STREAM }, /no connection/],
      [{ connectionId: 'conn_nowhere', transport: STREAM }, /no connection/],
      [{ ringTimeoutSec: 4 }, /ringTimeoutSec/],
      [{ ringTimeoutSec: 121 }, /ringTimeoutSec/],
      [{ maxCallDurationSec: 29 }, /maxCallDurationSec/],
      [{ maxCallDurationSec: 14_401 }, /maxCallDurationSec/],
      [{ machineDetection: 'yes' }, /machineDetection/],
      [{ fallbackMessage: ' ' }, /fallbackMessage/],
      [{ fallbackMessage: 'x'.repeat(1_001) }, /fallbackMessage/],
    ];
    for (const [fields, message] of cases) {
      const res = await call('POST', '', { name: 'Refused', ...fields });
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expect(res.body.message, JSON.stringify(fields)).toMatch(message);
    }
    // B's connection reads exactly as one that never existed.
    const mine = await call('POST', '', { name: 'x', connectionId: theirs, transport: STREAM });
    const never = await call('POST', '', { name: 'x', connectionId: 'conn_x', transport: STREAM });
    expect(mine.body.message.replace(theirs, '<id>')).toBe(
      never.body.message.replace('conn_x', '<id>'),
    );
    const names = (await call('GET', '')).body.agents.map((x: { name: string }) => x.name);
    expect(names).not.toContain('Refused');

    const agent = (await call('POST', '', { name: 'Kept' })).body;
    const put = await call('PUT', `/${agent.id}`, { connectionId: conn });
    expect(put.status).toBe(400);
    expect((await call('GET', `/${agent.id}`)).body).toEqual(agent);
  });

  it("a connection used by an agent's live batch cannot be deleted; a deleted one cannot be named", async () => {
    ({ t, h, a, b } = await apiFixture(backend, T0));
    const conn = await connectionOf(a);
    const agent = (await call('POST', '', { name: 'Live', connectionId: conn, transport: STREAM }))
      .body;
    await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: agent.id,
      createdAt: T0,
      status: 'queued',
      calls: [{ state: 'waiting' }],
    });
    const del = (id: string) =>
      h.app.inject({
        method: 'DELETE',
        url: `/v1/api/telephony/connections/${id}`,
        headers: a.headers,
      });
    expect((await del(conn)).statusCode).toBe(409);
    const spare = await connectionOf(a);
    expect((await del(spare)).statusCode).toBe(200);
    const res = await call('POST', '', { name: 'Late', connectionId: spare, transport: STREAM });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/no connection/);
  });
});
