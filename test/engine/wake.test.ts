import { afterEach, expect, it, vi } from 'vitest';
import { createWakeSignal, WAKE_CHANNEL } from '../../src/engine/wake.js';
import type { Db } from '../../src/storage/db.js';
import { openPostgres } from '../../src/storage/pg-adapter.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';

describeEachDb('wake signal', (backend) => {
  let t: TestDb;
  const extra: Db[] = [];
  afterEach(async () => {
    for (const db of extra.splice(0)) await db.close();
    await t?.close();
  });

  it('reaches every in-process subscriber of the same database, also through another signal', async () => {
    t = await createTestDb(backend);
    const api = createWakeSignal(t.db);
    const engine = createWakeSignal(t.db);
    const a = vi.fn();
    const b = vi.fn();
    const offA = await engine.subscribe(a);
    await api.subscribe(b);
    api.wake();
    expect(a).toHaveBeenCalled();
    expect(b).toHaveBeenCalled();
    await offA();
    a.mockClear();
    api.wake();
    await new Promise((r) => setTimeout(r, 50));
    expect(a).not.toHaveBeenCalled();
  });

  it('keeps calling the other subscribers when one throws', async () => {
    t = await createTestDb(backend);
    const s = createWakeSignal(t.db);
    const ok = vi.fn();
    await s.subscribe(() => {
      throw new Error('boom');
    });
    await s.subscribe(ok);
    expect(() => s.wake()).not.toThrow();
    expect(ok).toHaveBeenCalled();
    // On PostgreSQL the wake-up also comes back through LISTEN: that delivery must not turn the
    // subscriber's error into an uncaught exception either (vitest fails the run if it does).
    ok.mockClear();
    await new Promise((r) => setTimeout(r, 300));
    if (backend === 'postgres') expect(ok).toHaveBeenCalled();
  });

  it.skipIf(backend !== 'postgres')(
    `reaches other processes through NOTIFY ${WAKE_CHANNEL}`,
    async () => {
      t = await createTestDb(backend);
      const other = await openPostgres(t.url!, { max: 2 });
      extra.push(other);
      const received = new Promise<void>((resolve) => {
        void createWakeSignal(other).subscribe(resolve);
      });
      // Let LISTEN reach the server before waking.
      await new Promise((r) => setTimeout(r, 100));
      createWakeSignal(t.db).wake();
      await expect(
        Promise.race([
          received.then(() => 'woken'),
          new Promise((r) => setTimeout(() => r('timeout'), 5_000)),
        ]),
      ).resolves.toBe('woken');
    },
  );
});
