import { randomBytes } from 'node:crypto';
import { ConfigError } from '../config.js';
import { keySecretFingerprint } from '../domain/api-key.js';
import type { Db } from '../storage/db.js';
import { deleteSetting, getSetting, putSettingOnce } from '../storage/settings-repo.js';
import { createKeyFile, readKeyFile } from './key-file.js';

// The deployment secret: API keys are hashed under it, and carrier credentials and webhook
// secrets are sealed under a key derived from it (secret-box.ts). One per deployment; every
// process on one database must hold the same. Where it lives:
// - OUTDIAL_KEY_SECRET, when set: the database then holds only a fingerprint, so a stolen copy of
//   the database (or an export) cannot confirm a single guessed key nor open a sealed secret.
// - on the embedded database, the key file beside it (`<dataDir>/outdial.key`, 0600), created on
//   first start: zero setup, and still outside the database and its exports.
// - on PostgreSQL without OUTDIAL_KEY_SECRET, a random secret kept in the `settings` table: zero
//   setup for API keys, shared by every process; nothing is sealed under it (it travels with the
//   data), so storing carrier credentials or webhook secrets needs OUTDIAL_KEY_SECRET there.
// A secret found in the `settings` table is moved out when OUTDIAL_KEY_SECRET is set to it, or into
// the key file of an embedded install.

const SECRET = 'key_secret';
const FINGERPRINT = 'key_secret_fingerprint';

export interface SecretSource {
  /** OUTDIAL_KEY_SECRET. */
  keySecret?: string | undefined;
  /** The embedded install's key file. */
  keyFile?: string | undefined;
}

/** Whether the secret lives outside the database, so that secrets may be sealed under it. */
export const holdsSecretOutsideDatabase = (s: SecretSource): boolean =>
  s.keySecret !== undefined || s.keyFile !== undefined;

/** Returns the deployment's key secret, creating it on first use; refuses a mismatched one. */
export async function resolveKeySecret(db: Db, source: SecretSource = {}): Promise<Buffer> {
  return db.tx(async (q) => {
    const storedSecret = await getSetting(q, SECRET);
    const outside = source.keySecret ?? (source.keyFile && readKeyFile(source.keyFile));
    if (outside !== undefined) {
      const from = source.keySecret !== undefined ? 'OUTDIAL_KEY_SECRET' : source.keyFile;
      const secret = Buffer.from(outside, 'utf8');
      const fingerprint = keySecretFingerprint(secret);
      if ((await putSettingOnce(q, FINGERPRINT, fingerprint)) !== fingerprint) {
        throw new ConfigError(
          storedSecret === undefined
            ? `${from} is not the secret this database's API keys were hashed with; ` +
                'use the one it was first started with'
            : `${from} differs from the key secret kept in this database; remove it, or set it to the stored value (settings table, name 'key_secret')`,
        );
      }
      if (storedSecret !== undefined) await deleteSetting(q, SECRET);
      return secret;
    }
    if (storedSecret === undefined && (await getSetting(q, FINGERPRINT)) !== undefined) {
      throw new ConfigError(
        source.keyFile === undefined
          ? "This database's API keys are hashed with OUTDIAL_KEY_SECRET, which is not set in this process"
          : `This database's API keys are hashed with a secret kept outside it, and ${source.keyFile} ` +
              'is missing: copy outdial.key from the data directory this database came from, or set ' +
              'OUTDIAL_KEY_SECRET to that secret',
      );
    }
    let value = storedSecret ?? randomBytes(32).toString('hex');
    if (source.keyFile !== undefined) {
      // Moved out of the database: the file first, so the secret is never in neither place.
      value = createKeyFile(source.keyFile, value);
      if (storedSecret !== undefined) await deleteSetting(q, SECRET);
    } else {
      value = await putSettingOnce(q, SECRET, value);
    }
    const secret = Buffer.from(value, 'utf8');
    if (
      (await putSettingOnce(q, FINGERPRINT, keySecretFingerprint(secret))) !==
      keySecretFingerprint(secret)
    ) {
      throw new ConfigError(
        `${source.keyFile} is not the secret this database's API keys were hashed with`,
      );
    }
    return secret;
  });
}
