// When each new call is first due (§1, §17 append): at the batch's start, moved to the next
// opening of its effective window — the batch's own, narrowing the workspace's legal floor (§19)
// when its agent places calls through a real carrier. Every call keeps its recipient's zone, so
// the claim reads the floor in it whatever windows the batch has.
import type { CallingWindow } from '../domain/calling-window.js';
import { effectiveWindows, nextCommonOpening } from '../domain/effective-window.js';
import type { Agent, Workspace } from '../domain/types.js';
import type { CallTiming } from './call-rows.js';
import { recipientZoneOf } from './number-zones.js';

export async function callTiming(opts: {
  workspace: Pick<Workspace, 'timezone' | 'callingWindow'>;
  agent: Pick<Agent, 'connectionId'>;
  /** The batch's own window, frozen in its config. */
  window: CallingWindow | undefined;
  /** When its calls are due but for their windows (now, or the batch's scheduledAt). */
  start: number;
  now: number;
}): Promise<CallTiming> {
  const floor = opts.agent.connectionId === undefined ? undefined : opts.workspace.callingWindow;
  const zoneOf = await recipientZoneOf(opts.workspace.timezone);
  return {
    now: opts.now,
    dueAt: opts.start,
    zoneOf,
    runAtIn: (zone) =>
      nextCommonOpening(
        effectiveWindows({ batch: opts.window, floor, recipientZone: zone }),
        opts.start,
      ),
  };
}
