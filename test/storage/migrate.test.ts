import { afterEach, expect, it } from 'vitest';
import { isMigrated, loadMigrations, migrate } from '../../src/storage/migrate.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';

describeEachDb('migrations', (backend) => {
  let t: TestDb | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('applies every migration once and records it in the ledger', async () => {
    t = await createTestDb(backend);
    expect(await isMigrated(t.db)).toBe(true);
    expect(await migrate(t.db)).toEqual([]);
    const rows = await t.db.query<{ name: string }>(
      'SELECT name FROM outdial_migrations ORDER BY name',
    );
    expect(rows.map((r) => r.name)).toEqual((await loadMigrations()).map((m) => m.name));
  });

  it('normalises int8 and numeric to numbers', async () => {
    t = await createTestDb(backend);
    const [row] = await t.db.query<{ a: unknown; b: unknown }>(
      'SELECT 1703097600000::bigint AS a, 4.5::numeric AS b',
    );
    expect(row).toEqual({ a: 1703097600000, b: 4.5 });
  });

  it('rolls a failed transaction back completely', async () => {
    t = await createTestDb(backend);
    const db = t.db;
    await expect(
      db.tx(async (q) => {
        await q.query("INSERT INTO workspaces (id, name, created_at) VALUES ('ws_x', 'x', 1)");
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await db.query('SELECT * FROM workspaces')).toEqual([]);
  });
});
