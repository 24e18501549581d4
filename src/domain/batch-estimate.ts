import type { CallingWindow } from './calling-window.js';
import { effectiveWindows, nextCommonOpening } from './effective-window.js';
import { type CountedStart, capFreeAt } from './frequency-cap.js';
import { type RetryPolicy, retryDelayMs } from './retry-policy.js';
import type { FrequencyCap } from './types.js';

// How long a batch would take (POST /batch-calls/estimate). The engine's own rules are replayed
// on expected values instead of being reduced to a formula, because what decides the duration is
// how they combine: the concurrency cap (calls in progress), pacing (starts per second), calling
// windows read in each row's zone, retries that come due minutes or days after their attempt,
// and the frequency cap. Every attempt lasts the mean call time; a share `retryRate` of the
// attempts at each attempt number is dialed again (spread evenly over the rows, so the last rows
// get their share of retries as in a real run); due work is taken earliest run time first, then
// in file order, as the claim does. The batch is assumed to have the workspace's limits to itself.

export interface EstimateModel {
  /** When dialing may begin: scheduledAt, else now (ms). */
  start: number;
  /** Per dialable row, in file order: the recipient's zone; null when no window applies. */
  zones: readonly (string | null)[];
  callingWindow?: CallingWindow;
  /** The workspace's legal floor (§19), for an agent that calls through a real carrier. */
  floor?: CallingWindow;
  /** The calls that may be in progress at once (the workspace's cap, narrowed by the batch's). */
  maxConcurrentCalls: number;
  callsPerSecond: number;
  /** Seconds one attempt holds its slot, from dial to hang-up. */
  meanCallSec: number;
  /** Share (0–1) of attempts whose ending the retry policy dials again. */
  retryRate: number;
  policy: RetryPolicy;
  frequencyCap?: FrequencyCap | null;
}

export interface RunEstimate {
  /** The first dial (ms); absent when there is nothing to dial. */
  start?: number;
  /** When the last attempt ends (ms); absent when there is nothing to dial. */
  finish?: number;
  /** finish − start, whole seconds (0 when there is nothing to dial). */
  durationSec: number;
  /** Attempts expected in all, retries included. */
  attempts: number;
}

interface Due {
  runAt: number;
  seq: number;
  attemptNo: number;
}

const earlier = (a: Due, b: Due) => a.runAt < b.runAt || (a.runAt === b.runAt && a.seq < b.seq);

