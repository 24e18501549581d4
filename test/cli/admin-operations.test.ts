// The admin operations themselves (what `outdial workspaces|keys …` runs, directly or for a
// server over its socket), on both databases.
import { afterEach, expect, it } from 'vitest';
import { AdminError, runAdminOperation } from '../../src/cli/admin-operations.js';
import { resolveKeySecret } from '../../src/security/key-secret.js';
import { findLiveKey } from '../../src/storage/api-keys-repo.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';

const NOW = 1_700_000_000_000;

describeEachDb('admin operations', (backend) => {
  let t: TestDb;
  afterEach(() => t?.close());
  const ctx = () => ({ db: t.db, secrets: {}, now: () => NOW });
  const run = (op: Parameters<typeof runAdminOperation>[1], args: unknown) =>
    runAdminOperation(ctx(), op, args) as Promise<any>;
  const count = async (table: string) =>
    (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;

  it('creates and lists workspaces, creates a key that verifies, lists it, revokes it once', async () => {
    t = await createTestDb(backend);
    const ws = await run('workspaces.create', { name: 'Acme' });
    expect(ws).toEqual({
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
      pausedAt: null,
      createdAt: NOW,
    });
    expect(await run('workspaces.list', {})).toEqual([ws]);

    const key = await run('keys.create', { workspace: ws.id, name: 'ci' });
    expect(key).toMatchObject({
      id: expect.stringMatching(/^key_/),
      workspaceId: ws.id,
      name: 'ci',
      apiKey: expect.stringMatching(/^od_/),
      note: 'Store this key now: it is shown only once.',
    });
    const secret = await resolveKeySecret(t.db);
    expect((await findLiveKey(t.db, secret, key.apiKey))?.id).toBe(key.id);

    const listed = await run('keys.list', { workspace: ws.id });
    expect(listed).toEqual([
      { id: key.id, workspaceId: ws.id, prefix: key.prefix, name: 'ci', createdAt: NOW },
    ]);
    expect(JSON.stringify(listed)).not.toContain(key.apiKey);

    expect(await run('keys.revoke', { keyId: key.id })).toEqual({ id: key.id, revoked: true });
    expect(await findLiveKey(t.db, secret, key.apiKey)).toBeUndefined();
    await expect(run('keys.revoke', { keyId: key.id })).rejects.toThrow(
      new AdminError('not_found', `No live key ${key.id}`),
    );
  });

  it('says a workspace does not exist, for keys list and keys create, and creates nothing', async () => {
    t = await createTestDb(backend);
    for (const op of ['keys.list', 'keys.create'] as const) {
      const err = await run(op, { workspace: 'ws_nope' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AdminError);
      expect(err).toMatchObject({ kind: 'not_found', message: 'No workspace ws_nope' });
    }
    expect(await count('api_keys')).toBe(0);
  });

  it('refuses arguments that are missing, empty, unknown or not strings', async () => {
    t = await createTestDb(backend);
    const cases: Array<[Parameters<typeof runAdminOperation>[1], unknown, string]> = [
      ['workspaces.create', {}, 'name must not be empty'],
      ['workspaces.create', { name: '  ' }, 'name must not be empty'],
      ['workspaces.create', { name: 42 }, 'name must be a string'],
      [
        'workspaces.create',
        { name: 'A', id: 'ws_mine' },
        'Unknown argument id for workspaces.create',
      ],
      ['keys.list', [], 'The arguments must be a JSON object'],
      ['keys.revoke', null, 'The arguments must be a JSON object'],
    ];
    for (const [op, args, message] of cases) {
      await expect(run(op, args), JSON.stringify(args)).rejects.toThrow(
        new AdminError('bad_request', message),
      );
    }
    expect(await count('workspaces')).toBe(0);
  });
});
