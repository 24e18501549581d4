import type { Config } from '../../src/config.js';
import { getSetting } from '../../src/storage/settings-repo.js';
import type { TestDb } from './databases.js';
import { createTestApp, seedTenant, type Tenant, type TestApp } from './http.js';

/**
 * An app whose deployment secret lives outside the database (as OUTDIAL_KEY_SECRET), so webhook
 * secrets can be sealed, with two tenants. seedTenant keeps the secret in the database; the app
 * is given that same value, which moves it out on first use.
 */
export async function webhookTestApp(
  t: TestDb,
  overrides: Partial<Config> = {},
): Promise<{ h: TestApp; a: Tenant; b: Tenant }> {
  const probe = await createTestApp(t.db);
  const a = await seedTenant(t.db, probe.clock.now(), 'Acme');
  const b = await seedTenant(t.db, probe.clock.now(), 'Other');
  await probe.app.close();
  const keySecret = await getSetting(t.db, 'key_secret');
  if (!keySecret) throw new Error('seedTenant kept no key secret in the database');
  const h = await createTestApp(t.db, { keySecret, webhookAllowPrivate: true, ...overrides });
  return { h, a, b };
}
