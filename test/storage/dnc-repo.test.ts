import { afterEach, expect, it } from 'vitest';
import { listedAmong } from '../../src/storage/dnc-repo.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { seedTenant } from '../support/http.js';

describeEachDb('do-not-call lookup', (backend) => {
  let t: TestDb;
  afterEach(() => t?.close());

  it('finds listed numbers anywhere in a list longer than one lookup statement takes', async () => {
    t = await createTestDb(backend);
    const tenant = await seedTenant(t.db, 1);
    const other = await seedTenant(t.db, 2);
    const numbers = Array.from({ length: 9_500 }, (_, i) => `+1415${2_000_000 + i}`);
    // First, across the first part boundary, last, and one listed only in another workspace.
    const listed = [numbers[0]!, numbers[3_999]!, numbers[4_000]!, numbers[9_499]!];
    for (const [workspaceId, phone] of [
      ...listed.map((p) => [tenant.workspaceId, p]),
      [other.workspaceId, numbers[5_000]!],
    ]) {
      await t.db.query(
        `INSERT INTO dnc_entries (workspace_id, phone_number, reason, source, created_at)
         VALUES ($1, $2, 'test', 'api', 1)`,
        [workspaceId, phone],
      );
    }
    const found = await listedAmong(t.db, tenant.workspaceId, numbers);
    expect([...found].sort()).toEqual([...listed].sort());
    expect(await listedAmong(t.db, tenant.workspaceId, [])).toEqual(new Set());
  });
});
