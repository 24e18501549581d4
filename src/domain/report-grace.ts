import type { AttemptEnding, CarrierEnd } from './attempt-event.js';

// Ext §21, the agent-report grace rule. A real carrier reports that an answered call ended, but
// not what the conversation achieved: the user's agent reports that, usually just before it hangs
// up, sometimes just after. So an answered call whose report is not in yet when the carrier's end
// arrives is not finished: its attempt keeps the end aside and the job stays active (its slot
// held) until the report comes or the grace period has passed since the end. Then, without a
// report, it completes with outcome `unknown`, or — when the call never reached the agent — ends
// as agent_unreachable. Pure: storage keeps the deadline on the attempt row.

/**
 * Whether an ending waits for the agent's report: a carrier's answered end without an outcome.
 * A provider that plays the agent itself (the simulator) brings the outcome with its end.
 */
export function awaitsReport(
  ending: AttemptEnding,
): ending is { kind: 'carrier'; end: CarrierEnd } {
  return (
    ending.kind === 'carrier' &&
    ending.end.reason === 'answered' &&
    ending.end.outcome === undefined
  );
}

/** When a call whose carrier end is `end`, recorded at `now`, stops waiting for its report. */
export const reportDeadline = (end: CarrierEnd, now: number, graceMs: number): number =>
  Math.min(end.endedAt, now) + graceMs;

/** What the attempt knows of its bridge to the agent. */
export interface BridgeState {
  /** The bridge reports its fate (a stream's status callback, a SIP dial's action). */
  watched: boolean;
  startedAt: number | null;
  failedAt: number | null;
  error: string | null;
}

/**
 * The end of an answered call whose grace period passed without a report. A watched bridge that
 * never reported its start never reached the agent — unless the call's callbacks were lost
 * altogether (its end came from asking the carrier), when nothing says so.
 */
export function graceOverEnd(pending: CarrierEnd, bridge: BridgeState): CarrierEnd {
  const neverStarted = bridge.watched && pending.reconciled !== true;
  if (bridge.startedAt === null && (bridge.failedAt !== null || neverStarted)) {
    const { outcome: _o, transcript: _t, callbackAt: _c, ...end } = pending;
    return {
      ...end,
      reason: 'agent_unreachable',
      errorMessage:
        bridge.error ??
        (bridge.failedAt !== null
          ? 'The call never reached the agent'
          : 'The call never reached the agent: its bridge never started'),
    };
  }
  return { ...pending, outcome: 'unknown' };
}
