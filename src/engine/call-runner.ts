import type { Logger } from 'pino';
import type { DialRequest, DialResult } from '../providers/provider.js';
import { isAbortError } from '../providers/provider.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { Runtime } from '../runtime.js';
import { completeBatchIfDone } from '../storage/batch-completion-repo.js';
import { expireLease, extendLease, releaseUndialed } from '../storage/lease-repo.js';
import { addProgress } from '../storage/progress-repo.js';
import { txWithRetry } from '../storage/transaction-retry.js';
import type { ClaimedCall } from './claim.js';
import { engineMetrics } from './engine-metrics.js';
import { type AttemptEnding, endingReason, type FinishOutcome } from './finish.js';
import type { FinishQueue } from './finish-queue.js';

// Runs one claimed call outside any transaction: waits for its start slot, dials, heartbeats the
// lease while the call lasts, then finishes it in one transaction.
//
// Shutdown (decided here, documented in docs/state-machine.md):
// - `stopping` aborted before the dial began: nothing was dialed, so the claim is handed back
//   (the call is waiting again, its attempt row removed) and another worker dials it.
// - `abandon` aborted (the grace period ran out) during a dial: the call is NOT redialed and NOT
//   guessed. The runner stops watching and expires its lease, so a reaper reconciles the attempt
//   with the provider (lookup) or fails it "Attempt outcome unknown (worker lost)".

export interface RunnerContext {
  rt: Runtime;
  workerId: string;
  providers: ProviderRegistry;
  log: Logger;
  /** Stop was requested: do not start a dial that has not begun. */
  stopping: AbortSignal;
  /** The grace period is over: stop waiting for dials in progress. */
  abandon: AbortSignal;
  /** Where attempt ends are committed, in groups. */
  finishes: FinishQueue;
}

export type RunEnd =
  | { kind: 'finished'; outcome: FinishOutcome }
  | { kind: 'released' }
  | { kind: 'abandoned' }
  | { kind: 'lost' };

function dialRequest(call: ClaimedCall): DialRequest {
  return {
    attemptId: call.attemptId,
    callId: call.callId,
    attemptNo: call.attemptNo,
    phoneNumber: call.phoneNumber,
    ...(call.fromNumber === undefined ? {} : { fromNumber: call.fromNumber }),
    agent: call.agent,
    variables: call.variables,
    startedAt: call.startedAt,
  };
}

/** The ids every log line about a call carries: `jobId` is the API's name for a call. */
export const callLogIds = (call: ClaimedCall) => ({
  jobId: call.callId,
  attemptId: call.attemptId,
  batchId: call.batchId,
  workspaceId: call.workspaceId,
});

/** Extends the lease every heartbeatMs until `stop` aborts. */
async function heartbeat(ctx: RunnerContext, call: ClaimedCall, stop: AbortSignal): Promise<void> {
  const { rt } = ctx;
  while (!stop.aborted) {
    await rt.clock.sleep(rt.config.heartbeatMs, stop);
    if (stop.aborted) return;
    try {
      const held = await extendLease(
        rt.db,
        call.callId,
        ctx.workerId,
        call.attemptId,
        rt.clock.now() + rt.config.leaseMs,
      );
      if (!held) {
        ctx.log.warn(callLogIds(call), 'lease lost during a call; its result will be ignored');
        return;
      }
    } catch (err) {
      ctx.log.warn({ err, ...callLogIds(call) }, 'lease heartbeat failed; retrying');
    }
  }
}

async function handBack(ctx: RunnerContext, call: ClaimedCall): Promise<RunEnd> {
  const released = await txWithRetry(ctx.rt.db, async (q) => {
    const now = ctx.rt.clock.now();
    const r = await releaseUndialed(q, call.callId, ctx.workerId, call.attemptId, now);
    if (!r) return false;
    const delta = r.cancelled ? { active: -1, cancelled: 1 } : { active: -1, waiting: 1 };
    await addProgress(q, [{ batchId: r.batchId, delta }]);
    if (r.cancelled) await completeBatchIfDone(q, r.batchId, now);
    return true;
  }).catch((err) => {
    ctx.log.warn({ err, ...callLogIds(call) }, 'could not hand back an undialed call');
    return false;
  });
  return released ? { kind: 'released' } : { kind: 'lost' };
}

async function giveUp(ctx: RunnerContext, call: ClaimedCall): Promise<RunEnd> {
  const now = ctx.rt.clock.now();
  await expireLease(ctx.rt.db, call.callId, ctx.workerId, call.attemptId, now).catch(() => {});
  ctx.log.warn(callLogIds(call), 'shutdown grace over during a call; left to the reaper');
  return { kind: 'abandoned' };
}

/** Hands the end to the group-commit queue, which retries until it is recorded (or given up). */
async function finishDurably(
  ctx: RunnerContext,
  call: ClaimedCall,
  ending: AttemptEnding,
): Promise<RunEnd> {
  const handle = { callId: call.callId, attemptId: call.attemptId, owner: ctx.workerId };
  const outcome = await ctx.finishes.finish(handle, ending);
  if (outcome.status === 'abandoned') return { kind: 'abandoned' };
  if (outcome.status === 'finished') {
    const reason = endingReason(ending);
    engineMetrics(ctx.rt).attempts.inc({ reason });
    ctx.log.debug({ ...callLogIds(call), reason, step: outcome.step.kind }, 'attempt ended');
  }
  if (outcome.status === 'lost') {
    ctx.log.warn(callLogIds(call), 'lease lost before finishing; result ignored');
    return { kind: 'lost' };
  }
  return { kind: 'finished', outcome };
}

export async function runCall(ctx: RunnerContext, call: ClaimedCall): Promise<RunEnd> {
  const { rt } = ctx;
  const provider = ctx.providers.get(call.provider);
  if (!provider) {
    const error = `Telephony provider "${call.provider}" is not configured`;
    return finishDurably(ctx, call, { kind: 'unavailable', at: rt.clock.now(), error });
  }

  const wait = call.startedAt - rt.clock.now();
  if (wait > 0) await rt.clock.sleep(wait, ctx.stopping);
  if (ctx.stopping.aborted) return handBack(ctx, call);

  const beats = new AbortController();
  const beating = heartbeat(ctx, call, beats.signal);
  let result: DialResult;
  ctx.log.debug(callLogIds(call), 'dialing');
  const dialStarted = performance.now();
  try {
    result = await provider.dial(dialRequest(call), ctx.abandon);
  } catch (err) {
    if (ctx.abandon.aborted && isAbortError(err)) {
      beats.abort();
      await beating;
      return giveUp(ctx, call);
    }
    // A provider failure (not an answer from the network): retried like a transient error.
    ctx.log.warn({ err, ...callLogIds(call) }, 'provider dial failed');
    result = {
      reason: 'provider_error',
      endedAt: rt.clock.now(),
      errorMessage: err instanceof Error ? err.message : String(err),
    };
  } finally {
    beats.abort();
    engineMetrics(rt)
      .providerDuration.labels(provider.name, 'dial')
      .observe((performance.now() - dialStarted) / 1000);
  }
  await beating;
  return finishDurably(ctx, call, { kind: 'result', result });
}
