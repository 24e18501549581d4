import { afterEach, expect, it } from 'vitest';
import { addProgress, readProgress } from '../../src/storage/progress-repo.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { seedTenant } from '../support/http.js';

describeEachDb('batch progress shards', (backend) => {
  let t: TestDb;
  afterEach(() => t?.close());

  it('sums deltas across shards and batches, inside the caller transaction', async () => {
    t = await createTestDb(backend);
    const tenant = await seedTenant(t.db, 1);
    for (const id of ['batch_a', 'batch_b']) {
      await t.db.query(
        `INSERT INTO batches (id, workspace_id, agent_id, total_calls, columns, created_at)
         VALUES ($1, $2, $3, 10, '[]', 1)`,
        [id, tenant.workspaceId, tenant.agentId],
      );
    }
    await addProgress(t.db, [{ batchId: 'batch_a', delta: { waiting: 10 } }], 0);
    await addProgress(
      t.db,
      [
        { batchId: 'batch_b', delta: { waiting: 3 } },
        { batchId: 'batch_a', delta: { waiting: -2, active: 2 } },
      ],
      5,
    );
    await addProgress(
      t.db,
      [{ batchId: 'batch_a', delta: { active: -1, completed: 1, durationSum: 4.5 } }],
      5,
    );
    await expect(
      t.db.tx(async (q) => {
        await addProgress(q, [{ batchId: 'batch_a', delta: { failed: 100 } }], 3);
        throw new Error('rollback');
      }),
    ).rejects.toThrow();
    expect(await readProgress(t.db, 'batch_a')).toEqual({
      waiting: 8,
      active: 1,
      completed: 1,
      failed: 0,
      cancelled: 0,
      durationSum: 4.5,
    });
    expect((await readProgress(t.db, 'batch_b')).waiting).toBe(3);
    expect((await readProgress(t.db, 'batch_none')).waiting).toBe(0);
  });
});
