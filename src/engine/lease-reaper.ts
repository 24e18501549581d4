import type { Logger } from 'pino';
import type { AttemptRef, DialResult } from '../providers/provider.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { Runtime } from '../runtime.js';
import {
  type LostAttempt,
  loadLostAttempt,
  takeOverExpiredLeases,
  tryReaperLock,
} from '../storage/lease-repo.js';
import { txWithRetry } from '../storage/transaction-retry.js';
import { engineMetrics } from './engine-metrics.js';
import { endingReason, finishAttempt } from './finish.js';
import { MAINTENANCE_EVERY_MS, runMaintenance } from './maintenance.js';

// The lease reaper: an active call whose lease expired lost its worker. Its attempt is reconciled
// with the provider when the provider can look it up; otherwise the call fails with "Attempt
// outcome unknown (worker lost)". It is never redialed blindly: calling a person twice is the
// worst thing this system can do.

export interface ReaperContext {
  rt: Runtime;
  /** The reaper takes leases over under this owner name. */
  workerId: string;
  providers: ProviderRegistry;
  log: Logger;
  /** Lease owners alive in this process (never reaped, whatever their lease says). */
  liveOwners(): string[];
  /** A call left the active state: capacity is free. */
  onFreed(): void;
}

const BATCH = 100;

function refOf(a: LostAttempt): AttemptRef {
  return {
    attemptId: a.attemptId,
    callId: a.callId,
    attemptNo: a.attemptNo,
    phoneNumber: a.phoneNumber,
    ...(a.agent.fromNumber === null ? {} : { fromNumber: a.agent.fromNumber }),
    agent: {
      id: a.agent.id,
      name: a.agent.name,
      greeting: a.agent.greeting,
      prompt: a.agent.prompt,
    },
    variables: a.variables,
    startedAt: a.startedAt,
    ...(a.providerCallId === null ? {} : { providerCallId: a.providerCallId }),
  };
}

async function reconcile(ctx: ReaperContext, callId: string, attemptId: string): Promise<void> {
  const { rt } = ctx;
  const lost = await loadLostAttempt(rt.db, attemptId);
  const provider = lost && ctx.providers.get(lost.provider);
  let verdict: DialResult | 'in_progress' | 'unknown' = 'unknown';
  if (lost && provider?.capabilities.lookup && provider.lookup) {
    const asked = performance.now();
    try {
      verdict = await provider.lookup(refOf(lost));
      engineMetrics(rt)
        .providerDuration.labels(provider.name, 'lookup')
        .observe((performance.now() - asked) / 1000);
    } catch (err) {
      // The provider could not answer now; the lease taken over expires and we ask again.
      ctx.log.warn({ err, jobId: callId, attemptId }, 'provider lookup failed; will retry');
      return;
    }
  }
  // Still going: the taken-over lease is the next check's deadline.
  if (verdict === 'in_progress') return;
  const handle = { callId, attemptId, owner: ctx.workerId };
  const ending =
    verdict === 'unknown'
      ? ({ kind: 'lost', at: rt.clock.now() } as const)
      : ({ kind: 'result', result: verdict } as const);
  const outcome = await finishAttempt(rt, handle, ending);
  if (outcome.status === 'finished') {
    const reason = endingReason(ending);
    engineMetrics(rt).attempts.inc({ reason });
    ctx.log.info(
      { jobId: callId, attemptId, reason, reconciled: verdict !== 'unknown' },
      'lost attempt settled',
    );
    ctx.onFreed();
  }
}

/**
 * One reaper pass. `everyActive`: every active call not owned by a live in-process engine is
 * treated as lost, whatever its lease says (PGlite at start: one process per data directory, so
 * any active call left there belongs to a process that died). Returns the calls handled.
 */
export async function reapLeases(
  ctx: ReaperContext,
  opts: { everyActive?: boolean } = {},
): Promise<number> {
  const { rt } = ctx;
  let handled = 0;
  for (;;) {
    const now = rt.clock.now();
    const taken = await txWithRetry(rt.db, async (q) => {
      // One reaper at a time across processes; the others skip this pass.
      if (!(await tryReaperLock(q))) return [];
      return takeOverExpiredLeases(q, {
        owner: ctx.workerId,
        expiredBefore: opts.everyActive ? Number.MAX_SAFE_INTEGER : now,
        newExpiry: now + rt.config.leaseMs,
        limit: BATCH,
        exceptOwners: ctx.liveOwners(),
      });
    });
    for (const t of taken) {
      if (t.attemptId === null) {
        ctx.log.error({ jobId: t.callId }, 'active call without a current attempt');
        continue;
      }
      try {
        await reconcile(ctx, t.callId, t.attemptId);
      } catch (err) {
        ctx.log.error(
          { err, jobId: t.callId, attemptId: t.attemptId },
          'could not settle a lost attempt; will retry',
        );
      }
    }
    engineMetrics(rt).leaseExpirations.inc(taken.length);
    handled += taken.length;
    if (taken.length < BATCH) return handled;
  }
}

/**
 * Runs a reaper pass every interval, and a maintenance pass every MAINTENANCE_EVERY_MS, until
 * `stop` aborts; errors are logged, never thrown.
 */
export async function reaperLoop(ctx: ReaperContext, stop: AbortSignal): Promise<void> {
  const { rt } = ctx;
  const every = Math.max(rt.config.pollMs, Math.min(rt.config.leaseMs / 2, 15_000));
  let maintainedAt = rt.clock.now();
  while (!stop.aborted) {
    await rt.clock.sleep(every, stop);
    if (stop.aborted) return;
    try {
      await reapLeases(ctx);
    } catch (err) {
      ctx.log.warn({ err }, 'lease reaper pass failed; will retry');
    }
    if (rt.clock.now() - maintainedAt < MAINTENANCE_EVERY_MS) continue;
    maintainedAt = rt.clock.now();
    try {
      const removed = await runMaintenance(rt);
      if (removed) ctx.log.debug(removed, 'maintenance pass done');
    } catch (err) {
      ctx.log.warn({ err }, 'maintenance pass failed; will retry');
    }
  }
}
