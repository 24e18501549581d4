import { randomBytes } from 'node:crypto';
import { ConfigError } from '../config.js';
import { keySecretFingerprint } from '../domain/api-key.js';
import type { Db } from '../storage/db.js';
import { deleteSetting, getSetting, putSettingOnce } from '../storage/settings-repo.js';

// The secret under which API keys are hashed, one per deployment (every process on one database
// must hold the same). Where it lives:
// - OUTDIAL_KEY_SECRET, when set: the database then holds only a fingerprint, so a stolen copy of
//   the database (or an export) cannot confirm a single guessed key.
// - otherwise a random secret created on first start and kept in the `settings` table: zero setup,
//   shared by every process automatically, carried by export-db, and still never equal between
//   two deployments.
// Setting OUTDIAL_KEY_SECRET to the stored value later moves it out: the stored copy is deleted.

const SECRET = 'key_secret';
const FINGERPRINT = 'key_secret_fingerprint';

/** Returns the deployment's key secret, creating it on first use; refuses a mismatched one. */
export async function resolveKeySecret(db: Db, fromEnv?: string): Promise<Buffer> {
  return db.tx(async (q) => {
    const storedSecret = await getSetting(q, SECRET);
    if (fromEnv !== undefined) {
      const secret = Buffer.from(fromEnv, 'utf8');
      const fingerprint = keySecretFingerprint(secret);
      if ((await putSettingOnce(q, FINGERPRINT, fingerprint)) !== fingerprint) {
        throw new ConfigError(
          storedSecret === undefined
            ? "OUTDIAL_KEY_SECRET is not the secret this database's API keys were hashed with; " +
                'set the one it was first started with'
            : "OUTDIAL_KEY_SECRET differs from the key secret kept in this database; unset it, or set it to the stored value (settings table, name 'key_secret')",
        );
      }
      if (storedSecret !== undefined) await deleteSetting(q, SECRET);
      return secret;
    }
    if (storedSecret === undefined && (await getSetting(q, FINGERPRINT)) !== undefined) {
      throw new ConfigError(
        "This database's API keys are hashed with OUTDIAL_KEY_SECRET, which is not set in this process",
      );
    }
    const value =
      storedSecret ?? (await putSettingOnce(q, SECRET, randomBytes(32).toString('hex')));
    const secret = Buffer.from(value, 'utf8');
    await putSettingOnce(q, FINGERPRINT, keySecretFingerprint(secret));
    return secret;
  });
}
