import type { Config } from '../../src/config.js';
import { generateApiKey } from '../../src/domain/api-key.js';
import { newId } from '../../src/domain/ids.js';
import type { Runtime } from '../../src/runtime.js';
import { resolveKeySecret } from '../../src/security/key-secret.js';
import type { SecretBox } from '../../src/security/secret-box.js';
import { insertApiKey } from '../../src/storage/api-keys-repo.js';
import { getSetting } from '../../src/storage/settings-repo.js';
import { claimAndSend } from '../../src/webhooks/delivery-worker.js';
import { T0 } from '../engine/harness.js';
import type { TestDb } from './databases.js';
import { insertWorkspaceWithAgent } from './engine-fixtures.js';
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

export const TEST_KEY_SECRET = 'webhook-tests-key-secret-0123456789abcdef';

/** A workspace with an API key hashed under TEST_KEY_SECRET, and its headers. */
export async function keyedWorkspace(
  rt: Runtime,
  opts = { maxConcurrentCalls: 20, callsPerSecond: 20 },
) {
  const ws = await insertWorkspaceWithAgent(rt.db, T0, opts);
  const apiKey = generateApiKey();
  await insertApiKey(rt.db, await resolveKeySecret(rt.db, { keySecret: TEST_KEY_SECRET }), {
    id: newId('key', T0),
    workspaceId: ws.workspaceId,
    key: apiKey,
    createdAt: T0,
  });
  return { ...ws, headers: { 'x-api-key': apiKey, 'x-workspace-id': ws.workspaceId } };
}

/** Sends every due delivery, pass after pass, until none is due. */
export async function drain(rt: Runtime, box: SecretBox, opts: { timeoutMs?: number } = {}) {
  let sent = 0;
  for (;;) {
    const started = await claimAndSend(rt, box, {
      owner: 'test-drain',
      limit: 200,
      perEndpoint: 50,
      ...opts,
    });
    if (started.length === 0) return sent;
    sent += started.length;
    await Promise.all(started);
  }
}
