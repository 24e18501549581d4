import { setTimeout as sleep } from 'node:timers/promises';
import { type Config, loadConfig } from '../config.js';
import { DataDirLockedError, liveLockOwner } from '../storage/data-dir-lock.js';
import { migrate } from '../storage/migrate.js';
import { openDatabase } from '../storage/open-database.js';
import {
  type AdminArgs,
  AdminError,
  type AdminOperation,
  runAdminOperation,
} from './admin-operations.js';
import { AdminSocketError, askAdminSocket } from './admin-socket-client.js';
import { adminSocketFile } from './admin-socket-path.js';
import { CliError } from './cli-error.js';

/** How long an admin command waits for a server that holds the data directory to start serving. */
const SERVER_START_WAIT_MS = 15_000;

const print = (obj: unknown): void => {
  process.stdout.write(`${JSON.stringify(obj, null, 2)}\n`);
};

export async function runMigrate(): Promise<void> {
  let db: Awaited<ReturnType<typeof openDatabase>>;
  try {
    db = await openDatabase(loadConfig().database, { migrate: false });
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      throw new CliError(
        `Cannot migrate the embedded database while a server uses it: stop the server first (a ` +
          `running server has already applied every migration it knows). ${err.message}`,
      );
    }
    throw err;
  }
  try {
    print({ applied: await migrate(db) });
  } finally {
    await db.close();
  }
}

async function runDirect(config: Config, op: AdminOperation, args: AdminArgs): Promise<unknown> {
  const db = await openDatabase(config.database);
  try {
    return await runAdminOperation({ db, secrets: config, now: Date.now }, op, args);
  } catch (err) {
    if (err instanceof AdminError) throw new CliError(err.message);
    throw err;
  } finally {
    await db.close();
  }
}

/** The server's answer as the command's result, or undefined when no server answered. */
async function viaServer(dataDir: string, op: AdminOperation, args: AdminArgs) {
  let reply: Awaited<ReturnType<typeof askAdminSocket>>;
  try {
    reply = await askAdminSocket(dataDir, op, args);
  } catch (err) {
    if (err instanceof AdminSocketError) throw new CliError(err.message);
    throw err;
  }
  if (!reply.answered) return { answered: false as const, reason: reply.reason };
  if (!reply.ok) {
    const body = reply.body as { message?: unknown };
    throw new CliError(String(body?.message ?? JSON.stringify(reply.body)));
  }
  return { answered: true as const, result: reply.body };
}

/**
 * The embedded database has one owner. When a server owns it, the command goes to that server
 * over its admin socket; when none does, the command opens the directory itself.
 */
async function runEmbedded(
  config: Config,
  dataDir: string,
  op: AdminOperation,
  args: AdminArgs,
): Promise<unknown> {
  const first = await viaServer(dataDir, op, args);
  if (first.answered) return first.result;
  try {
    return await runDirect(config, op, args);
  } catch (err) {
    if (!(err instanceof DataDirLockedError)) throw err;
    if (first.reason !== undefined) {
      const owner = err.owner ?? '(unknown)';
      throw new CliError(
        `The data directory ${dataDir} is in use by Outdial process ${owner}, and this command ` +
          `cannot reach it: ${first.reason}. Run the command from a directory nearer to the ` +
          'data directory, or stop that process first.',
      );
    }
    // A server that is starting holds the lock a few seconds before its socket listens.
    const deadline = Date.now() + SERVER_START_WAIT_MS;
    while (liveLockOwner(dataDir) !== undefined && Date.now() < deadline) {
      await sleep(250);
      const again = await viaServer(dataDir, op, args);
      if (again.answered) return again.result;
    }
    const owner = liveLockOwner(dataDir);
    if (owner === undefined) return runDirect(config, op, args);
    throw new CliError(
      `The data directory ${dataDir} is in use by Outdial process ${owner}, which does not take ` +
        `admin commands on ${adminSocketFile(dataDir)} (its log says why). Stop that process ` +
        'and run the command again.',
    );
  }
}

async function adminCommand(op: AdminOperation, args: AdminArgs): Promise<void> {
  const config = loadConfig();
  const target = config.database;
  print(
    target.kind === 'pglite-dir'
      ? await runEmbedded(config, target.dataDir, op, args)
      : await runDirect(config, op, args),
  );
}

export const createWorkspace = (name: string) => adminCommand('workspaces.create', { name });
export const printWorkspaces = () => adminCommand('workspaces.list', {});
export const createKey = (workspace: string, name?: string) =>
  adminCommand('keys.create', { workspace, name });
export const printKeys = (workspace: string) => adminCommand('keys.list', { workspace });
export const revokeKey = (keyId: string) => adminCommand('keys.revoke', { keyId });
