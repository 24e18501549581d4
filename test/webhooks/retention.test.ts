import pino from 'pino';
import { afterEach, expect, it } from 'vitest';
import type { MaintenanceContext } from '../../src/engine/maintenance/task.js';
import { webhookRetention } from '../../src/engine/maintenance/webhook-retention.js';
import { insertWebhookEndpoint } from '../../src/storage/webhook-endpoints-repo.js';
import { T0 } from '../engine/harness.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { engineRuntime, insertWorkspaceWithAgent } from '../support/engine-fixtures.js';
import { FakeClock } from '../support/fake-clock.js';

const DAY = 86_400_000;

describeEachDb('webhook retention', (backend) => {
  let t: TestDb;
  afterEach(() => t?.close());

  it('removes finished deliveries past the retention, never pending ones', async () => {
    t = await createTestDb(backend);
    const clock = new FakeClock(T0 + 40 * DAY);
    const rt = engineRuntime(t.db, clock, { webhookRetentionDays: 30 });
    const { workspaceId } = await insertWorkspaceWithAgent(t.db, T0);
    await insertWebhookEndpoint(t.db, {
      id: 'wh_1',
      workspaceId,
      url: 'https://hooks.example/x',
      events: ['*'],
      secretSealed: 'v1.a.b.c',
      now: T0,
    });
    const row = (id: string, status: string, finishedDaysAgo: number | null) =>
      t.db.query(
        `INSERT INTO webhook_deliveries (id, endpoint_id, workspace_id, event_type, body,
           delivery_status, next_attempt_at, created_at, finished_at)
         VALUES ($1, 'wh_1', $2, 'call.completed', '{}', $3, $4, $5, $6)`,
        [
          id,
          workspaceId,
          status,
          status === 'pending' ? T0 : null,
          T0,
          finishedDaysAgo === null ? null : clock.now() - finishedDaysAgo * DAY,
        ],
      );
    await row('msg_old_delivered', 'delivered', 31);
    await row('msg_old_failed', 'failed', 30.5);
    await row('msg_recent', 'delivered', 29);
    await row('msg_pending', 'pending', null);
    const ctx = { rt, log: pino({ level: 'silent' }) } as unknown as MaintenanceContext;
    await webhookRetention.run(ctx, { firstInProcess: true });
    const left = await t.db.query<{ id: string }>('SELECT id FROM webhook_deliveries ORDER BY id');
    expect(left.map((r) => r.id)).toEqual(['msg_pending', 'msg_recent']);
  });
});
