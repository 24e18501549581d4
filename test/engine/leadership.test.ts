import pg from 'pg';
import pino from 'pino';
import { afterEach, expect, it } from 'vitest';
import { EventRecorder } from '../../src/engine/event-recorder.js';
import {
  IDEMPOTENCY_CLEANUP_EVERY_MS,
  idempotencyCleanup,
} from '../../src/engine/maintenance/idempotency-cleanup.js';
import { createRegistry } from '../../src/providers/registry.js';
import { LEADER_LOCK } from '../../src/storage/advisory-locks.js';
import { IDEMPOTENCY_TTL_MS } from '../../src/storage/idempotency-repo.js';
import { describeEachDb } from '../support/databases.js';
import { insertWorkspaceWithAgent } from '../support/engine-fixtures.js';
import { type Harness, harness, T0 } from './harness.js';

// Maintenance runs on one engine at a time across every process, the leader (the holder of
// LEADER_LOCK); each task is a file of src/engine/maintenance/.

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

describeEachDb('maintenance and leadership', (backend) => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('idempotency clean-up removes keys older than their lifetime and keeps the others', async () => {
    h = await harness(backend);
    const { workspaceId } = await insertWorkspaceWithAgent(h.db, T0);
    await storeKey(h, workspaceId, 'expired', T0 - IDEMPOTENCY_TTL_MS - 1);
    await storeKey(h, workspaceId, 'just-alive', T0 - IDEMPOTENCY_TTL_MS + 1);
    await storeKey(h, workspaceId, 'fresh', T0);
    const log = pino({ level: 'silent' });
    await idempotencyCleanup.run(
      {
        rt: h.rt,
        log,
        providers: createRegistry([]),
        recorder: new EventRecorder(h.rt, log, () => {}),
        liveOwners: () => [],
        onFreed: () => {},
      },
      { firstInProcess: true },
    );
    expect(await keys(h)).toEqual(['fresh', 'just-alive']);
  });

  it('a running engine cleans up on its own, every maintenance period', async () => {
    h = await harness(backend);
    const { workspaceId } = await insertWorkspaceWithAgent(h.db, T0);
    await storeKey(h, workspaceId, 'old', T0 - IDEMPOTENCY_TTL_MS - 1);
    await storeKey(
      h,
      workspaceId,
      'later',
      T0 - IDEMPOTENCY_TTL_MS + IDEMPOTENCY_CLEANUP_EVERY_MS * 1.5,
    );
    await h.start();
    await h.clock.advance(IDEMPOTENCY_CLEANUP_EVERY_MS - 60_000);
    expect(await keys(h)).toEqual(['later', 'old']);
    await h.clock.advance(60_000 + 30_000);
    expect(await keys(h)).toEqual(['later']);
    await h.clock.advance(IDEMPOTENCY_CLEANUP_EVERY_MS + 30_000);
    expect(await keys(h)).toEqual([]);
  });

  it('one engine leads while it runs; another takes over when it stops', async () => {
    h = await harness(backend);
    const { workspaceId } = await insertWorkspaceWithAgent(h.db, T0);
    const first = await h.start({ workerId: 'wrk_first' });
    await h.start({ workerId: 'wrk_second' });
    // The lock is taken: nobody else leads.
    expect(await h.db.tryHoldLock(LEADER_LOCK)).toBeUndefined();
    await first.stop(0);
    await storeKey(h, workspaceId, 'old', h.clock.now() - IDEMPOTENCY_TTL_MS - 1);
    // The second engine leads within its retry period, then cleans up after one period.
    await h.clock.advance(IDEMPOTENCY_CLEANUP_EVERY_MS + 30_000);
    expect(await keys(h)).toEqual([]);
    expect(await h.db.tryHoldLock(LEADER_LOCK)).toBeUndefined();
    await Promise.all(h.engines.splice(0).map((e) => e.stop(0)));
    // Nobody leads once every engine stopped: the lock is free.
    const held = await h.db.tryHoldLock(LEADER_LOCK);
    expect(held).toBeDefined();
    await held!.release();
  });

  it.runIf(backend === 'postgres')(
    'runs no maintenance while an engine of another process leads, and leads once it is gone',
    async () => {
      h = await harness(backend);
      const { workspaceId } = await insertWorkspaceWithAgent(h.db, T0);
      await storeKey(h, workspaceId, 'expired', T0 - IDEMPOTENCY_TTL_MS - 1);
      const other = new pg.Client({ connectionString: h.t.url });
      await other.connect();
      try {
        await other.query('SELECT pg_advisory_lock($1)', [LEADER_LOCK]);
        await h.start();
        await h.clock.advance(IDEMPOTENCY_CLEANUP_EVERY_MS * 2);
        expect(await keys(h)).toEqual(['expired']);
        // The other process dies: its session, and the lock with it, are gone.
        await other.end();
        await h.clock.advance(IDEMPOTENCY_CLEANUP_EVERY_MS + 30_000);
        expect(await keys(h)).toEqual([]);
      } finally {
        await other.end().catch(() => {});
      }
    },
  );
});
