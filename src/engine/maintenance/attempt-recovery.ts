import type { AttemptRef } from '../../domain/attempt.js';
import { canLookUp, type LookupAnswer, recoveryStep, verdictOf } from '../../domain/recovery.js';
import type { TelephonyProvider } from '../../providers/provider.js';
import {
  checkAttemptsAt,
  type DueAttempt,
  dueAfterRestart,
  loadAttemptRef,
  takeDueAttempts,
} from '../../storage/recovery-repo.js';
import { txWithRetry } from '../../storage/transaction-retry.js';
import { releaseAttempts } from '../../storage/transitions/release.js';
import { engineMetrics } from '../engine-metrics.js';
import { recordContext } from '../event-recorder.js';
import type { MaintenanceContext, MaintenanceTask } from './task.js';

// Attempt recovery: attempts nobody is reporting on — a claimed or placing attempt whose worker
// is lost (lease expired), an in_call attempt past its deadline. What each gets is decided in
// src/domain/recovery.ts; this runs it. Never a second request for the same attempt.

const BATCH = 100;

async function ask(
  ctx: MaintenanceContext,
  provider: TelephonyProvider,
  ref: AttemptRef,
  ids: object,
): Promise<LookupAnswer | 'failed'> {
  const asked = performance.now();
  try {
    return await provider.lookup!(ref);
  } catch (err) {
    ctx.log.warn({ err, ...ids }, 'provider lookup failed; will ask again');
    return 'failed';
  } finally {
    engineMetrics(ctx.rt)
      .providerDuration.labels(provider.name, 'lookup')
      .observe((performance.now() - asked) / 1000);
  }
}

async function release(ctx: MaintenanceContext, a: DueAttempt, why: string): Promise<void> {
  const { rt } = ctx;
  const released = await txWithRetry(rt.db, (q) =>
    releaseAttempts(q, { attemptIds: [a.attemptId], now: rt.clock.now() }),
  );
  if (released.length === 0) return;
  ctx.log.info(
    { jobId: a.callId, attemptId: a.attemptId, state: a.state, cancelled: released[0]!.cancelled },
    `lost attempt released: ${why}`,
  );
  ctx.onFreed();
}

/** Takes one attempt's next step; errors go to the caller (the attempt is looked at again). */
async function recoverOne(ctx: MaintenanceContext, a: DueAttempt): Promise<void> {
  const { rt } = ctx;
  const now = rt.clock.now();
  const times = recordContext(rt).times;
  const ids = { jobId: a.callId, attemptId: a.attemptId };
  const provider = ctx.providers.get(a.provider);
  const local = provider?.capabilities.localEvents === true;
  const step = recoveryStep(a.state, a.startedAt, now, times, !local);
  if (step.kind === 'release') return release(ctx, a, 'it was never sent');
  if (step.kind === 'wait') {
    await checkAttemptsAt(rt.db, [{ attemptId: a.attemptId, at: step.until }]);
    return;
  }

  const state = a.state as 'placing' | 'in_call';
  const ref = await loadAttemptRef(rt.db, a.attemptId);
  if (!ref) return;
  const caps = provider?.capabilities;
  const ability = {
    byAttempt: caps?.lookupByAttempt ?? false,
    byCallId: caps?.lookupByCallId ?? false,
    provesAbsence: caps?.provesAbsence ?? false,
    hangUp: caps?.hangUp ?? false,
  };
  const answer =
    provider?.lookup && canLookUp(state, ref.providerCallId ?? null, ability)
      ? await ask(ctx, provider, ref, ids)
      : undefined;
  const verdict = verdictOf(state, answer, ability, now, times);
  switch (verdict.kind) {
    case 'release':
      return release(ctx, a, 'its provider has no such call');
    case 'recheck':
      if (verdict.hangUp && provider?.hangUp) {
        await provider.hangUp(ref).catch((err: unknown) => {
          ctx.log.warn({ err, ...ids }, 'could not hang up a call past its maximum length');
        });
      }
      await checkAttemptsAt(rt.db, [{ attemptId: a.attemptId, at: verdict.at }]);
      return;
    case 'adopt': {
      await ctx.recorder.record({
        attemptId: a.attemptId,
        kind: 'accepted',
        at: now,
        providerCallId: verdict.providerCallId,
      });
      if (verdict.answeredAt !== undefined) {
        await ctx.recorder.record({
          attemptId: a.attemptId,
          kind: 'answered',
          at: verdict.answeredAt,
        });
      }
      // Its events died with the worker that placed it: ask again soon, not at the deadline.
      if (local)
        await checkAttemptsAt(rt.db, [{ attemptId: a.attemptId, at: now + times.marginMs }]);
      ctx.log.info({ ...ids, state }, 'lost attempt adopted: its provider has the call');
      return;
    }
    case 'settle':
    case 'lost': {
      const recorded = await ctx.recorder.record({
        attemptId: a.attemptId,
        kind: 'ended',
        ending:
          verdict.kind === 'settle'
            ? { kind: 'carrier', end: { ...verdict.end, reconciled: true } }
            : { kind: 'lost', at: now },
      });
      if (recorded.status === 'ended') {
        ctx.log.info(
          { ...ids, state, reason: recorded.reason, reconciled: verdict.kind === 'settle' },
          'lost attempt settled',
        );
      }
      return;
    }
  }
}

/**
 * One recovery pass over every attempt due now. `startup` (embedded PostgreSQL, the first pass in
 * this process): every open attempt not held by an engine of this process belongs to a process
 * that died, so it is due at once (claimed and placing ones, and the in_call attempts of
 * providers whose events died with that process). Returns how many attempts it took.
 */
export async function recoverAttempts(
  ctx: MaintenanceContext,
  opts: { startup?: boolean } = {},
): Promise<number> {
  const { rt } = ctx;
  const localProviders = ctx.providers
    .all()
    .filter((p) => p.capabilities.localEvents)
    .map((p) => p.name);
  if (opts.startup) {
    const now = rt.clock.now();
    const orphans = await txWithRetry(rt.db, (q) =>
      dueAfterRestart(q, { now, liveOwners: ctx.liveOwners(), localProviders }),
    );
    if (orphans > 0)
      ctx.log.info({ attempts: orphans }, 'attempts left by a previous process: recovering now');
  }
  let handled = 0;
  for (;;) {
    const now = rt.clock.now();
    const taken = await txWithRetry(rt.db, (q) =>
      takeDueAttempts(q, {
        now,
        holdUntil: now + rt.config.leaseMs,
        limit: BATCH,
        liveOwners: ctx.liveOwners(),
      }),
    );
    for (const a of taken) {
      engineMetrics(rt).recoveries.inc({ state: a.state });
      try {
        await recoverOne(ctx, a);
      } catch (err) {
        ctx.log.error(
          { err, jobId: a.callId, attemptId: a.attemptId },
          'could not recover an attempt; will try again',
        );
      }
    }
    handled += taken.length;
    if (taken.length < BATCH) return handled;
  }
}

export const attemptRecovery: MaintenanceTask = {
  name: 'attempt-recovery',
  everyMs: (rt) => Math.max(rt.config.pollMs, Math.min(rt.config.leaseMs / 2, 15_000)),
  runsAtStart: true,
  async run(ctx, pass) {
    await recoverAttempts(ctx, { startup: pass.firstInProcess && ctx.rt.db.kind === 'pglite' });
  },
};
