// Calling windows: the local days and hours a recipient may be called. Evaluated with the real zone
// rules (Intl), so daylight-saving changes move the window with the wall clock.

export interface CallingWindow {
  /** "recipient" (zone derived from the number, else the workspace's) or an IANA zone. */
  timezone: string;
  /** ISO weekdays: 1 = Monday … 7 = Sunday. */
  days: number[];
  /** "HH:MM", local. */
  start: string;
  /** "HH:MM", local; earlier than start means the window runs past midnight. "24:00" is midnight. */
  end: string;
}

type Parsed = { ok: true; value: CallingWindow } | { ok: false; message: string };

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function minutes(hhmm: string): number {
  if (hhmm === '24:00') return 1440;
  const m = HHMM.exec(hhmm)!;
  return Number(m[1]) * 60 + Number(m[2]);
}

export function parseCallingWindow(raw: unknown): Parsed {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, message: 'callingWindow must be a JSON object' };
  }
  const r = raw as Record<string, unknown>;
  const extra = Object.keys(r).filter((k) => !['timezone', 'days', 'start', 'end'].includes(k));
  if (extra.length > 0) return { ok: false, message: `Unknown callingWindow field: ${extra[0]}` };
  const timezone = r['timezone'] ?? 'recipient';
  if (typeof timezone !== 'string' || (timezone !== 'recipient' && !isValidTimeZone(timezone))) {
    return { ok: false, message: 'timezone must be "recipient" or an IANA time zone name' };
  }
  const days = r['days'] ?? [1, 2, 3, 4, 5, 6, 7];
  if (
    !Array.isArray(days) ||
    days.length === 0 ||
    days.some((d) => !Number.isInteger(d) || d < 1 || d > 7) ||
    new Set(days).size !== days.length
  ) {
    return {
      ok: false,
      message: 'days must be a non-empty list of distinct weekdays 1 (Monday) to 7',
    };
  }
  const { start, end } = r;
  if (typeof start !== 'string' || !HHMM.test(start)) {
    return { ok: false, message: 'start must be a time "HH:MM" (00:00 to 23:59)' };
  }
  if (typeof end !== 'string' || !(HHMM.test(end) || end === '24:00')) {
    return { ok: false, message: 'end must be a time "HH:MM" (00:01 to 24:00)' };
  }
  // 00:00–24:00 is the whole day: the way to lift a workspace's floor (§19) for every hour.
  if (minutes(start) === minutes(end)) {
    return { ok: false, message: 'start and end must differ' };
  }
  return { ok: true, value: { timezone, days: [...days].sort(), start, end } };
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  weekday: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      weekday: 'short',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

function localTime(zone: string, at: number): LocalTime & { second: number } {
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(at)) parts[p.type] = p.value;
  return {
    year: Number(parts['year']),
    month: Number(parts['month']),
    day: Number(parts['day']),
    weekday: WEEKDAYS[parts['weekday']!]!,
    minute: Number(parts['hour']) * 60 + Number(parts['minute']),
    second: Number(parts['second']),
  };
}

/** The zone's UTC offset (ms) at an instant. */
function offsetAt(zone: string, at: number): number {
  const l = localTime(zone, at);
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, 0, l.minute, l.second);
  return asUtc - Math.floor(at / 1000) * 1000;
}

/**
 * The instant a local wall time occurs in a zone. A wall time skipped by a DST jump resolves to
 * the first instant after the jump whose wall clock is at or past it.
 */
function instantOf(zone: string, year: number, month: number, day: number, minute: number): number {
  const wall = Date.UTC(year, month - 1, day, 0, minute);
  const candidates = [wall - offsetAt(zone, wall)];
  candidates.push(wall - offsetAt(zone, candidates[0]!));
  const exact = candidates.filter((c) => c + offsetAt(zone, c) === wall);
  if (exact.length > 0) return Math.min(...exact);
  // In a DST gap: the wall time never happens; the window opens when the clocks jump.
  return Math.min(...candidates.filter((c) => c + offsetAt(zone, c) > wall));
}

function inside(w: CallingWindow, l: LocalTime): boolean {
  const s = minutes(w.start);
  const e = minutes(w.end);
  const today = w.days.includes(l.weekday);
  if (s < e) return today && l.minute >= s && l.minute < e;
  const yesterday = w.days.includes(l.weekday === 1 ? 7 : l.weekday - 1);
  return (today && l.minute >= s) || (yesterday && l.minute < e);
}

/** True when `at` falls inside the window, read in `timeZone`. */
export function isInsideWindow(w: CallingWindow, timeZone: string, at: number): boolean {
  return inside(w, localTime(timeZone, at));
}

/** `at` itself when inside the window, else the epoch ms at which the window next opens. */
export function nextWindowStart(w: CallingWindow, timeZone: string, at: number): number {
  const now = localTime(timeZone, at);
  if (inside(w, now)) return at;
  const s = minutes(w.start);
  for (let d = 0; d <= 8; d++) {
    const date = new Date(Date.UTC(now.year, now.month - 1, now.day + d));
    const weekday = ((date.getUTCDay() + 6) % 7) + 1;
    if (!w.days.includes(weekday)) continue;
    const open = instantOf(
      timeZone,
      date.getUTCFullYear(),
      date.getUTCMonth() + 1,
      date.getUTCDate(),
      s,
    );
    if (open > at) return open;
  }
  throw new Error('calling window never opens'); // unreachable: days is non-empty
}
