import type { FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, forbidden, unauthorized } from '../domain/errors.js';
import type { Runtime } from '../runtime.js';
import { findLiveKey } from '../storage/api-keys-repo.js';
import type { ApiKeyCache } from './api-key-cache.js';
import type { AuthFailureLimit } from './auth-failure-limit.js';
import { rateLimited } from './rate-limit.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated workspace; set by the auth hook on every /v1 route. */
    workspaceId: string;
  }
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s.trim() === '' ? undefined : s.trim();
};

export interface AuthDeps {
  rt: Runtime;
  keys: ApiKeyCache;
  failures: AuthFailureLimit;
  /** The deployment's key secret (see security/key-secret.ts). */
  keySecret: () => Promise<Uint8Array>;
}

/**
 * `x-api-key` decides who you are (401); `x-workspace-id` must be named (400) and yours (403).
 * Wrong keys count against the client address; past its limit only recently verified keys pass.
 */
export function authHook({ rt, keys, failures, keySecret }: AuthDeps) {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const key = header(req, 'x-api-key');
    if (!key) throw unauthorized('Missing x-api-key header');
    let found = keys.get(key);
    if (!found) {
      const blockedUntil = failures.blockedUntil(req.ip);
      if (blockedUntil !== undefined) {
        throw rateLimited(
          'Too many requests with a wrong API key from this address; retry later',
          blockedUntil,
          rt.clock.now(),
        );
      }
      found = await findLiveKey(rt.db, await keySecret(), key);
      if (!found) {
        failures.recordFailure(req.ip);
        throw unauthorized('Invalid or revoked API key');
      }
      keys.set(key, found);
    }
    const workspaceId = header(req, 'x-workspace-id');
    if (!workspaceId) throw badRequest('Missing x-workspace-id header');
    if (workspaceId !== found.workspaceId) {
      throw forbidden('This API key does not have access to this workspace');
    }
    req.workspaceId = workspaceId;
  };
}
