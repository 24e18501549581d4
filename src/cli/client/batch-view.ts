// One batch for a person: its status page, the answer to starting it, the answer to cancelling it.
import type { BatchCreatedAnswer, BatchStatusAnswer, CancelAnswer } from './api-types.js';
import { finishedCount, progressLine, progressState, stateLabel } from './progress-view.js';
import { issueLines } from './row-issues-view.js';
import { renderTable } from './table.js';
import { callsPerMinute } from './throughput.js';
import { formatDuration, formatInstant } from './time-format.js';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The command that follows a batch, as printed in hints. */
export const followHint = (batchId: string) => `outdial batch status ${batchId} --follow`;

/** The finished calls of `recent_calls` as a table: when, how long, or why not. */
function recentCallsTable(b: BatchStatusAnswer, columns: number): string {
  const rows = b.progress.recent_calls.map((c) => {
    const at = c.completedAt ?? c.failedAt ?? c.cancelledAt;
    const detail =
      c.status === 'completed' ? formatDuration((c.duration ?? 0) * 1000) : (c.error ?? '');
    return [c.jobId, c.status, c.phone_number, at === undefined ? '' : formatInstant(at), detail];
  });
  return renderTable(
    [
      { header: 'JOB' },
      { header: 'STATUS' },
      { header: 'PHONE' },
      { header: 'ENDED' },
      { header: 'DURATION / ERROR', shrink: true },
    ],
    rows,
    columns,
  );
}

/** `outdial batch status ID` on a terminal. */
export function batchStatusView(b: BatchStatusAnswer, columns: number): string {
  const state = progressState(b);
  const p = b.progress;
  const field = (label: string, value: string) => `  ${label.padEnd(10)}${value}\n`;
  let text = `Batch ${b.id}${b.name ? `  "${b.name}"` : ''}\n`;
  text += field('status', stateLabel(state) ?? b.status);
  text += field('agent', b.agentId);
  text += field('created', formatInstant(b.createdAt));
  if (b.scheduledAt !== undefined) text += field('scheduled', formatInstant(b.scheduledAt));
  if (p.startTime !== undefined) text += field('started', formatInstant(p.startTime));
  if (p.completedTime !== null) text += field('finished', formatInstant(p.completedTime));
  // One answer is one sample: the rate is the average since the first dial.
  const rate = callsPerMinute([{ at: state.at, finished: finishedCount(state) }], p.startTime);
  text += field('progress', progressLine(state, rate, columns - 12, false));
  text += field('waiting', String(p.waiting));
  if (p.completed > 0) text += field('avg call', formatDuration(p.averageCallDuration * 1000));
  if (p.recent_calls.length > 0) {
    text += `\nLatest finished calls:\n${recentCallsTable(b, columns)}`;
  }
  if (!b.isComplete) text += `\nFollow it: ${followHint(b.id)}\n`;
  return text;
}

/** `outdial batch start` on a terminal: what was created, what was left out, what to look at. */
export function batchCreatedView(
  a: BatchCreatedAnswer,
  opts: { replayed: boolean; following: boolean },
): string {
  const when = a.scheduledAt !== undefined ? `, dialing from ${formatInstant(a.scheduledAt)}` : '';
  let text = `Batch ${a.batchId} ${a.status}: ${plural(a.totalCalls, 'call')}${when}\n`;
  if (opts.replayed) {
    text += '  (already started with this idempotency key: this is that batch, nothing new)\n';
  }
  const section = (
    title: (n: number) => string,
    issues: BatchCreatedAnswer['warnings'],
    total?: number,
  ) => {
    if (!issues || issues.length === 0) return;
    const count = total ?? issues.length;
    text += `${title(count)}:\n${issueLines(issues, count)
      .map((l) => `  ${l}\n`)
      .join('')}`;
  };
  section((n) => `Skipped ${plural(n, 'row')}`, a.skippedRows, a.skippedCount);
  section((n) => plural(n, 'warning'), a.warnings);
  if (!opts.following) text += `Follow it: ${followHint(a.batchId)}\n`;
  return text;
}

/** `outdial batch cancel ID` on a terminal. */
export function batchCancelledView(a: CancelAnswer): string {
  const d = a.details;
  const finishing =
    d.activeCalls > 0 ? `; ${plural(d.activeCalls, 'call')} in progress will finish` : '';
  return (
    `Batch ${a.batchId} cancelled: ${plural(d.cancelledCalls, 'call')} will not be dialed` +
    `${finishing}\n  so far ${d.completedCalls} completed, ${d.failedCalls} failed, of ` +
    `${plural(d.totalCalls, 'call')}\n`
  );
}
