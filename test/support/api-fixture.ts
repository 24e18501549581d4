import type { Config } from '../../src/config.js';
import type { Clock } from '../../src/domain/clock.js';
import { type Backend, createTestDb, type TestDb } from './databases.js';
import { createTestApp, seedTenant, type Tenant, type TestApp } from './http.js';

export interface ApiFixture {
  t: TestDb;
  h: TestApp;
  /** Workspace A: the caller in most tests. */
  a: Tenant;
  /** Workspace B: the other tenant, whose ids A must never reach. */
  b: Tenant;
}

/** A private database, a real app on it and two workspaces A and B, as most HTTP tests need. */
export async function apiFixture(
  backend: Backend,
  now: number,
  overrides: Partial<Config> = {},
  clock?: Clock,
): Promise<ApiFixture> {
  const t = await createTestDb(backend);
  const h = await createTestApp(t.db, overrides, clock);
  const a = await seedTenant(t.db, now, 'A');
  const b = await seedTenant(t.db, now, 'B');
  return { t, h, a, b };
}
