// How a followed batch looks: the one-line progress bar a terminal redraws, the line a log gets
// when something changed, and the closing summary. Pure: state in, text out.
import type { BatchStatusAnswer } from './api-types.js';
import { etaMs } from './throughput.js';
import { formatDuration, formatInstant } from './time-format.js';

export interface ProgressState {
  id: string;
  status: string;
  isComplete: boolean;
  total: number;
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  cancelled: number;
  scheduledAt?: number;
  startTime?: number;
  completedTime: number | null;
  /** Server time of the answer. */
  at: number;
}

export function progressState(b: BatchStatusAnswer): ProgressState {
  const p = b.progress;
  return {
    id: b.id,
    status: b.status,
    isComplete: b.isComplete,
    total: p.total,
    waiting: p.waiting,
    active: p.active,
    completed: p.completed,
    failed: p.failed,
    cancelled: p.cancelled ?? 0,
    ...(b.scheduledAt !== undefined && { scheduledAt: b.scheduledAt }),
    ...(p.startTime !== undefined && { startTime: p.startTime }),
    completedTime: p.completedTime,
    at: b.timestamp,
  };
}

/** Jobs that reached an end: completed, failed or cancelled. */
export const doneCount = (s: ProgressState) => s.completed + s.failed + s.cancelled;
/** Jobs that ended with a call outcome (what the rate counts; a cancel is not a call). */
export const finishedCount = (s: ProgressState) => s.completed + s.failed;

/**
 * What the batch is doing when that is not plain dialing: scheduled for later, cancelled with
 * calls still finishing, or any other status by name (`queued`, `paused`, one this client does
 * not know yet). Undefined while it is processing.
 */
export function stateLabel(s: ProgressState): string | undefined {
  if (s.status === 'processing') return undefined;
  if (s.status === 'queued' && s.scheduledAt !== undefined && s.scheduledAt > s.at) {
    return `scheduled for ${formatInstant(s.scheduledAt)}`;
  }
  if (s.status === 'cancelled' && !s.isComplete) return 'cancelling';
  return s.status;
}

const BAR_MAX = 30;
const BAR_MIN = 8;

/** `[█████░░░░░]` for `fraction` of `width` cells (brackets not counted). */
export function progressBar(fraction: number, width: number): string {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}]`;
}

const truncate = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;

/**
 * The terminal's progress line, at most `columns - 1` characters (a line that fills the last
 * column wraps on some terminals, and the redraw would then leave a copy behind). The bar shrinks
 * first, then goes; the text is cut last. `withLabel: false` leaves out the state label (for a
 * page that shows the status already).
 */
export function progressLine(
  s: ProgressState,
  perMinute: number | undefined,
  columns: number,
  withLabel = true,
): string {
  const max = Math.max(10, columns - 1);
  const counts = [`${doneCount(s)}/${s.total}`, `${s.completed} completed`, `${s.failed} failed`];
  if (s.cancelled > 0) counts.push(`${s.cancelled} cancelled`);
  counts.push(`${s.active} active`);
  if (perMinute !== undefined) counts.push(`${perMinute.toFixed(1)} calls/min`);
  if (!s.isComplete) {
    const eta = etaMs(s.waiting + s.active, perMinute);
    counts.push(`ETA ${eta === undefined ? '--:--' : formatDuration(eta)}`);
  }
  const label = withLabel ? stateLabel(s) : undefined;
  const text = counts.join(' · ');
  const prefix = label ? `${label} ` : '';
  const barWidth = Math.min(BAR_MAX, max - prefix.length - text.length - 3);
  const fraction = s.total === 0 ? 1 : doneCount(s) / s.total;
  const line =
    barWidth >= BAR_MIN ? `${prefix}${progressBar(fraction, barWidth)} ${text}` : prefix + text;
  return truncate(line, max);
}

/** The log line printed (without a terminal) each time something changed. */
export function changeLine(s: ProgressState): string {
  return (
    `${stateLabel(s) ?? s.status}: ${doneCount(s)}/${s.total} done (${s.completed} completed, ` +
    `${s.failed} failed, ${s.cancelled} cancelled), ${s.active} active, ${s.waiting} waiting`
  );
}

/** Two states print the same change line exactly when their keys are equal. */
export const changeKey = (s: ProgressState) => changeLine(s);

/** The last line of a follow: how the batch ended, and how long it dialed. */
export function summaryLine(s: ProgressState): string {
  const parts = [`${s.completed} completed`, `${s.failed} failed`];
  if (s.cancelled > 0) parts.push(`${s.cancelled} cancelled`);
  const took =
    s.startTime !== undefined && s.completedTime !== null
      ? ` in ${formatDuration(s.completedTime - s.startTime)}`
      : '';
  return `Batch ${s.id} ${s.status}: ${parts.join(', ')} of ${s.total} calls${took}`;
}
