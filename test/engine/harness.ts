import type { Config } from '../../src/config.js';
import { type Engine, type EngineOptions, startEngine } from '../../src/engine/engine.js';
import type { Runtime } from '../../src/runtime.js';
import { type Backend, createTestDb, type TestDb } from '../support/databases.js';
import { engineRuntime, quiesce, type TrackedDb, trackDb } from '../support/engine-fixtures.js';
import { SteppingClock } from './stepping-clock.js';

export const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);

export interface Harness {
  t: TestDb;
  db: TrackedDb;
  clock: SteppingClock;
  rt: Runtime;
  engines: Engine[];
  start(opts?: EngineOptions, rt?: Runtime): Promise<Engine>;
  /** Stops every engine (no grace) and drops the database. */
  close(): Promise<void>;
}

export async function harness(backend: Backend, overrides: Partial<Config> = {}): Promise<Harness> {
  const t = await createTestDb(backend);
  const db = trackDb(t.db);
  const extra: TrackedDb[] = [];
  const clock = new SteppingClock(T0, () => quiesce(db, ...extra));
  const rt = engineRuntime(db, clock, { pollMs: 1_000, ...overrides });
  const h: Harness = {
    t,
    db,
    clock,
    rt,
    engines: [],
    async start(opts = {}, other = rt) {
      if (other.db !== db) extra.push(other.db as TrackedDb);
      const e = await startEngine(other, opts);
      h.engines.push(e);
      await clock.advance(0);
      return e;
    },
    async close() {
      await Promise.all(h.engines.map((e) => e.stop(0)));
      await t.close();
    },
  };
  return h;
}
