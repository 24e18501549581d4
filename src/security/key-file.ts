import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { ConfigError, MIN_KEY_SECRET_LENGTH } from '../config.js';

// The embedded install's deployment secret lives in a file beside its database, not in it: an
// export of the database (export-db) or a copy of its tables then holds no secret that opens the
// carrier credentials and webhook secrets sealed in it. The file is the owner's alone (0600).

/** The secret in `file`, or undefined when there is no file yet. */
export function readKeyFile(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const secret = text.trim();
  if (secret.length < MIN_KEY_SECRET_LENGTH) {
    throw new ConfigError(
      `${file} must hold a secret of at least ${MIN_KEY_SECRET_LENGTH} characters; restore it ` +
        'from a backup of this data directory, or set OUTDIAL_KEY_SECRET',
    );
  }
  // A copy restored with the wrong permissions is tightened rather than refused.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return secret;
}

/**
 * Creates `file` holding `secret`, readable by its owner only from the moment it exists, and whole
 * or not at all (written aside, then linked into place). Returns the secret the file holds:
 * `secret`, or the one another writer put there first.
 */
export function createKeyFile(file: string, secret: string): string {
  const aside = `${file}.${process.pid}.tmp`;
  const fd = openSync(aside, 'w', 0o600);
  try {
    writeSync(fd, `${secret}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(aside, file);
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readKeyFile(file)!;
    throw err;
  } finally {
    rmSync(aside, { force: true });
  }
}
