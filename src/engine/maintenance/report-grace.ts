import { dueReportWaits, endAfterWait } from '../../storage/transitions/report-wait.js';
import type { MaintenanceContext, MaintenanceTask } from './task.js';

// Ext §21, the end of the grace wait: an answered call whose agent did not report within
// OUTDIAL_AGENT_REPORT_GRACE_MS of the carrier's end completes with outcome `unknown`, or ends as
// agent_unreachable when it never reached the agent (src/domain/report-grace.ts). The deadline is
// on the attempt row, so a restart or a new leader finds it; the end goes through the recording
// path, which ignores an attempt that a report ended meanwhile.

const BATCH = 100;

/** One pass: ends every wait that is over now. Returns how many it ended. */
export async function endReportWaits(ctx: MaintenanceContext): Promise<number> {
  let handled = 0;
  for (;;) {
    const due = await dueReportWaits(ctx.rt.db, ctx.rt.clock.now(), BATCH);
    const recorded = await Promise.all(
      due.map((w) =>
        ctx.recorder.record({
          attemptId: w.attemptId,
          kind: 'ended',
          ending: { kind: 'carrier', end: endAfterWait(w) },
        }),
      ),
    );
    const ended = recorded.filter((r) => r.status === 'ended').length;
    handled += ended;
    if (ended > 0) ctx.onFreed();
    // A wait the recorder could not end (abandoned at shutdown) stays due for the next pass.
    if (due.length < BATCH || ended === 0) return handled;
  }
}

export const reportGrace: MaintenanceTask = {
  name: 'report-grace',
  // A job waiting here holds a slot: it is freed within a sixth of the grace period after its
  // deadline (at most 15 s, never more often than the dispatchers poll).
  everyMs: (rt) => Math.max(rt.config.pollMs, Math.min(rt.config.agentReportGraceMs / 6, 15_000)),
  runsAtStart: true,
  async run(ctx) {
    await endReportWaits(ctx);
  },
};
