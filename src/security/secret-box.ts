import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { conflict } from '../domain/errors.js';
import type { Db } from '../storage/db.js';
import { holdsSecretOutsideDatabase, resolveKeySecret, type SecretSource } from './key-secret.js';

// Secrets Outdial must be able to read back (carrier credentials, webhook signing secrets) are
// stored sealed: AES-256-GCM under a key derived from the deployment secret, which lives outside
// the database (key-secret.ts). A sealed value is bound to what it is for (`context`, e.g. the
// connection id and field): a value copied onto another row does not open there.
//
// Format: `v1.<key id>.<iv>.<ciphertext and tag>` (base64url). The key id names the key a value
// was sealed under, so a process holding another secret says so instead of failing obscurely.

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SealedSecretError extends Error {}

export class SecretBox {
  private readonly key: Buffer;
  /** A short public name of the key (not usable to open anything). */
  readonly keyId: string;

  constructor(deploymentSecret: Uint8Array) {
    this.key = Buffer.from(
      hkdfSync('sha256', deploymentSecret, Buffer.alloc(0), 'outdial secret box v1', 32),
    );
    this.keyId = createHmac('sha256', this.key).update('key id').digest('base64url').slice(0, 8);
  }

  seal(plain: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return [VERSION, this.keyId, iv.toString('base64url'), body.toString('base64url')].join('.');
  }

  open(sealed: string, context: string): string {
    const [version, keyId, iv, body] = sealed.split('.');
    if (version !== VERSION || !keyId || !iv || !body) {
      throw new SealedSecretError('Not a sealed secret of this version');
    }
    if (keyId !== this.keyId) {
      throw new SealedSecretError(
        `Sealed under another deployment secret (key ${keyId}, this process holds ${this.keyId})`,
      );
    }
    const bytes = Buffer.from(body, 'base64url');
    if (bytes.length < TAG_BYTES) throw new SealedSecretError('Sealed secret is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SealedSecretError(
        'Sealed secret does not open: damaged, or sealed for another use',
      );
    }
  }
}

/**
 * The box of this deployment, or undefined where the deployment secret is kept in the database
 * (PostgreSQL without OUTDIAL_KEY_SECRET): sealing under a secret stored beside the sealed data
 * would protect nothing.
 */
export async function openSecretBox(db: Db, source: SecretSource): Promise<SecretBox | undefined> {
  if (!holdsSecretOutsideDatabase(source)) return undefined;
  return new SecretBox(await resolveKeySecret(db, source));
}

/** Refuses to store a secret when it could not be sealed (409, with how to fix it). */
export async function requireSecretBox(db: Db, source: SecretSource): Promise<SecretBox> {
  const box = await openSecretBox(db, source);
  if (box) return box;
  throw conflict(
    'No encryption key',
    'Carrier credentials and webhook secrets are stored encrypted under a key kept outside the ' +
      'database. Set OUTDIAL_KEY_SECRET (at least 32 characters, e.g. the output of ' +
      '`openssl rand -hex 32`) to the same value on every Outdial process, then try again.',
  );
}
