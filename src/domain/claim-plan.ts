import type { CallingWindow } from './calling-window.js';
import { effectiveWindows, nextCommonOpening } from './effective-window.js';
import { type CountedStart, capFreeAt } from './frequency-cap.js';
import { type PacingBucket, SlotGranter } from './pacing.js';

// The decisions of one claim, without a database: how many calls to lock from each batch of the
// workspace being served, then which of the locked calls start, at which paced slots, and which
// wait for their calling window. The claim transaction (src/engine/claim.ts) only reads what
// this needs and writes what it decides.

export interface PlanBatch {
  id: string;
  /** The batch's own cap on calls in progress; null when it has none. */
  maxConcurrency: number | null;
  /** Its calls in progress now. */
  active: number;
  callingWindow?: CallingWindow;
  /** The workspace's legal floor (§19), when its calls go through a real carrier. */
  floor?: CallingWindow;
  /** The carrier-account buckets its calls pass through besides the workspace's. */
  bucketKeys: readonly string[];
}

export interface ClaimLimits {
  /** Calls this claim may start at most. */
  want: number;
  /** How many due calls to lock per batch (batches that may start none are left out). */
  perBatch: Array<{ batchId: string; limit: number }>;
}

/** Step 1: what the workspace, each batch, the claim's size and the pacing horizon allow. */
export function claimLimits(opts: {
  maxConcurrentCalls: number;
  activeInWorkspace: number;
  /** The most calls one claim transaction takes. */
  maxClaim: number;
  /** Slots the workspace's bucket has left within the horizon. */
  slotsAvailable: number;
  batches: readonly PlanBatch[];
}): ClaimLimits {
  const want = Math.max(
    0,
    Math.min(opts.maxConcurrentCalls - opts.activeInWorkspace, opts.maxClaim, opts.slotsAvailable),
  );
  if (want === 0) return { want, perBatch: [] };
  const perBatch = opts.batches
    .map((b) => ({
      batchId: b.id,
      limit: b.maxConcurrency === null ? want : Math.min(want, b.maxConcurrency - b.active),
    }))
    .filter((l) => l.limit > 0);
  return { want, perBatch };
}

/**
 * Whether a claim left a concurrency limit full (the workspace's, or a batch's with calls due): then
 * a call of the workspace that ends frees a place a waiting call can take at once, and the engine
 * that claimed says so to every dispatcher. Otherwise an end frees nothing anyone waits for, and
 * waking every dispatcher for it costs a claim each (measured at 1,000 paced calls/s over three
 * workers: over one transaction per call).
 */
export function fillsCapacity(opts: {
  maxConcurrentCalls: number;
  activeInWorkspace: number;
  /** The batches with due calls, their calls in progress before this claim. */
  batches: ReadonlyArray<Pick<PlanBatch, 'id' | 'maxConcurrency' | 'active'>>;
  /** The batch of each call this claim started. */
  startedBatchIds: readonly string[];
}): boolean {
  if (opts.maxConcurrentCalls - opts.activeInWorkspace - opts.startedBatchIds.length <= 0) {
    return true;
  }
  const started = new Map<string, number>();
  for (const id of opts.startedBatchIds) started.set(id, (started.get(id) ?? 0) + 1);
  return opts.batches.some(
    (b) => b.maxConcurrency !== null && b.maxConcurrency - b.active - (started.get(b.id) ?? 0) <= 0,
  );
}

export interface DueCandidate {
  id: string;
  batchId: string;
  seq: number;
  runAt: number;
  /** The recipient's zone ("recipient" windows are read in it); null: unknown, read in UTC. */
  timeZone: string | null;
  /** E.164; what the frequency cap counts by. */
  phoneNumber?: string;
}

/** Why a call found due waits instead of starting (the job's `waitReason`, §19). */
export type DeferralReason = 'calling_window' | 'frequency_cap';

/**
 * The workspace's frequency cap (§19, see frequency-cap.ts). `recent` holds, per number, its
 * starts that still count (those after the earliest slot this claim may grant, minus the period);
 * starts granted in this claim are added as they are granted, pending for `leaseMs`.
 */
export interface CapCheck {
  maxAttempts: number;
  periodMs: number;
  leaseMs: number;
  recent: ReadonlyMap<string, readonly CountedStart[]>;
}

export interface ClaimPlan {
  /** Calls that start, in the order their slots were granted. */
  starts: Array<{ callId: string; batchId: string; startedAt: number }>;
  /** Calls that must wait: outside their calling window (due again at its next opening), or
   * over the frequency cap (due again when the window allows one more attempt). */
  deferrals: Array<{ callId: string; runAt: number; reason: DeferralReason }>;
  /** Every bucket's earliest next start after this claim. */
  buckets: Array<{ key: string; nextAt: number }>;
  /**
   * Calls ready to start were held back by a carrier account's bucket (shared with other
   * workspaces) while the workspace's own had slots left: the workspace keeps its place in line,
   * or the workspaces that drained the account first would be served first again, every time.
   */
  heldBackByCarrier: boolean;
}

