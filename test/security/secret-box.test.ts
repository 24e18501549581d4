import { afterEach, describe, expect, it } from 'vitest';
import { openSecretBox, requireSecretBox, SecretBox } from '../../src/security/secret-box.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';

// Secrets Outdial must read back (carrier credentials, webhook secrets) are sealed under a key
// derived from the deployment secret, which lives outside the database.

const SECRET = Buffer.from('s'.repeat(64));
const OTHER = Buffer.from('o'.repeat(64));

describe('secret box', () => {
  const box = new SecretBox(SECRET);

  it('opens what it sealed, for the same use only', () => {
    const sealed = box.seal('auth-token-123', 'conn_1/authToken');
    expect(sealed).toMatch(/^v1\.[\w-]{8}\.[\w-]{16}\.[\w-]+$/);
    expect(sealed).not.toContain('auth-token-123');
    expect(box.open(sealed, 'conn_1/authToken')).toBe('auth-token-123');
    // Copied onto another row or field, it does not open.
    expect(() => box.open(sealed, 'conn_2/authToken')).toThrow(/sealed for another use/);
  });

  it('seals the same text differently every time (fresh IV)', () => {
    const a = box.seal('same', 'ctx');
    const b = box.seal('same', 'ctx');
    expect(a).not.toBe(b);
    expect(box.open(a, 'ctx')).toBe(box.open(b, 'ctx'));
  });

  it('refuses a value sealed under another deployment secret, naming both keys', () => {
    const other = new SecretBox(OTHER);
    const sealed = other.seal('x', 'ctx');
    expect(() => box.open(sealed, 'ctx')).toThrow(
      new RegExp(`key ${other.keyId}, this process holds ${box.keyId}`),
    );
  });

  it('refuses a damaged or truncated value', () => {
    const sealed = box.seal('hello', 'ctx');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0]! ^= 1;
    parts[3] = body.toString('base64url');
    expect(() => box.open(parts.join('.'), 'ctx')).toThrow(/does not open/);
    expect(() => box.open(`${parts.slice(0, 3).join('.')}.AA`, 'ctx')).toThrow(/truncated/);
    expect(() => box.open('plain text', 'ctx')).toThrow(/Not a sealed secret/);
  });
});

describeEachDb('the deployment secret box', (backend) => {
  let t: TestDb;
  afterEach(() => t?.close());

  it('with OUTDIAL_KEY_SECRET: seals under a key derived from it', async () => {
    t = await createTestDb(backend);
    const a = await openSecretBox(t.db, { keySecret: SECRET.toString() });
    expect(a?.keyId).toBe(new SecretBox(SECRET).keyId);
  });

  it('with the secret kept in the database (PostgreSQL without OUTDIAL_KEY_SECRET): nothing is sealed, 409', async () => {
    t = await createTestDb(backend);
    expect(await openSecretBox(t.db, {})).toBeUndefined();
    await expect(requireSecretBox(t.db, {})).rejects.toMatchObject({
      statusCode: 409,
      body: { error: 'No encryption key', message: expect.stringContaining('OUTDIAL_KEY_SECRET') },
    });
  });
});
