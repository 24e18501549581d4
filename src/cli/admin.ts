import { loadConfig } from '../config.js';
import { generateApiKey } from '../domain/api-key.js';
import { newId } from '../domain/ids.js';
import { resolveKeySecret } from '../security/key-secret.js';
import { insertApiKey, listApiKeys, revokeApiKey } from '../storage/api-keys-repo.js';
import type { Db } from '../storage/db.js';
import { migrate } from '../storage/migrate.js';
import { openDatabase } from '../storage/open-database.js';
import { getWorkspace, insertWorkspace, listWorkspaces } from '../storage/workspaces-repo.js';

export class CliError extends Error {}

async function withDb<T>(fn: (db: Db) => Promise<T>, opts: { migrate?: boolean } = {}): Promise<T> {
  const db = await openDatabase(loadConfig().database, { migrate: opts.migrate ?? true });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

const print = (obj: unknown): void => {
  process.stdout.write(`${JSON.stringify(obj, null, 2)}\n`);
};

export const runMigrate = () =>
  withDb(
    async (db) => {
      const applied = await migrate(db);
      print({ applied });
    },
    { migrate: false },
  );

export const createWorkspace = (name: string) =>
  withDb(async (db) => {
    const now = Date.now();
    const ws = await insertWorkspace(db, { id: newId('ws', now), name, createdAt: now });
    print(ws);
  });

export const printWorkspaces = () => withDb(async (db) => print(await listWorkspaces(db)));

export const createKey = (workspaceId: string, name?: string) =>
  withDb(async (db) => {
    if (!(await getWorkspace(db, workspaceId))) throw new CliError(`No workspace ${workspaceId}`);
    const now = Date.now();
    const apiKey = generateApiKey();
    const secret = await resolveKeySecret(db, loadConfig().keySecret);
    const info = await insertApiKey(db, secret, {
      id: newId('key', now),
      workspaceId,
      key: apiKey,
      ...(name === undefined ? {} : { name }),
      createdAt: now,
    });
    print({ ...info, apiKey, note: 'Store this key now: it is shown only once.' });
  });

export const printKeys = (workspaceId: string) =>
  withDb(async (db) => print(await listApiKeys(db, workspaceId)));

export const revokeKey = (keyId: string) =>
  withDb(async (db) => {
    if (!(await revokeApiKey(db, keyId, Date.now()))) {
      throw new CliError(`No live key ${keyId}`);
    }
    print({ id: keyId, revoked: true });
  });