/**
 * When a call found due must wait for its effective window (its batch's, narrowing the floor for
 * a real-carrier call); undefined when it may start now.
 */
function windowOpening(batch: PlanBatch, timeZone: string | null, now: number): number | undefined {
  if (batch.callingWindow === undefined && batch.floor === undefined) return undefined;
  const windows = effectiveWindows({
    batch: batch.callingWindow,
    floor: batch.floor,
    recipientZone: timeZone ?? 'UTC',
  });
  const opens = nextCommonOpening(windows, now);
  return opens > now ? opens : undefined;
}

/**
 * Step 2: the locked due calls, each started at a slot every one of its buckets allows, until
 * `want` have started. Slots are handed out earliest first; among batches that could start at the
 * same moment, the one with the fewest calls in progress (counting those started in this claim)
 * goes first, so a big batch does not hold back a small one. A batch held back by a carrier
 * account's bucket does not hold back the workspace's other batches. `now` is when the calls were
 * found due; `slotsFrom` is when the active calls were counted: no slot may begin before the count
 * it was granted against.
 */
export function planStarts(opts: {
  now: number;
  slotsFrom: number;
  want: number;
  workspaceBucket: string;
  buckets: readonly PacingBucket[];
  batches: readonly PlanBatch[];
  due: readonly DueCandidate[];
  horizonMs?: number;
  frequencyCap?: CapCheck;
}): ClaimPlan {
  const granter = new SlotGranter(opts.buckets, opts.slotsFrom, opts.horizonMs);
  const plan: ClaimPlan = { starts: [], deferrals: [], buckets: [], heldBackByCarrier: false };
  const queues = opts.batches.map((b) => ({
    batch: b,
    keys: [opts.workspaceBucket, ...b.bucketKeys],
    load: b.active,
    calls: opts.due
      .filter((c) => c.batchId === b.id)
      .sort((x, y) => x.runAt - y.runAt || x.seq - y.seq),
    next: 0,
  }));
  const known = new Set(opts.batches.map((b) => b.id));
  const stray = opts.due.find((c) => !known.has(c.batchId));
  if (stray) throw new Error(`due call ${stray.id} of an unknown batch ${stray.batchId}`);
  const cap = opts.frequencyCap;
  const startsTo = new Map<string, CountedStart[]>();
  if (cap) for (const [phone, ts] of cap.recent) startsTo.set(phone, [...ts]);
  const overCap = (call: DueCandidate, slot: number): number | undefined =>
    cap && call.phoneNumber !== undefined
      ? capFreeAt(startsTo.get(call.phoneNumber) ?? [], slot, cap.maxAttempts, cap.periodMs)
      : undefined;

  while (plan.starts.length < opts.want) {
    let best: { q: (typeof queues)[number]; slot: number } | undefined;
    for (const q of queues) {
      const slot = granter.peek(q.keys);
      // Calls outside their calling window wait for its opening, without a slot; a call whose
      // number has had its share of attempts waits until the oldest counted one leaves the window.
      while (q.next < q.calls.length) {
        const call = q.calls[q.next]!;
        const opens = windowOpening(q.batch, call.timeZone, opts.now);
        if (opens !== undefined) {
          plan.deferrals.push({ callId: call.id, runAt: opens, reason: 'calling_window' });
        } else {
          // The slot is in microseconds; the start it becomes is the whole millisecond at or after.
          const free = slot === undefined ? undefined : overCap(call, Math.ceil(slot / 1000));
          if (free === undefined) break;
          plan.deferrals.push({ callId: call.id, runAt: free, reason: 'frequency_cap' });
        }
        q.next++;
      }
      if (q.next >= q.calls.length) continue;
      if (slot === undefined) continue;
      const head = q.calls[q.next]!;
      if (
        !best ||
        slot < best.slot ||
        (slot === best.slot &&
          (q.load < best.q.load ||
            (q.load === best.q.load && head.runAt < best.q.calls[best.q.next]!.runAt)))
      ) {
        best = { q, slot };
      }
    }
    if (!best) break;
    const call = best.q.calls[best.q.next++]!;
    best.q.load++;
    const startedAt = granter.take(best.q.keys)!;
    plan.starts.push({ callId: call.id, batchId: call.batchId, startedAt });
    if (cap && call.phoneNumber !== undefined) {
      // Granted now, not yet accepted: it holds its place until its lease runs out at the latest.
      const granted = { at: startedAt, pendingUntil: startedAt + cap.leaseMs };
      const ts = startsTo.get(call.phoneNumber);
      if (ts) ts.push(granted);
      else startsTo.set(call.phoneNumber, [granted]);
    }
  }
  plan.buckets = opts.buckets.map((b) => ({ key: b.key, nextAt: granter.nextAt(b.key) }));
  plan.heldBackByCarrier =
    plan.starts.length < opts.want &&
    granter.peek([opts.workspaceBucket]) !== undefined &&
    queues.some((q) => q.next < q.calls.length && granter.peek(q.keys) === undefined);
  return plan;
}