/** A binary min-heap of due work, by run time then file order. */
class DueQueue {
  readonly #items: Due[] = [];
  get size() {
    return this.#items.length;
  }
  peek(): Due | undefined {
    return this.#items[0];
  }
  push(d: Due): void {
    const a = this.#items;
    a.push(d);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!earlier(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): Due | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && earlier(a[l]!, a[m]!)) m = l;
        if (r < a.length && earlier(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

const MINUTE_MS = 60_000;

/**
 * When a zone's window next opens at `at` (`at` itself when open). Window edges fall on whole
 * local minutes and zone offsets are whole minutes, so the answer holds for the whole UTC minute:
 * it is remembered per zone and minute, and a large batch asks Intl once per minute, not per row.
 */
function windowOpenings(batch: CallingWindow | undefined, floor: CallingWindow | undefined) {
  const known = new Map<string, number>();
  return (zone: string, at: number): number => {
    const key = `${zone}|${Math.floor(at / MINUTE_MS)}`;
    let opens = known.get(key);
    if (opens === undefined) {
      const windows = effectiveWindows({ batch, floor, recipientZone: zone });
      const next = nextCommonOpening(windows, at);
      opens = next === at ? -1 : next;
      known.set(key, opens);
    }
    return opens === -1 ? at : opens;
  };
}

/**
 * Whether the n-th attempt (0-based) ending at one attempt number is dialed again: rounding the
 * running total of `rate`, so exactly round(n × rate) of the first n are, spread evenly.
 */
const isRetried = (n: number, rate: number) =>
  Math.floor((n + 1) * rate + 0.5) > Math.floor(n * rate + 0.5);

interface ZoneQueue {
  zone: string | null;
  due: DueQueue;
  /** Closed until then: every call of the zone waits for the opening, as the claim defers them. */
  closedUntil: number;
}

/** The queue whose next call is due first (its window's opening counted), file order on ties. */
function nextQueue(queues: readonly ZoneQueue[]): { q: ZoneQueue; at: number } | undefined {
  let best: { q: ZoneQueue; at: number } | undefined;
  for (const q of queues) {
    const head = q.due.peek();
    if (!head) continue;
    const at = Math.max(head.runAt, q.closedUntil);
    if (!best || at < best.at || (at === best.at && head.seq < best.q.due.peek()!.seq)) {
      best = { q, at };
    }
  }
  return best;
}

export function estimateRun(m: EstimateModel): RunEstimate {
  const concurrency = Math.max(1, Math.floor(m.maxConcurrentCalls));
  const spacingMs = 1000 / Math.max(1, m.callsPerSecond);
  const callMs = Math.max(0, m.meanCallSec) * 1000;
  const rate = Math.min(1, Math.max(0, m.retryRate));
  const maxAttempts = Math.max(1, m.policy.maxAttempts);
  const opensAt = m.callingWindow || m.floor ? windowOpenings(m.callingWindow, m.floor) : undefined;
  const cap = m.frequencyCap && m.frequencyCap.maxAttempts < maxAttempts ? m.frequencyCap : null;
  const capPeriodMs = cap ? cap.periodHours * 3_600_000 : 0;
  const startsOf = new Map<number, CountedStart[]>();

  // One queue per zone: a closed window holds back its whole zone at once, however many rows
  // wait in it, instead of deferring them one by one.
  const byZone = new Map<string | null, ZoneQueue>();
  m.zones.forEach((zone, seq) => {
    const key = opensAt ? zone : null;
    let q = byZone.get(key);
    if (!q) {
      q = { zone: key, due: new DueQueue(), closedUntil: m.start };
      byZone.set(key, q);
    }
    q.due.push({ runAt: m.start, seq, attemptNo: 1 });
  });
  const queues = [...byZone.values()];
  // Ends of the attempts in start order: with one call length they also end in that order, so
  // the k-th start waits for the end of the (k − concurrency)-th.
  const ends: number[] = [];
  /** Attempts made so far, by attempt number: what spreads the retries evenly. */
  const made: number[] = [];
  let lastStart = Number.NEGATIVE_INFINITY;
  let first: number | undefined;
  let finish = m.start;

  for (;;) {
    const next = nextQueue(queues);
    if (!next) break;
    const { q } = next;
    const slotFree = ends.length >= concurrency ? ends[ends.length - concurrency]! : m.start;
    const at = Math.max(next.at, lastStart + spacingMs, slotFree);
    const opens = opensAt && q.zone !== null ? opensAt(q.zone, at) : at;
    if (opens > at) {
      q.closedUntil = opens;
      continue;
    }
    const due = q.due.pop()!;
    const earlierStarts = cap ? startsOf.get(due.seq) : undefined;
    const free =
      cap && earlierStarts
        ? capFreeAt(earlierStarts, Math.ceil(at), cap.maxAttempts, capPeriodMs)
        : undefined;
    if (free !== undefined) {
      q.due.push({ ...due, runAt: free });
      continue;
    }
    if (cap) startsOf.set(due.seq, [...(earlierStarts ?? []), { at }]);
    lastStart = at;
    first ??= at;
    const end = at + callMs;
    ends.push(end);
    finish = Math.max(finish, end);
    const n = made[due.attemptNo] ?? 0;
    made[due.attemptNo] = n + 1;
    if (due.attemptNo < maxAttempts && isRetried(n, rate)) {
      const runAt = end + retryDelayMs(m.policy, due.attemptNo);
      q.due.push({ runAt, seq: due.seq, attemptNo: due.attemptNo + 1 });
    }
  }
  if (first === undefined) return { durationSec: 0, attempts: 0 };
  const start = Math.round(first);
  const end = Math.round(finish);
  return {
    start,
    finish: end,
    durationSec: Math.round((end - start) / 1000),
    attempts: ends.length,
  };
}
