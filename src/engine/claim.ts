import type { AttemptRef } from '../domain/attempt.js';
import { type CapCheck, claimLimits, fillsCapacity, planStarts } from '../domain/claim-plan.js';
import { newId } from '../domain/ids.js';
import { PACING_CLAIM_AHEAD_MS, type PacingBucket, SlotGranter } from '../domain/pacing.js';
import type { Runtime } from '../runtime.js';
import type { Queryable } from '../storage/db.js';
import {
  countActiveInWorkspace,
  type DueCall,
  deferCalls,
  type LiveBatch,
  type LockedWorkspace,
  liveBatchesWithDueCalls,
  lockCarrierBuckets,
  lockDueCalls,
  lockNextWorkspace,
  markWorkspaceServed,
  saveCarrierBuckets,
} from '../storage/dispatch-repo.js';
import { recentStartsByNumber } from '../storage/frequency-cap-repo.js';
import { txWithRetry } from '../storage/transaction-retry.js';
import { cancelListedDueCalls } from '../storage/transitions/cancel.js';
import { startAttempts } from '../storage/transitions/claim.js';

// One claim: a short transaction that serves one workspace (see docs/architecture.md). It reads
// what the pure plan (src/domain/claim-plan.ts) needs, and writes what the plan decides.

/** The most calls one claim transaction takes (the loop claims again at once while work is due). */
export const MAX_CLAIM = 1_000;

/** An attempt this engine claimed: slot granted, carrier not asked yet. */
export interface ClaimedAttempt extends AttemptRef {
  batchId: string;
  workspaceId: string;
  /** The provider it is placed with (its agent's). */
  provider: string;
}

export interface ClaimResult {
  /** A workspace with due work was locked (even if nothing could be claimed from it). */
  workspaceId?: string;
  claimed: ClaimedAttempt[];
  /** When the calls found outside their calling window or over the frequency cap are due again. */
  deferredUntil: number[];
  /** The claim left a concurrency limit of the workspace full (see fillsCapacity). */
  capacityFull: boolean;
  /**
   * When a pacing bucket this claim drained grants a step of slots again (PACING_CLAIM_STEP_MS):
   * the claim that comes then can start more, so the dispatcher wakes for it instead of waiting
   * for the poll.
   */
  slotsFreeAt: number[];
}

/** The carrier account a provider paces, when it declares its own calls-per-second limit. */
export interface CarrierPacing {
  provider: string;
  account: string;
  callsPerSecond: number;
}

export interface ClaimOptions {
  workerId: string;
  /** Most attempts to claim now. */
  max: number;
  /** The account bucket of each provider name that has one. */
  carrierPacing?: (provider: string) => CarrierPacing | undefined;
}

const workspaceBucket = (id: string) => `workspace:${id}`;
const carrierBucket = (p: { provider: string; account: string }) =>
  `carrier:${p.provider}:${p.account}`;

function refOf(b: LiveBatch, callId: string, attemptId: string) {
  return { batchId: b.id, provider: b.agent.provider, callId, attemptId };
}

/**
 * The workspace's frequency cap with the recent starts of the due calls' numbers: those after
 * the earliest slot this claim can grant minus the period (no earlier start can share a window
 * with a slot granted now).
 */
async function capCheck(
  q: Queryable,
  ws: LockedWorkspace,
  due: readonly DueCall[],
  slotsFrom: number,
  leaseMs: number,
): Promise<CapCheck | undefined> {
  if (ws.frequencyCapMax === null || ws.frequencyCapHours === null || due.length === 0) {
    return undefined;
  }
  const periodMs = ws.frequencyCapHours * 3_600_000;
  const recent = await recentStartsByNumber(
    q,
    ws.id,
    due.map((c) => c.phoneNumber),
    Math.floor(slotsFrom) - periodMs,
  );
  return { maxAttempts: ws.frequencyCapMax, periodMs, leaseMs, recent };
}

