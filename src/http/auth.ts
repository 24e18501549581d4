import type { FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, forbidden, unauthorized } from '../domain/errors.js';
import type { Runtime } from '../runtime.js';
import { findLiveKey } from '../storage/api-keys-repo.js';
import type { ApiKeyCache } from './api-key-cache.js';

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

/** `x-api-key` decides who you are (401); `x-workspace-id` must be named (400) and yours (403). */
export function authHook(rt: Runtime, cache: ApiKeyCache) {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const key = header(req, 'x-api-key');
    if (!key) throw unauthorized('Missing x-api-key header');
    let found = cache.get(key);
    if (!found) {
      found = await findLiveKey(rt.db, key);
      if (!found) throw unauthorized('Invalid or revoked API key');
      cache.set(key, found);
    }
    const workspaceId = header(req, 'x-workspace-id');
    if (!workspaceId) throw badRequest('Missing x-workspace-id header');
    if (workspaceId !== found.workspaceId) {
      throw forbidden('This API key does not have access to this workspace');
    }
    req.workspaceId = workspaceId;
  };
}
