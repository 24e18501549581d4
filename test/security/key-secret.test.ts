import { chmodSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { generateApiKey, legacyApiKeyHash } from '../../src/domain/api-key.js';
import { resolveKeySecret } from '../../src/security/key-secret.js';
import { findLiveKey, insertApiKey } from '../../src/storage/api-keys-repo.js';
import { getSetting } from '../../src/storage/settings-repo.js';
import { insertWorkspace } from '../../src/storage/workspaces-repo.js';
import { tempDir } from '../support/cli.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';

// The per-deployment key secret (src/security/key-secret.ts): where it lives, that a process with
// another secret is refused at start, and that keys stored before it existed keep working.

const ENV_SECRET = 'e'.repeat(40);
const OTHER_SECRET = 'f'.repeat(40);
const T0 = Date.UTC(2026, 10, 30);

describeEachDb('key secret', (backend) => {
  let t: TestDb;
  afterEach(() => t?.close());

  const keyRows = () =>
    t.db.query<{ secret_hash: string; lookup: string; hash_scheme: number }>(
      'SELECT secret_hash, lookup, hash_scheme FROM api_keys ORDER BY id',
    );

  async function seedKey(secret: Buffer) {
    await insertWorkspace(t.db, { id: 'ws_1', name: 'W', createdAt: T0 });
    const key = generateApiKey();
    await insertApiKey(t.db, secret, { id: 'key_1', workspaceId: 'ws_1', key, createdAt: T0 });
    return key;
  }

  it('without OUTDIAL_KEY_SECRET: one random secret per database, the same for every process', async () => {
    t = await createTestDb(backend);
    const first = await resolveKeySecret(t.db);
    const again = await resolveKeySecret(t.db);
    expect(first.equals(again)).toBe(true);
    expect(first.toString()).toMatch(/^[0-9a-f]{64}$/);
    const other = await createTestDb(backend);
    try {
      expect((await resolveKeySecret(other.db)).equals(first)).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('stores keys as HMACs under the secret, never the key or its plain SHA-256', async () => {
    t = await createTestDb(backend);
    const secret = await resolveKeySecret(t.db);
    const key = await seedKey(secret);
    const [row] = await keyRows();
    expect(row!.hash_scheme).toBe(1);
    expect(row!.secret_hash).not.toBe(legacyApiKeyHash(key));
    const dump = JSON.stringify(await t.db.query('SELECT * FROM api_keys'));
    expect(dump).not.toContain(key);
    expect(dump).not.toContain(key.slice(3));
    expect((await findLiveKey(t.db, secret, key))?.id).toBe('key_1');
    // The same key under another deployment's secret does not verify.
    expect(await findLiveKey(t.db, Buffer.from(OTHER_SECRET), key)).toBeUndefined();
  });

  it('with OUTDIAL_KEY_SECRET: the database holds a fingerprint only, and another secret is refused', async () => {
    t = await createTestDb(backend);
    const secret = await resolveKeySecret(t.db, { keySecret: ENV_SECRET });
    expect(secret.toString()).toBe(ENV_SECRET);
    expect(await getSetting(t.db, 'key_secret')).toBeUndefined();
    expect(await getSetting(t.db, 'key_secret_fingerprint')).toMatch(/^[0-9a-f]{64}$/);
    const key = await seedKey(secret);

    await expect(resolveKeySecret(t.db, { keySecret: OTHER_SECRET })).rejects.toThrow(ConfigError);
    await expect(resolveKeySecret(t.db, { keySecret: OTHER_SECRET })).rejects.toThrow(
      /not the secret/,
    );
    await expect(resolveKeySecret(t.db)).rejects.toThrow(/OUTDIAL_KEY_SECRET, which is not set/);
    // Refusals change nothing: the right secret still verifies the key.
    expect(
      (await findLiveKey(t.db, await resolveKeySecret(t.db, { keySecret: ENV_SECRET }), key))?.id,
    ).toBe('key_1');
  });

  it('moving the stored secret into OUTDIAL_KEY_SECRET keeps keys working and deletes the stored copy', async () => {
    t = await createTestDb(backend);
    const stored = await resolveKeySecret(t.db);
    const key = await seedKey(stored);
    await expect(resolveKeySecret(t.db, { keySecret: OTHER_SECRET })).rejects.toThrow(
      /kept in this database/,
    );
    expect(await getSetting(t.db, 'key_secret')).toBe(stored.toString());

    const moved = await resolveKeySecret(t.db, { keySecret: stored.toString() });
    expect(await getSetting(t.db, 'key_secret')).toBeUndefined();
    expect((await findLiveKey(t.db, moved, key))?.id).toBe('key_1');
  });

  describe('embedded: the key file beside the database', () => {
    const dir = tempDir('outdial-keyfile-');
    const keyFile = () => path.join(dir.dir, 'outdial.key');
    afterEach(() => rmSync(keyFile(), { force: true }));
    afterAll(() => dir.remove());

    it('is created on first use, 0600, and the database keeps only the fingerprint', async () => {
      t = await createTestDb(backend);
      const secret = await resolveKeySecret(t.db, { keyFile: keyFile() });
      expect(statSync(keyFile()).mode & 0o777).toBe(0o600);
      expect(readFileSync(keyFile(), 'utf8')).toBe(`${secret.toString()}\n`);
      expect(secret.toString()).toMatch(/^[0-9a-f]{64}$/);
      expect(await getSetting(t.db, 'key_secret')).toBeUndefined();
      expect(await getSetting(t.db, 'key_secret_fingerprint')).toMatch(/^[0-9a-f]{64}$/);
      expect((await resolveKeySecret(t.db, { keyFile: keyFile() })).equals(secret)).toBe(true);
    });

    it('takes over a secret an older install kept in the database: keys keep working', async () => {
      t = await createTestDb(backend);
      const stored = await resolveKeySecret(t.db);
      const key = await seedKey(stored);
      const moved = await resolveKeySecret(t.db, { keyFile: keyFile() });
      expect(moved.equals(stored)).toBe(true);
      expect(readFileSync(keyFile(), 'utf8').trim()).toBe(stored.toString());
      expect(await getSetting(t.db, 'key_secret')).toBeUndefined();
      expect((await findLiveKey(t.db, moved, key))?.id).toBe('key_1');
      // The file is now the secret: OUTDIAL_KEY_SECRET set to its content is the same deployment.
      const viaEnv = await resolveKeySecret(t.db, {
        keySecret: readFileSync(keyFile(), 'utf8').trim(),
      });
      expect(viaEnv.equals(stored)).toBe(true);
    });

    it('a missing or foreign key file is refused with what to do; a loose mode is tightened', async () => {
      t = await createTestDb(backend);
      await resolveKeySecret(t.db, { keyFile: keyFile() });
      const original = readFileSync(keyFile(), 'utf8');
      rmSync(keyFile());
      await expect(resolveKeySecret(t.db, { keyFile: keyFile() })).rejects.toThrow(
        /copy outdial\.key from the data directory this database came from/,
      );
      expect(existsSync(keyFile())).toBe(false);
      writeFileSync(keyFile(), `${OTHER_SECRET}\n`, { mode: 0o600 });
      await expect(resolveKeySecret(t.db, { keyFile: keyFile() })).rejects.toThrow(
        /not the secret/,
      );
      writeFileSync(keyFile(), 'short\n');
      await expect(resolveKeySecret(t.db, { keyFile: keyFile() })).rejects.toThrow(
        /at least 32 characters/,
      );
      writeFileSync(keyFile(), original, { mode: 0o644 });
      chmodSync(keyFile(), 0o644);
      await resolveKeySecret(t.db, { keyFile: keyFile() });
      expect(statSync(keyFile()).mode & 0o777).toBe(0o600);
    });

    it('OUTDIAL_KEY_SECRET wins over the key file', async () => {
      t = await createTestDb(backend);
      const secret = await resolveKeySecret(t.db, { keySecret: ENV_SECRET, keyFile: keyFile() });
      expect(secret.toString()).toBe(ENV_SECRET);
      expect(existsSync(keyFile())).toBe(false);
    });
  });

  it('a key stored before key secrets existed still works and is rewritten under the secret', async () => {
    t = await createTestDb(backend);
    const secret = await resolveKeySecret(t.db);
    await insertWorkspace(t.db, { id: 'ws_1', name: 'W', createdAt: T0 });
    const key = generateApiKey();
    const plain = legacyApiKeyHash(key);
    await t.db.query(
      `INSERT INTO api_keys (id, workspace_id, prefix, lookup, secret_hash, created_at)
       VALUES ('key_old', 'ws_1', 'od_x', $1, $2, $3)`,
      [plain.slice(0, 16), plain, T0],
    );
    expect((await keyRows())[0]!.hash_scheme).toBe(0);

    expect((await findLiveKey(t.db, secret, key))?.id).toBe('key_old');
    const [row] = await keyRows();
    expect(row!.hash_scheme).toBe(1);
    expect(row!.secret_hash).not.toBe(plain);
    expect((await findLiveKey(t.db, secret, key))?.id).toBe('key_old');
    expect(await findLiveKey(t.db, secret, generateApiKey())).toBeUndefined();
  });
});
