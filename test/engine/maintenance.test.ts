import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { MAINTENANCE_EVERY_MS, runMaintenance } from '../../src/engine/maintenance.js';
import { MAINTENANCE_LOCK } from '../../src/storage/advisory-locks.js';
import { IDEMPOTENCY_TTL_MS } from '../../src/storage/idempotency-repo.js';
import { describeEachDb } from '../support/databases.js';
import { insertWorkspaceWithAgent } from '../support/engine-fixtures.js';
import { type Harness, harness, T0 } from './harness.js';

async function storeKey(h: Harness, workspaceId: string, key: string, createdAt: number) {
  await h.db.query(
    `INSERT INTO idempotency_keys (workspace_id, key, request_hash, status_code, response, created_at)
     VALUES ($1, $2, 'hash', 201, '{}', $3)`,
    [workspaceId, key, createdAt],
  );
}

const keys = async (h: Harness) =>
  (await h.db.query<{ key: string }>('SELECT key FROM idempotency_keys ORDER BY key')).map(
    (r) => r.key,
  );

describeEachDb('maintenance', (backend) => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('removes idempotency keys older than their lifetime and keeps the others', async () => {
    h = await harness(backend);
    const { workspaceId } = await insertWorkspaceWithAgent(h.db, T0);
    await storeKey(h, workspaceId, 'expired', T0 - IDEMPOTENCY_TTL_MS - 1);
    await storeKey(h, workspaceId, 'just-alive', T0 - IDEMPOTENCY_TTL_MS + 1);
    await storeKey(h, workspaceId, 'fresh', T0);
    expect(await runMaintenance(h.rt)).toEqual({ idempotencyKeys: 1 });
    expect(await keys(h)).toEqual(['fresh', 'just-alive']);
  });

  it('a running engine cleans up on its own, every maintenance period', async () => {
    h = await harness(backend);
    const { workspaceId } = await insertWorkspaceWithAgent(h.db, T0);
    await storeKey(h, workspaceId, 'old', T0 - IDEMPOTENCY_TTL_MS - 1);
    await storeKey(h, workspaceId, 'later', T0 - IDEMPOTENCY_TTL_MS + MAINTENANCE_EVERY_MS * 1.5);
    await h.start();
    await h.clock.advance(MAINTENANCE_EVERY_MS - 60_000);
    expect(await keys(h)).toEqual(['later', 'old']);
    await h.clock.advance(60_000 + 30_000);
    expect(await keys(h)).toEqual(['later']);
    await h.clock.advance(MAINTENANCE_EVERY_MS + 30_000);
    expect(await keys(h)).toEqual([]);
  });

  it.runIf(backend === 'postgres')(
    'skips the pass while another process holds the maintenance lock',
    async () => {
      h = await harness(backend);
      const { workspaceId } = await insertWorkspaceWithAgent(h.db, T0);
      await storeKey(h, workspaceId, 'expired', T0 - IDEMPOTENCY_TTL_MS - 1);
      const other = new pg.Client({ connectionString: h.t.url });
      await other.connect();
      try {
        await other.query('SELECT pg_advisory_lock($1)', [MAINTENANCE_LOCK]);
        expect(await runMaintenance(h.rt)).toBeUndefined();
        expect(await keys(h)).toEqual(['expired']);
        await other.query('SELECT pg_advisory_unlock($1)', [MAINTENANCE_LOCK]);
        expect(await runMaintenance(h.rt)).toEqual({ idempotencyKeys: 1 });
      } finally {
        await other.end();
      }
    },
  );
});
