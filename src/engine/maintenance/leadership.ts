import { LEADER_LOCK } from '../../storage/advisory-locks.js';
import type { Db } from '../../storage/db.js';
import type { MaintenanceContext, MaintenanceTask } from './task.js';

// One engine across every process leads: it holds LEADER_LOCK (a session advisory lock on a
// connection of its own) and runs the maintenance tasks; the others try again now and then. When
// the leader stops, or its connection is lost (its process died), the lock is released on the
// server and another engine takes over at its next try.

/** Databases on which a leader of this process has already run its first pass. */
const ledBefore = new WeakSet<Db>();

/** How often an engine that does not lead tries to, and the leader checks its lock still holds. */
export const leadershipRetryMs = (ctx: MaintenanceContext) =>
  Math.max(ctx.rt.config.pollMs, Math.min(ctx.rt.config.leaseMs / 2, 15_000));

async function runTask(
  ctx: MaintenanceContext,
  task: MaintenanceTask,
  stop: AbortSignal,
  first: boolean,
): Promise<void> {
  const { rt } = ctx;
  let firstInProcess = first;
  if (!task.runsAtStart) await rt.clock.sleep(task.everyMs(rt), stop);
  while (!stop.aborted) {
    try {
      await task.run(ctx, { firstInProcess });
    } catch (err) {
      ctx.log.warn({ err, task: task.name }, 'maintenance task failed; will run again');
    }
    firstInProcess = false;
    await rt.clock.sleep(task.everyMs(rt), stop);
  }
}

/** Runs until `stop` aborts: tries to lead, and runs `tasks` while it does. */
export async function leadMaintenance(
  ctx: MaintenanceContext,
  tasks: readonly MaintenanceTask[],
  stop: AbortSignal,
): Promise<void> {
  const { rt } = ctx;
  while (!stop.aborted) {
    const held = await rt.db.tryHoldLock(LEADER_LOCK).catch((err: unknown) => {
      ctx.log.debug({ err }, 'could not try for leadership');
      return undefined;
    });
    if (!held) {
      await rt.clock.sleep(leadershipRetryMs(ctx), stop);
      continue;
    }
    const first = !ledBefore.has(rt.db);
    ledBefore.add(rt.db);
    ctx.log.info('leading: running maintenance and attempt recovery');
    const leading = new AbortController();
    const onStop = () => leading.abort();
    stop.addEventListener('abort', onStop, { once: true });
    void held.lost.then(() => leading.abort());
    const running = tasks.map((t) => runTask(ctx, t, leading.signal, first));
    // A lock whose connection silently died is no lock: check it now and then.
    while (!leading.signal.aborted) {
      await rt.clock.sleep(leadershipRetryMs(ctx), leading.signal);
      if (!leading.signal.aborted && !(await held.alive())) leading.abort();
    }
    stop.removeEventListener('abort', onStop);
    await Promise.all(running);
    await held.release().catch(() => {});
    if (!stop.aborted) ctx.log.warn('lost leadership; trying to lead again');
  }
}
