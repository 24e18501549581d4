import { afterEach, expect, it } from 'vitest';
import type { Db } from '../../src/storage/db.js';
import { loadMigrations, migrate } from '../../src/storage/migrate.js';
import { openPostgres } from '../../src/storage/pg-adapter.js';
import { openPglite } from '../../src/storage/pglite-adapter.js';
import { type Backend, createPostgresDatabase, describeEachDb } from '../support/databases.js';

// Migrations that move data: rows written under an older schema read right after the upgrade.

async function freshDb(backend: Backend): Promise<{ db: Db; close(): Promise<void> }> {
  if (backend === 'pglite') {
    const db = await openPglite();
    return { db, close: () => db.close() };
  }
  const { url, drop } = await createPostgresDatabase();
  const db = await openPostgres(url, { max: 2 });
  return {
    db,
    close: async () => {
      await db.close();
      await drop();
    },
  };
}

/** Applies the migrations before `name`, runs `seed`, then applies the rest. */
async function upgradeAround(db: Db, name: string, seed: () => Promise<void>): Promise<void> {
  const all = await loadMigrations();
  const at = all.findIndex((m) => m.name === name);
  expect(at).toBeGreaterThan(0);
  await migrate(db, all.slice(0, at));
  await seed();
  await migrate(db, all);
}

describeEachDb('data migrations', (backend) => {
  let fresh: { db: Db; close(): Promise<void> } | undefined;
  afterEach(async () => {
    await fresh?.close();
    fresh = undefined;
  });

  it('0005 keeps one maxConcurrency per batch, in its column, and drops the config copy', async () => {
    fresh = await freshDb(backend);
    const { db } = fresh;
    await upgradeAround(db, '0005_max_concurrency_in_one_place.sql', async () => {
      await db.query("INSERT INTO workspaces (id, name, created_at) VALUES ('ws_m', 'm', 1)");
      await db.query(
        `INSERT INTO agents (id, workspace_id, name, created_at, updated_at)
         VALUES ('agent_m', 'ws_m', 'A', 1, 1)`,
      );
      const batch = (id: string, config: object, column: number | null) =>
        db.query(
          `INSERT INTO batches (id, workspace_id, agent_id, total_calls, columns, config,
             max_concurrency, created_at)
           VALUES ($1, 'ws_m', 'agent_m', 0, '[]', $2, $3, 1)`,
          [id, JSON.stringify(config), column],
        );
      await batch('b_config_only', { maxConcurrency: 4, defaultCountry: 'US' }, null);
      await batch('b_both', { maxConcurrency: 5 }, 5);
      await batch('b_column_only', {}, 6);
      await batch('b_none', { defaultCountry: 'GB' }, null);
    });
    const rows = await db.query<{ id: string; config: unknown; max_concurrency: number | null }>(
      'SELECT id, config, max_concurrency FROM batches ORDER BY id',
    );
    expect(rows).toEqual([
      { id: 'b_both', config: {}, max_concurrency: 5 },
      { id: 'b_column_only', config: {}, max_concurrency: 6 },
      { id: 'b_config_only', config: { defaultCountry: 'US' }, max_concurrency: 4 },
      { id: 'b_none', config: { defaultCountry: 'GB' }, max_concurrency: null },
    ]);
  });
});
