import { type CallingWindow, nextWindowStart } from './calling-window.js';

// The window a call may actually be placed in (API extensions §19 "legal floor"): the
// workspace's calling window for every call through a real carrier connection, narrowed by the
// batch's own window when it has one. The two may be read in different zones (a batch window in
// "America/New_York", the floor in the recipient's zone), so the intersection is not one window
// of the same shape: it is kept as the list of windows that must all be open at once.

/** The workspace's floor when it was never changed: 08:00–21:00 every day, recipient's time. */
export const DEFAULT_FLOOR: CallingWindow = Object.freeze({
  timezone: 'recipient',
  days: Object.freeze([1, 2, 3, 4, 5, 6, 7]) as number[],
  start: '08:00',
  end: '21:00',
});

/** A window with the zone it is read in for one call. */
export interface ZonedWindow {
  window: CallingWindow;
  timeZone: string;
}

/** The zone a window is read in for a call whose recipient's zone is `recipientZone`. */
export function windowZone(w: CallingWindow, recipientZone: string): string {
  return w.timezone === 'recipient' ? recipientZone : w.timezone;
}

/**
 * Every window one call must be inside: the batch's (if any) and, for a real-carrier call, the
 * floor. Simulator calls reach nobody, so only their batch's window applies.
 */
export function effectiveWindows(opts: {
  batch?: CallingWindow | undefined;
  /** The workspace's floor; undefined when the call reaches nobody (simulator). */
  floor?: CallingWindow | undefined;
  recipientZone: string;
}): ZonedWindow[] {
  const out: ZonedWindow[] = [];
  for (const w of [opts.floor, opts.batch]) {
    if (w !== undefined) out.push({ window: w, timeZone: windowZone(w, opts.recipientZone) });
  }
  return out;
}

/**
 * How far ahead one search looks for a moment when every window is open. A week repeats the
 * pattern of weekly windows in fixed offsets; a day more covers a DST change inside that week.
 */
export const COMMON_OPENING_SEARCH_MS = 8 * 86_400_000;

/**
 * `at` itself when every window is open then, else the first instant after it when they all
 * are. Each step jumps to the next opening of a window that is closed, so no common instant is
 * ever skipped. When the windows share no moment within the search span (e.g. a batch window of
 * 21:00–23:00 under a floor ending at 21:00) the answer is the first instant past the span at
 * which one of them opens: nothing before it is common, and the call is looked at again then.
 */
export function nextCommonOpening(windows: readonly ZonedWindow[], at: number): number {
  const limit = at + COMMON_OPENING_SEARCH_MS;
  let t = at;
  for (;;) {
    let moved = false;
    for (const { window, timeZone } of windows) {
      const opens = nextWindowStart(window, timeZone, t);
      if (opens > t) {
        t = opens;
        moved = true;
      }
    }
    if (!moved || t > limit) return t;
  }
}

/** True when every window is open at `at`. */
export function isInsideAll(windows: readonly ZonedWindow[], at: number): boolean {
  return nextCommonOpening(windows, at) === at;
}
