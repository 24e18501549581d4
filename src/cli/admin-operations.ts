import { generateApiKey } from '../domain/api-key.js';
import { newId } from '../domain/ids.js';
import { resolveKeySecret, type SecretSource } from '../security/key-secret.js';
import { insertApiKey, listApiKeys, revokeApiKey } from '../storage/api-keys-repo.js';
import type { Db } from '../storage/db.js';
import { getWorkspace, insertWorkspace, listWorkspaces } from '../storage/workspaces-repo.js';

// The admin commands (`outdial workspaces …`, `outdial keys …`). Each runs here and only here,
// whether the CLI opened the database itself or a running server got it over its admin socket.

export interface AdminContext {
  db: Db;
  /** The deployment's OUTDIAL_KEY_SECRET, if set (else the one kept in the database). */
  /** Where the deployment secret lives (OUTDIAL_KEY_SECRET, the embedded key file). */
  secrets: SecretSource;
  now: () => number;
}

export type AdminArgs = Record<string, string | undefined>;

/** A refusal the user can act on: its message is printed as is, and maps to a 4xx. */
export class AdminError extends Error {
  constructor(
    readonly kind: 'not_found' | 'bad_request',
    message: string,
  ) {
    super(message);
  }
}

interface Operation {
  required: readonly string[];
  optional: readonly string[];
  run(ctx: AdminContext, args: AdminArgs): Promise<unknown>;
}

const arg = (args: AdminArgs, name: string) => args[name] as string;

async function requireWorkspace(ctx: AdminContext, id: string): Promise<void> {
  if (!(await getWorkspace(ctx.db, id))) throw new AdminError('not_found', `No workspace ${id}`);
}

const OPERATIONS = {
  'workspaces.create': {
    required: ['name'],
    optional: [],
    run: (ctx, args) => {
      const now = ctx.now();
      return insertWorkspace(ctx.db, {
        id: newId('ws', now),
        name: arg(args, 'name'),
        createdAt: now,
      });
    },
  },
  'workspaces.list': {
    required: [],
    optional: [],
    run: (ctx) => listWorkspaces(ctx.db),
  },
  'keys.create': {
    required: ['workspace'],
    optional: ['name'],
    run: async (ctx, args) => {
      const workspaceId = arg(args, 'workspace');
      await requireWorkspace(ctx, workspaceId);
      const now = ctx.now();
      const apiKey = generateApiKey();
      const secret = await resolveKeySecret(ctx.db, ctx.secrets);
      const name = args['name'];
      const info = await insertApiKey(ctx.db, secret, {
        id: newId('key', now),
        workspaceId,
        key: apiKey,
        ...(name === undefined ? {} : { name }),
        createdAt: now,
      });
      return { ...info, apiKey, note: 'Store this key now: it is shown only once.' };
    },
  },
  'keys.list': {
    required: ['workspace'],
    optional: [],
    run: async (ctx, args) => {
      const workspaceId = arg(args, 'workspace');
      await requireWorkspace(ctx, workspaceId);
      return listApiKeys(ctx.db, workspaceId);
    },
  },
  'keys.revoke': {
    required: ['keyId'],
    optional: [],
    run: async (ctx, args) => {
      const keyId = arg(args, 'keyId');
      if (!(await revokeApiKey(ctx.db, keyId, ctx.now()))) {
        throw new AdminError('not_found', `No live key ${keyId}`);
      }
      return { id: keyId, revoked: true };
    },
  },
} satisfies Record<string, Operation>;

export type AdminOperation = keyof typeof OPERATIONS;

export const isAdminOperation = (name: string): name is AdminOperation =>
  Object.hasOwn(OPERATIONS, name);

/**
 * Checks the arguments (they may come from the socket as any JSON) and runs the operation.
 * Required arguments are non-empty strings; nothing else is accepted.
 */
export async function runAdminOperation(
  ctx: AdminContext,
  name: AdminOperation,
  raw: unknown,
): Promise<unknown> {
  const op: Operation = OPERATIONS[name];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AdminError('bad_request', 'The arguments must be a JSON object');
  }
  const given = raw as Record<string, unknown>;
  const args: AdminArgs = {};
  for (const [key, value] of Object.entries(given)) {
    if (!op.required.includes(key) && !op.optional.includes(key)) {
      throw new AdminError('bad_request', `Unknown argument ${key} for ${name}`);
    }
    if (value === undefined) continue;
    if (typeof value !== 'string') {
      throw new AdminError('bad_request', `${key} must be a string`);
    }
    args[key] = value;
  }
  for (const key of op.required) {
    if (!args[key]?.trim()) throw new AdminError('bad_request', `${key} must not be empty`);
  }
  return op.run(ctx, args);
}
