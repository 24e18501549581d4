import { afterEach, expect, it } from 'vitest';
import { credentialsContext } from '../../src/domain/connection.js';
import { newId } from '../../src/domain/ids.js';
import { createRegistry } from '../../src/providers/registry.js';
import { createSimulator } from '../../src/providers/simulator/simulator.js';
import { SecretBox } from '../../src/security/secret-box.js';
import { insertConnection } from '../../src/storage/connections-repo.js';
import { describeEachDb } from '../support/databases.js';
import { attemptsOf, callsOf, insertAgentRow } from '../support/engine-fixtures.js';
import { createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';
import { ScriptedCarrier } from '../support/scripted-carrier.js';
import { type Harness, harness, T0 } from './harness.js';

// Ext §19 legal floor with the real engine: a call through a real carrier connection is placed
// only inside the workspace's calling window (default 08:00–21:00, recipient's time), narrowed by
// its batch's window, never widened; a simulator call reaches nobody and is placed at once.

const HOUR = 3_600_000;
// Calls stored due later are found by the poll; five minutes keep the fake clock's steps few.
const POLL_MS = 300_000;
// New York numbers (EST, UTC-5 in January). T0 is Monday 2026-01-05 15:00 UTC; 12 h later it is
// 22:00 in New York, and 08:00 the next morning is 13:00 UTC on Tuesday.
const AT_22_NY = T0 + 12 * HOUR;
const OPENS_08_NY = Date.UTC(2026, 0, 6, 13, 0, 0);
const OPENS_10_NY = Date.UTC(2026, 0, 6, 15, 0, 0);

describeEachDb('the legal floor for real calls (§19)', (backend) => {
  let h: Harness | undefined;
  let api: TestApp | undefined;
  afterEach(async () => {
    await api?.app.close();
    await h?.close();
    api = h = undefined;
  });

  async function realAgent(tenant: Tenant): Promise<string> {
    const box = new SecretBox(Buffer.alloc(32, 3));
    const connectionId = newId('conn', T0);
    await insertConnection(h!.db, {
      id: connectionId,
      workspaceId: tenant.workspaceId,
      provider: 'twilio',
      name: 'Main',
      account: 'ACfloor',
      credentialsSealed: box.seal('{}', credentialsContext(connectionId)),
      fromNumbers: ['+14155550100'],
      callsPerSecond: 5,
      now: T0,
    });
    const agentId = newId('agent', T0);
    await insertAgentRow(h!.db, tenant.workspaceId, agentId, T0, 'twilio');
    await h!.db.query('UPDATE agents SET connection_id = $1 WHERE id = $2', [
      connectionId,
      agentId,
    ]);
    return agentId;
  }

  it('holds real calls at 22:00 until the effective window opens; simulator calls go at once', async () => {
    h = await harness(backend, { pollMs: POLL_MS });
    api = await createTestApp(h.db, {}, h.clock);
    const tenant = await seedTenant(h.db, T0, 'floor');
    const real = await realAgent(tenant);
    await h.clock.runTo(AT_22_NY);

    const create = async (agentId: string, phone: string, callingWindow?: object) => {
      const res = await api!.app.inject({
        method: 'POST',
        url: '/v1/api/batch-calls',
        headers: tenant.headers,
        payload: {
          agentId,
          recipients: [{ phone_number: phone, first_name: 'Ann' }],
          ...(callingWindow ? { callingWindow } : {}),
        },
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().batchId as string;
    };
    const floorOnly = await create(real, '+12125550101');
    const narrower = await create(real, '+12125550102', { start: '10:00', end: '12:00' });
    const wider = await create(real, '+12125550103', { start: '06:00', end: '23:30' });
    const simulated = await create(tenant.agentId, '+12125550104');

    const carrier = new ScriptedCarrier({ name: 'twilio', clock: h.clock });
    await h.start({
      providers: (events) =>
        createRegistry([
          carrier.attach(events),
          createSimulator({ clock: h!.clock, speed: 1, events }),
        ]),
    });
    await h.clock.runTo(AT_22_NY + 5 * 60_000);

    // The simulator's call was placed at 22:00; none of the real ones was.
    const simAttempts = await attemptsOf(h.db, simulated);
    expect(simAttempts).toHaveLength(1);
    expect(Number(simAttempts[0]!.started_at)).toBeLessThan(AT_22_NY + 5_000);
    expect(carrier.placed).toEqual([]);

    // Each held job says why it waits and until when: the next opening of its effective window.
    const job = async (batchId: string) => {
      const [call] = await callsOf(h!.db, batchId);
      const res = await api!.app.inject({
        method: 'GET',
        url: `/v1/api/batch-calls/${batchId}/calls/${call!.id}`,
        headers: tenant.headers,
      });
      expect(res.statusCode).toBe(200);
      return res.json();
    };
    for (const [batchId, opens] of [
      [floorOnly, OPENS_08_NY],
      [narrower, OPENS_10_NY],
      [wider, OPENS_08_NY],
    ] as const) {
      expect(await job(batchId), batchId).toMatchObject({
        status: 'waiting',
        waitReason: 'calling_window',
        nextAttemptAt: opens,
      });
    }

    // 08:00 in New York: the floor-only and the wider batch's calls are placed, the narrower not.
    await h.clock.runTo(OPENS_08_NY - 60_000);
    expect(carrier.placed).toEqual([]);
    await h.clock.runTo(OPENS_08_NY + POLL_MS + 5_000);
    expect(carrier.placed.map((p) => p.phoneNumber).sort()).toEqual([
      '+12125550101',
      '+12125550103',
    ]);
    for (const b of [floorOnly, wider]) {
      const [a] = await attemptsOf(h.db, b);
      expect(Number(a!.started_at)).toBeGreaterThanOrEqual(OPENS_08_NY);
      expect(Number(a!.started_at)).toBeLessThan(OPENS_08_NY + POLL_MS + 5_000);
    }
    expect(await job(narrower)).toMatchObject({ waitReason: 'calling_window' });

    await h.clock.runTo(OPENS_10_NY - 60_000);
    expect(carrier.placed).toHaveLength(2);
    await h.clock.runTo(OPENS_10_NY + POLL_MS + 5_000);
    expect(carrier.placed).toHaveLength(3);
    const [late] = await attemptsOf(h.db, narrower);
    expect(Number(late!.started_at)).toBeGreaterThanOrEqual(OPENS_10_NY);
  }, 180_000);

  it('a workspace floor set by PATCH applies to calls already waiting', async () => {
    h = await harness(backend, { pollMs: POLL_MS });
    api = await createTestApp(h.db, {}, h.clock);
    const tenant = await seedTenant(h.db, T0, 'floor');
    const real = await realAgent(tenant);
    // 10:00 in New York: inside the default floor, so the call is stored due now.
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/api/batch-calls',
      headers: tenant.headers,
      payload: { agentId: real, recipients: [{ phone_number: '+14155550101' }] },
    });
    expect(res.statusCode, res.body).toBe(200);
    // Then the floor narrows to 11:00–12:00 New York time, before any claim saw the call.
    const set = await api.app.inject({
      method: 'PATCH',
      url: '/v1/api/workspace',
      headers: tenant.headers,
      payload: { callingWindow: { timezone: 'America/New_York', start: '11:00', end: '12:00' } },
    });
    expect(set.statusCode, set.body).toBe(200);
    const carrier = new ScriptedCarrier({ name: 'twilio', clock: h.clock });
    await h.start({ providers: (events) => createRegistry([carrier.attach(events)]) });
    await h.clock.runTo(T0 + 30 * 60_000);
    expect(carrier.placed).toEqual([]);
    await h.clock.runTo(T0 + HOUR + POLL_MS + 5_000);
    expect(carrier.placed).toHaveLength(1);
    expect(Number(carrier.placed[0]!.startedAt)).toBeGreaterThanOrEqual(T0 + HOUR);
  });
});
