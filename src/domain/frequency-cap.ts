// The workspace's frequency cap (§19) as the claim applies it: no rolling `periodMs` may hold
// more than `maxAttempts` attempts to one number. Only calls the carrier accepted are attempts
// (§19 "What counts as an attempt"). An attempt still claimed or placing may yet be accepted, so
// it holds its place in the window — otherwise two claims could both take the last one — but only
// until its fate is known: if it is handed back (a pause, the carrier's own rate limit), it was
// never an attempt, and a call it held back must not wait out a whole period for it.

/**
 * The least a call held back by a pending start waits: a lease already past (recovery behind)
 * must not make the claim take and defer the same call over and over.
 */
export const PENDING_RECHECK_MS = 1_000;

/** One start that counts against a number's cap. */
export interface CountedStart {
  /** Its start slot (ms). */
  at: number;
  /**
   * Set while the carrier has not accepted it (claimed or placing): by when it is accepted,
   * handed back or looked at by recovery (its lease's expiry). Absent once accepted.
   */
  pendingUntil?: number;
}

/**
 * When a start at `slot` would break the cap, the moment to look again: once enough accepted
 * starts have left the window (t + period <= moment), or sooner, when a start still pending
 * is settled and may turn out not to be an attempt. Undefined when it may start.
 */
export function capFreeAt(
  starts: readonly CountedStart[],
  slot: number,
  maxAttempts: number,
  periodMs: number,
): number | undefined {
  const inWindow = starts.filter((s) => s.at > slot - periodMs).sort((a, b) => a.at - b.at);
  if (inWindow.length < maxAttempts) return undefined;
  // Whole milliseconds: run_at is stored as such, and later is always safe.
  const leaves = (counted: readonly CountedStart[]) =>
    counted.length < maxAttempts ? slot : counted[counted.length - maxAttempts]!.at + periodMs;
  const all = leaves(inWindow);
  const pending = inWindow.flatMap((s) =>
    s.pendingUntil === undefined ? [] : [Math.max(s.pendingUntil, slot + PENDING_RECHECK_MS)],
  );
  if (pending.length === 0) return Math.ceil(all);
  // Were the pending ones handed back, the accepted ones alone would free it then.
  const accepted = leaves(inWindow.filter((s) => s.pendingUntil === undefined));
  return Math.ceil(Math.min(all, Math.max(Math.min(...pending), accepted)));
}
