import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateApiKey } from '../../src/domain/api-key.js';
import { newId } from '../../src/domain/ids.js';
import { resolveKeySecret } from '../../src/security/key-secret.js';
import { insertApiKey, revokeApiKey } from '../../src/storage/api-keys-repo.js';
import { apiFixture } from '../support/api-fixture.js';
import { insertBatch, mixedCalls } from '../support/batch-fixtures.js';
import { describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, type Tenant, type TestApp } from '../support/http.js';
import { unreachable } from '../support/unreachable-db.js';

// Contract, "Authentication and tenancy": 401 / 400 / 403 bodies on every route and method, under
// both prefixes, and another workspace's resources answering exactly like missing ones.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

describeEachDb('contract: authentication and tenancy', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let b: Tenant;
  let revokedKey: string;
  let theirs: { id: string; callIds: string[] };

  beforeAll(async () => {
    ({ t, h, a, b } = await apiFixture(backend, T0));
    revokedKey = generateApiKey();
    const keyId = newId('key', T0);
    await insertApiKey(t.db, await resolveKeySecret(t.db), {
      id: keyId,
      workspaceId: a.workspaceId,
      key: revokedKey,
      createdAt: T0,
    });
    await revokeApiKey(t.db, keyId, T0 + 1);
    theirs = await insertBatch(t.db, {
      workspaceId: b.workspaceId,
      agentId: b.agentId,
      createdAt: T0,
      calls: mixedCalls(T0),
    });
  });
  afterAll(() => closeApp(h, t));

  const send = (method: Method, url: string, headers: Record<string, string>, payload?: object) =>
    h.app.inject({
      method,
      url,
      headers,
      ...(payload ? { payload } : {}),
    }) as unknown as Promise<LightMyRequestResponse>;

  // One request per documented operation of §1–§8, §13–§15 (auth runs before any handler).
  const routes = (): Array<[Method, string, object?]> => [
    ['POST', '/batch-calls'],
    ['GET', '/batch-calls'],
    ['GET', '/batch-calls/batch_x'],
    ['GET', '/batch-calls/batch_x/status'],
    ['GET', '/batch-calls/batch_x/calls'],
    ['GET', '/batch-calls/batch_x/calls/call_x'],
    ['DELETE', '/batch-calls/batch_x'],
    ['DELETE', '/batch-calls/batch_x/calls/call_x'],
    ['DELETE', '/batch-calls/batch_x/contacts/%2B15005550001'],
    ['GET', '/batch-calls/batch_x/export-results'],
    ['GET', '/batch-calls/template'],
    ['POST', '/batch-calls/validate'],
    ['GET', '/agents'],
    ['POST', '/agents', { name: 'Intruder' }],
    ['GET', '/agents/agent_x'],
    ['PUT', '/agents/agent_x', { name: 'Intruder' }],
    ['DELETE', '/agents/agent_x'],
    ['GET', '/workspace'],
    ['PATCH', '/workspace', { maxConcurrentCalls: 99 }],
  ];

  const eachRoute = async (
    headers: () => Record<string, string>,
    check: (res: LightMyRequestResponse, where: string) => void,
  ) => {
    for (const prefix of ['/v1/api', '/v1']) {
      for (const [method, path, payload] of routes()) {
        const where = `${method} ${prefix}${path}`;
        check(await send(method, `${prefix}${path}`, headers(), payload), where);
      }
    }
  };

  const expectUnauthorized = (res: LightMyRequestResponse, where: string) => {
    expect(res.statusCode, where).toBe(401);
    const body = res.json();
    expect(Object.keys(body).sort(), where).toEqual(['error', 'message']);
    expect(body.error, where).toBe('Unauthorized');
    expect(typeof body.message, where).toBe('string');
  };

  it('401 without a key, with an unknown, revoked or blank key — before anything else', async () => {
    const cases: Array<Record<string, string>> = [
      { 'x-workspace-id': a.workspaceId },
      {},
      { 'x-api-key': 'od_unknown', 'x-workspace-id': a.workspaceId },
      { 'x-api-key': revokedKey, 'x-workspace-id': a.workspaceId },
      { 'x-api-key': '   ', 'x-workspace-id': a.workspaceId },
      // A valid key of A naming B is a 403, but an unknown key naming B stays a 401.
      { 'x-api-key': 'od_unknown', 'x-workspace-id': b.workspaceId },
    ];
    for (const headers of cases) await eachRoute(() => headers, expectUnauthorized);
  });

  it('400 with exactly {"error":"Missing x-workspace-id header"}', async () => {
    const cases: Array<Record<string, string>> = [
      { 'x-api-key': a.apiKey },
      { 'x-api-key': a.apiKey, 'x-workspace-id': ' ' },
    ];
    for (const headers of cases) {
      await eachRoute(
        () => headers,
        (res, where) => {
          expect(res.statusCode, where).toBe(400);
          expect(res.body, where).toBe('{"error":"Missing x-workspace-id header"}');
        },
      );
    }
  });

  it('403 {"error":"Forbidden","message"} when the key is not for the named workspace', async () => {
    for (const ws of [b.workspaceId, 'ws_doesnotexist']) {
      await eachRoute(
        () => ({ 'x-api-key': a.apiKey, 'x-workspace-id': ws }),
        (res, where) => {
          expect(res.statusCode, where).toBe(403);
          const body = res.json();
          expect(Object.keys(body).sort(), where).toEqual(['error', 'message']);
          expect(body.error, where).toBe('Forbidden');
          expect(typeof body.message, where).toBe('string');
        },
      );
    }
    // Nothing was changed through the forbidden requests.
    const agents = await send('GET', '/v1/api/agents', b.headers);
    expect(agents.json().agents.map((x: { name: string }) => x.name)).toEqual(['Ava']);
    const ws = await send('GET', '/v1/api/workspace', b.headers);
    expect(ws.json().maxConcurrentCalls).toBe(10);
  });

  it("another workspace's batch, call and agent answer exactly like missing ones", async () => {
    const same = async (method: Method, theirUrl: string, missingUrl: string, ids: string[]) => {
      for (const prefix of ['/v1/api', '/v1']) {
        const other = await send(method, `${prefix}${theirUrl}`, a.headers);
        const missing = await send(method, `${prefix}${missingUrl}`, a.headers);
        expect(other.statusCode, `${method} ${theirUrl}`).toBe(404);
        expect(missing.statusCode, `${method} ${missingUrl}`).toBe(404);
        // The missing request's body, with the ids it asked for swapped for theirs.
        let expected = missing.body;
        for (const [i, id] of ids.entries()) expected = expected.replaceAll(`nope${i}`, id);
        expect(other.body).toBe(expected);
        expect(other.headers['content-type']).toBe(missing.headers['content-type']);
      }
    };
    const batch = theirs.id;
    const call = theirs.callIds[3]!;
    const mB = 'batch_nope0';
    const mC = 'call_nope1';
    const batchIds = [batch.slice('batch_'.length)];
    await same('GET', `/batch-calls/${batch}`, `/batch-calls/${mB}`, batchIds);
    await same('GET', `/batch-calls/${batch}/status`, `/batch-calls/${mB}/status`, batchIds);
    await same('GET', `/batch-calls/${batch}/calls`, `/batch-calls/${mB}/calls`, batchIds);
    await same('GET', `/batch-calls/${batch}/calls/${call}`, `/batch-calls/${mB}/calls/${mC}`, [
      batch.slice(6),
      call.slice(5),
    ]);
    await same('DELETE', `/batch-calls/${batch}`, `/batch-calls/${mB}`, batchIds);
    await same('DELETE', `/batch-calls/${batch}/calls/${call}`, `/batch-calls/${mB}/calls/${mC}`, [
      batch.slice(6),
      call.slice(5),
    ]);
    const agent = b.agentId.slice('agent_'.length);
    await same('GET', `/agents/${b.agentId}`, '/agents/agent_nope0', [agent]);
    await same('DELETE', `/agents/${b.agentId}`, '/agents/agent_nope0', [agent]);
    // B still sees its batch untouched and its agent in place.
    const mine = await send('GET', `/v1/api/batch-calls/${batch}`, b.headers);
    expect(mine.json().status).toBe('processing');
    expect(mine.json().progress.waiting).toBe(2);
    expect((await send('GET', `/v1/api/agents/${b.agentId}`, b.headers)).statusCode).toBe(200);
  });

  /** Every route of both prefixes on another app; each answer goes to `check`. */
  const eachRouteOf = async (
    other: TestApp,
    check: (res: LightMyRequestResponse, where: string) => void,
  ) => {
    for (const prefix of ['/v1/api', '/v1']) {
      for (const [method, path, payload] of routes()) {
        const res = await other.app.inject({
          method,
          url: `${prefix}${path}`,
          headers: a.headers,
          ...(payload ? { payload } : {}),
        });
        check(res as unknown as LightMyRequestResponse, `${method} ${prefix}${path}`);
      }
    }
  };

  it('429 {"error":{"code","message","reset_at"}} with Retry-After once the workspace limit is spent', async () => {
    const limited = await createTestApp(t.db, { rateLimitPerMin: 1 }, h.clock);
    try {
      const first = await limited.app.inject({
        method: 'GET',
        url: '/v1/api/workspace',
        headers: a.headers,
      });
      expect(first.statusCode).toBe(200);
      await eachRouteOf(limited, (res, where) => {
        expect(res.statusCode, where).toBe(429);
        expect(res.headers['retry-after'], where).toMatch(/^[1-9][0-9]*$/);
        expect(res.json(), where).toEqual({
          error: {
            code: 'rate_limit_exceeded',
            message: expect.any(String),
            reset_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/),
          },
        });
      });
    } finally {
      await limited.app.close();
    }
  });

  it('503 {"error","message"} with Retry-After on every route while the database is unreachable', async () => {
    const down = await createTestApp(unreachable(t.db));
    try {
      await eachRouteOf(down, (res, where) => {
        expect(res.statusCode, where).toBe(503);
        expect(res.headers['retry-after'], where).toMatch(/^[1-9][0-9]*$/);
        expect(res.json(), where).toEqual({
          error: 'Database unavailable',
          message: 'The database cannot be reached; retry shortly',
        });
      });
    } finally {
      await down.app.close();
    }
  });

  it('stores keys hashed, never in plain text', async () => {
    const rows = await t.db.query('SELECT * FROM api_keys');
    const stored = JSON.stringify(rows);
    for (const key of [a.apiKey, b.apiKey, revokedKey]) expect(stored).not.toContain(key);
  });

  it('the operations endpoints need no key', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']) {
      expect((await send('GET', url, {})).statusCode, url).toBe(200);
    }
  });
});
