import { interleaveByBatch } from '../domain/batch-fairness.js';
import { nextWindowStart } from '../domain/calling-window.js';
import { newId } from '../domain/ids.js';
import type { RowVariables } from '../domain/types.js';
import type { DialAgent } from '../providers/provider.js';
import type { Runtime } from '../runtime.js';
import {
  activateCalls,
  countActiveInWorkspace,
  type DueCall,
  deferCalls,
  insertAttempts,
  type LiveBatch,
  liveBatchesWithDueCalls,
  lockDueCalls,
  lockNextWorkspace,
  markBatchesProcessing,
  markWorkspaceServed,
} from '../storage/dispatch-repo.js';
import { addProgress } from '../storage/progress-repo.js';
import { txWithRetry } from '../storage/transaction-retry.js';
import { availableSlots, grantSlots, PACING_HORIZON_MS } from './pacing.js';

/** A call this worker now holds under lease, with everything its runner needs to dial. */
export interface ClaimedCall {
  callId: string;
  batchId: string;
  workspaceId: string;
  attemptId: string;
  attemptNo: number;
  /** The paced start slot: the runner dials at this time, not before. */
  startedAt: number;
  phoneNumber: string;
  variables: RowVariables;
  provider: string;
  agent: DialAgent;
  fromNumber?: string;
}

export interface ClaimResult {
  /** A workspace with due work was locked (even if nothing could be claimed from it). */
  workspaceId?: string;
  claimed: ClaimedCall[];
  /** When the calls found outside their calling window are due again (its next opening). */
  deferredUntil: number[];
}

/** When a call found due must wait for its calling window; undefined when it may be dialed now. */
function windowOpening(batch: LiveBatch, call: DueCall, now: number): number | undefined {
  const window = batch.config.callingWindow;
  if (call.timeZone === null || window === undefined) return undefined;
  const opens = nextWindowStart(window, call.timeZone, now);
  return opens > now ? opens : undefined;
}

/**
 * One claim: a short transaction that serves one workspace (see DESIGN §4). Returns the calls now
 * active under `workerId`'s lease; each must be run (or handed back) by the caller.
 */
export async function claimCalls(
  rt: Runtime,
  opts: { workerId: string; max: number },
): Promise<ClaimResult> {
  return txWithRetry(rt.db, async (q) => {
    const now = rt.clock.now();
    const ws = await lockNextWorkspace(q, now, PACING_HORIZON_MS);
    if (!ws) return { claimed: [], deferredUntil: [] };
    const result: ClaimResult = { workspaceId: ws.id, claimed: [], deferredUntil: [] };

    const active = await countActiveInWorkspace(q, ws.id);
    // Start slots begin no earlier than this count: a call that ended before it is not counted,
    // and its recorded end must not fall after the start of the attempt that takes its place.
    const slotsFrom = rt.clock.now();
    const want = Math.min(
      ws.maxConcurrentCalls - active,
      opts.max,
      availableSlots({
        pacingNextAt: ws.pacingNextAt,
        now: slotsFrom,
        callsPerSecond: ws.callsPerSecond,
      }),
    );
    const batches = want > 0 ? await liveBatchesWithDueCalls(q, ws.id, now) : [];
    const limits = batches
      .map((b) => ({
        batchId: b.id,
        limit: b.maxConcurrency === null ? want : Math.min(want, b.maxConcurrency - b.active),
      }))
      .filter((l) => l.limit > 0);
    const due = interleaveByBatch(
      await lockDueCalls(q, limits, now),
      new Map(batches.map((b) => [b.id, b.active])),
    );

    const byId = new Map(batches.map((b) => [b.id, b]));
    const ready: DueCall[] = [];
    const deferrals: Array<{ id: string; runAt: number }> = [];
    for (const call of due) {
      if (ready.length >= want) break;
      const opens = windowOpening(byId.get(call.batchId)!, call, now);
      if (opens === undefined) ready.push(call);
      else deferrals.push({ id: call.id, runAt: opens });
    }
    await deferCalls(q, deferrals);
    result.deferredUntil = deferrals.map((d) => d.runAt);

    const grant = grantSlots({
      pacingNextAt: ws.pacingNextAt,
      now: slotsFrom,
      callsPerSecond: ws.callsPerSecond,
      max: ready.length,
    });
    const taken = ready.slice(0, grant.slots.length);
    const items = taken.map((call, i) => ({
      call,
      callId: call.id,
      attemptId: newId('att', now),
      startedAt: grant.slots[i]!,
      leaseExpiresAt: grant.slots[i]! + rt.config.leaseMs,
    }));
    const attemptNos = items.length > 0 ? await activateCalls(q, opts.workerId, items) : new Map();
    const started = items.filter((i) => attemptNos.has(i.callId));
    await insertAttempts(
      q,
      started.map((i) => ({
        id: i.attemptId,
        callId: i.callId,
        batchId: i.call.batchId,
        workspaceId: ws.id,
        attemptNo: attemptNos.get(i.callId)!,
        workerId: opts.workerId,
        provider: byId.get(i.call.batchId)!.agent.provider,
        startedAt: i.startedAt,
      })),
    );

    const perBatch = new Map<string, { n: number; first: number }>();
    for (const i of started) {
      const b = perBatch.get(i.call.batchId);
      if (b) b.n++;
      else perBatch.set(i.call.batchId, { n: 1, first: i.startedAt });
    }
    await addProgress(
      q,
      [...perBatch].map(([batchId, b]) => ({ batchId, delta: { waiting: -b.n, active: b.n } })),
    );
    await markBatchesProcessing(
      q,
      [...perBatch].map(([batchId, b]) => ({ batchId, startTime: b.first })),
    );
    await markWorkspaceServed(q, ws.id, now, started.length > 0 ? grant.nextAt : ws.pacingNextAt);

    result.claimed = started.map((i) => {
      const agent = byId.get(i.call.batchId)!.agent;
      return {
        callId: i.callId,
        batchId: i.call.batchId,
        workspaceId: ws.id,
        attemptId: i.attemptId,
        attemptNo: attemptNos.get(i.callId)!,
        startedAt: i.startedAt,
        phoneNumber: i.call.phoneNumber,
        variables: i.call.variables,
        provider: agent.provider,
        agent: { id: agent.id, name: agent.name, greeting: agent.greeting, prompt: agent.prompt },
        ...(agent.fromNumber === null ? {} : { fromNumber: agent.fromNumber }),
      };
    });
    return result;
  });
}
