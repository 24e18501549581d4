// Within a workspace, batches share capacity: each free slot goes to the batch with the fewest
// calls in progress (counting those picked in this claim), so a 100,000-row batch cannot hold back
// a 10-row batch that started after it for its whole run. Each batch's own calls keep their order.

export interface FairCandidate {
  batchId: string;
  runAt: number;
  seq: number;
}

/**
 * Orders candidates for dialing: repeatedly the next call of the batch with the least load
 * (active calls + calls already picked), ties going to the call that has waited longest.
 * `active` gives each batch's calls in progress (absent = 0).
 */
export function interleaveByBatch<T extends FairCandidate>(
  candidates: readonly T[],
  active: ReadonlyMap<string, number> = new Map(),
): T[] {
  const queues = new Map<string, { load: number; calls: T[]; next: number }>();
  const ordered = [...candidates].sort((a, b) => a.runAt - b.runAt || a.seq - b.seq);
  for (const c of ordered) {
    let q = queues.get(c.batchId);
    if (!q) {
      q = { load: active.get(c.batchId) ?? 0, calls: [], next: 0 };
      queues.set(c.batchId, q);
    }
    q.calls.push(c);
  }
  const out: T[] = [];
  while (out.length < ordered.length) {
    let best: { load: number; calls: T[]; next: number } | undefined;
    for (const q of queues.values()) {
      if (q.next >= q.calls.length) continue;
      const head = q.calls[q.next]!;
      if (
        !best ||
        q.load < best.load ||
        (q.load === best.load && head.runAt < best.calls[best.next]!.runAt)
      ) {
        best = q;
      }
    }
    out.push(best!.calls[best!.next++]!);
    best!.load++;
  }
  return out;
}
