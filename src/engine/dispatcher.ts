import type { Logger } from 'pino';
import type { Runtime } from '../runtime.js';
import { isConnectionError } from '../storage/db.js';
import { type CarrierPacing, type ClaimedAttempt, claimCalls, MAX_CLAIM } from './claim.js';
import { engineMetrics } from './engine-metrics.js';
import type { Waiter } from './wake.js';

// The claim loop: claim as long as claims succeed, then sleep until a wake-up, a known due time
// or the poll interval. What bounds it is the workspaces' and batches' own limits (enforced by
// the claim), not the engine: calls in progress hold nothing here. The engine only bounds the
// attempts it holds between claim and the carrier's answer (config.maxPlacing), a number pacing
// keeps small. A database error (PostgreSQL restarting under us included) is retried after a
// growing pause; it never ends the loop, and a claim either committed whole or not at all. While
// the database cannot serve (unreachable, out of disk), the loop says so once and once again when
// claims succeed, not at every retry; on an embedded database that has failed for good it stops
// claiming (the process is on its way out).

export interface DispatcherContext {
  rt: Runtime;
  workerId: string;
  log: Logger;
  waiter: Waiter;
  stopping: AbortSignal;
  /** How many more attempts the engine may hold now. */
  room(): number;
  /** Takes the attempts a claim committed. */
  claimed(attempts: readonly ClaimedAttempt[]): void;
  /** A claim served this workspace, leaving a concurrency limit of it full or not. */
  served(workspaceId: string, capacityFull: boolean): void;
  /** Work becomes due at `time` (a call deferred to its calling window, a pacing slot). */
  dueAt(time: number): void;
  carrierPacing(provider: string): CarrierPacing | undefined;
}

/** Consecutive claims that found a workspace but nothing to dial before the loop idles. */
const MAX_EMPTY_CLAIMS = 4;

export async function dispatchLoop(ctx: DispatcherContext): Promise<void> {
  const { rt } = ctx;
  const metrics = engineMetrics(rt);
  let empty = 0;
  let failures = 0;
  let paused = false;
  let stopped = false;
  while (!ctx.stopping.aborted) {
    const failure = rt.db.failure?.();
    if (failure) {
      if (!stopped)
        ctx.log.error({ reason: failure.reason }, 'claiming stopped: the database failed');
      stopped = true;
      await ctx.waiter.wait(rt.clock, rt.config.pollMs, ctx.stopping);
      continue;
    }
    const room = ctx.room();
    if (room <= 0) {
      await ctx.waiter.wait(rt.clock, rt.config.pollMs, ctx.stopping);
      continue;
    }
    let progress: boolean;
    let found: boolean;
    const claimStarted = performance.now();
    try {
      const r = await claimCalls(rt, {
        workerId: ctx.workerId,
        max: Math.min(room, MAX_CLAIM),
        carrierPacing: (p) => ctx.carrierPacing(p),
      });
      metrics.claimDuration
        .labels(r.claimed.length > 0 ? 'claimed' : 'empty')
        .observe((performance.now() - claimStarted) / 1000);
      metrics.claimedCalls.inc(r.claimed.length);
      // Taken even when stopping: they are this engine's now; stopping hands them back.
      ctx.claimed(r.claimed);
      progress = r.claimed.length > 0 || r.deferredUntil.length > 0;
      for (const t of r.deferredUntil) ctx.dueAt(t);
      for (const t of r.slotsFreeAt) ctx.dueAt(t);
      found = r.workspaceId !== undefined;
      if (r.workspaceId !== undefined) ctx.served(r.workspaceId, r.capacityFull);
      failures = 0;
      if (paused) ctx.log.info('claiming resumed: the database answers again');
      paused = false;
    } catch (err) {
      metrics.claimDuration.labels('error').observe((performance.now() - claimStarted) / 1000);
      if (rt.db.failure?.()) continue;
      failures++;
      const pause = Math.min(rt.config.pollMs * 2 ** Math.min(failures, 6), 10_000);
      if (!isConnectionError(err)) {
        ctx.log.error({ err, pauseMs: pause }, 'claim failed; retrying after a pause');
      } else if (!paused) {
        paused = true;
        ctx.log.warn({ err }, 'claiming paused: the database cannot serve; retrying until it does');
      }
      await rt.clock.sleep(pause, ctx.stopping);
      continue;
    }
    if (progress) {
      empty = 0;
      continue;
    }
    // A workspace had due calls but none could start (batch caps): try the next workspaces.
    if (found && ++empty < MAX_EMPTY_CLAIMS) continue;
    empty = 0;
    await ctx.waiter.wait(rt.clock, rt.config.pollMs, ctx.stopping);
  }
}
