import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import type { Clock } from '../domain/clock.js';
import { AppError } from '../domain/errors.js';
import type { RateLimitedBody } from './schemas/error-bodies.js';

// The per-workspace request limit of the /v1 API. Counts live in this process's memory, so the
// limit is per API process: N `outdial serve` processes behind a load balancer together allow up
// to N times the limit. That keeps a shared counter (and a database write per request) off the
// request path; the limit protects a process from one noisy workspace, it is not a billing quota.
//
// Fixed windows that open at a workspace's first request: cheap (one entry per active workspace)
// and what clients of the documented API expect from `x-ratelimit-reset`. Time comes from the app
// clock so tests drive it without waiting.

export const RATE_WINDOW_MS = 60_000;

interface Window {
  resetAt: number;
  count: number;
}

export interface RateLimitOptions {
  /** Requests per window and workspace; 0 disables the limit. */
  limit: number;
  clock: Clock;
  windowMs?: number;
}

/**
 * An onRequest hook for the authenticated scope: it must run after the auth hook, which sets
 * `req.workspaceId`. Requests rejected with 429 are not counted.
 */
export function workspaceRateLimit(opts: RateLimitOptions) {
  const windowMs = opts.windowMs ?? RATE_WINDOW_MS;
  const windows = new Map<string, Window>();
  let nextSweepAt = 0;

  // Forget the windows that have ended, at most once per window length, so a process serving many
  // workspaces over time does not keep one entry per workspace forever.
  const sweep = (now: number) => {
    if (now < nextSweepAt) return;
    nextSweepAt = now + windowMs;
    for (const [key, w] of windows) if (w.resetAt <= now) windows.delete(key);
  };

  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (opts.limit <= 0 || !req.workspaceId) return;
    const now = opts.clock.now();
    sweep(now);
    let w = windows.get(req.workspaceId);
    if (!w || w.resetAt <= now) {
      w = { resetAt: now + windowMs, count: 0 };
      windows.set(req.workspaceId, w);
    }
    const resetSeconds = Math.max(1, Math.ceil((w.resetAt - now) / 1000));
    const headers: Record<string, string> = {
      'x-ratelimit-limit': String(opts.limit),
      'x-ratelimit-remaining': String(Math.max(0, opts.limit - w.count - 1)),
      'x-ratelimit-reset': String(resetSeconds),
    };
    if (w.count >= opts.limit) {
      throw rateLimited(
        `Rate limit exceeded: ${describeLimit(opts.limit, windowMs)} for this workspace`,
        w.resetAt,
        now,
        { ...headers, 'x-ratelimit-remaining': '0' },
      );
    }
    w.count++;
    reply.headers(headers);
  };
}

/** The documented 429: the nested `error` body and `retry-after`, plus any `headers`. */
export function rateLimited(
  message: string,
  resetAt: number,
  now: number,
  headers: Record<string, string> = {},
): AppError {
  const body: Static<typeof RateLimitedBody> = {
    error: { code: 'rate_limit_exceeded', message, reset_at: new Date(resetAt).toISOString() },
  };
  return new AppError(429, body, {
    ...headers,
    'retry-after': String(Math.max(1, Math.ceil((resetAt - now) / 1000))),
  });
}

function describeLimit(limit: number, windowMs: number): string {
  const per = windowMs === RATE_WINDOW_MS ? 'minute' : `${windowMs / 1000} seconds`;
  return `${limit} requests per ${per}`;
}