export async function claimCalls(rt: Runtime, opts: ClaimOptions): Promise<ClaimResult> {
  return txWithRetry(rt.db, async (q) => {
    const now = rt.clock.now();
    const ws = await lockNextWorkspace(q, now, PACING_CLAIM_AHEAD_MS);
    if (!ws) return { claimed: [], deferredUntil: [], slotsFreeAt: [], capacityFull: false };
    const active = await countActiveInWorkspace(q, ws.id);
    // Start slots begin no earlier than this count: a call that ended before it is not counted,
    // and its recorded end must not fall after the start of the attempt that takes its place.
    const slotsFrom = rt.clock.now();
    const wsBucket: PacingBucket = {
      key: workspaceBucket(ws.id),
      callsPerSecond: ws.callsPerSecond,
      nextAt: ws.pacingNextAt,
    };
    const slotsAvailable = new SlotGranter([wsBucket], slotsFrom).available(wsBucket.key);
    const enough = Math.min(ws.maxConcurrentCalls - active, opts.max, slotsAvailable) > 0;
    const live = enough ? await liveBatchesWithDueCalls(q, ws.id, now) : [];

    // A connection's account (§21) paces its agent's calls; else the provider's own account.
    const pacingOf = (b: (typeof live)[number]): CarrierPacing | undefined =>
      b.carrierAccount
        ? { provider: b.agent.provider, ...b.carrierAccount }
        : opts.carrierPacing?.(b.agent.provider);
    const carriers = new Map<string, CarrierPacing>();
    for (const b of live) {
      const c = pacingOf(b);
      if (c) carriers.set(carrierBucket(c), c);
    }
    const carrierRows = await lockCarrierBuckets(q, [...carriers.values()]);
    const batches = live.map((b) => {
      const c = pacingOf(b);
      return {
        id: b.id,
        maxConcurrency: b.maxConcurrency,
        active: b.active,
        ...(b.config.callingWindow === undefined ? {} : { callingWindow: b.config.callingWindow }),
        // §19: the legal floor binds every call a real carrier places; simulator calls reach nobody.
        ...(b.realCarrier ? { floor: ws.callingWindow } : {}),
        bucketKeys: c ? [carrierBucket(c)] : [],
      };
    });

    const limits = claimLimits({
      maxConcurrentCalls: ws.maxConcurrentCalls,
      activeInWorkspace: active,
      maxClaim: opts.max,
      slotsAvailable,
      batches,
    });
    // Calls stored before every call kept its recipient's zone are read in the workspace's.
    const locked = (await lockDueCalls(q, limits.perBatch, now)).map((c) =>
      c.timeZone === null ? { ...c, timeZone: ws.timezone } : c,
    );
    // Numbers on the do-not-call list are never dialed: their calls end cancelled here.
    const listed = await cancelListedDueCalls(q, ws.id, locked, now);
    const due = listed.size === 0 ? locked : locked.filter((c) => !listed.has(c.id));
    const frequencyCap = await capCheck(q, ws, due, slotsFrom, rt.config.leaseMs);
    const plan = planStarts({
      now,
      slotsFrom,
      want: limits.want,
      workspaceBucket: wsBucket.key,
      buckets: [
        wsBucket,
        ...carrierRows.map((r) => ({
          key: carrierBucket(r),
          callsPerSecond: r.callsPerSecond,
          nextAt: r.nextAt,
        })),
      ],
      batches,
      due,
      ...(frequencyCap ? { frequencyCap } : {}),
    });

    await deferCalls(
      q,
      plan.deferrals.map((d) => ({ id: d.callId, runAt: d.runAt, reason: d.reason })),
    );
    const byBatch = new Map(live.map((b) => [b.id, b]));
    const byCall = new Map(due.map((c) => [c.id, c]));
    const started = await startAttempts(q, {
      workspaceId: ws.id,
      workerId: opts.workerId,
      leaseMs: rt.config.leaseMs,
      now,
      starts: plan.starts.map((s) => ({
        ...refOf(byBatch.get(s.batchId)!, s.callId, newId('att', now)),
        startedAt: s.startedAt,
      })),
    });
    const nextOf = new Map(plan.buckets.map((b) => [b.key, b.nextAt]));
    await saveCarrierBuckets(
      q,
      carrierRows.map((r) => ({ ...r, nextAt: nextOf.get(carrierBucket(r))! })),
    );
    await markWorkspaceServed(
      q,
      ws.id,
      // Held back by an account other workspaces share: first in line again next time.
      started.length === 0 && plan.heldBackByCarrier ? ws.lastServedAt : now,
      started.length > 0 ? nextOf.get(wsBucket.key)! : ws.pacingNextAt,
    );

    return {
      workspaceId: ws.id,
      capacityFull: fillsCapacity({
        maxConcurrentCalls: ws.maxConcurrentCalls,
        activeInWorkspace: active,
        batches,
        startedBatchIds: started.map((s) => s.batchId),
      }),
      deferredUntil: plan.deferrals.map((d) => d.runAt),
      slotsFreeAt: plan.buckets
        .map((b) => Math.ceil(b.nextAt - PACING_CLAIM_AHEAD_MS))
        .filter((t) => t > now),
      claimed: started.map((s): ClaimedAttempt => {
        const b = byBatch.get(s.batchId)!;
        const call = byCall.get(s.callId)!;
        return {
          attemptId: s.attemptId,
          callId: s.callId,
          attemptNo: s.attemptNo,
          batchId: s.batchId,
          workspaceId: ws.id,
          provider: s.provider,
          startedAt: s.startedAt,
          phoneNumber: call.phoneNumber,
          variables: call.variables,
          agent: {
            id: b.agent.id,
            name: b.agent.name,
            greeting: b.agent.greeting,
            prompt: b.agent.prompt,
          },
          ...(b.agent.fromNumber === null ? {} : { fromNumber: b.agent.fromNumber }),
        };
      }),
    };
  });
}
