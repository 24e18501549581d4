// Pages of batches and of a batch's calls, as tables with a line saying where the page is.
import type { BatchListAnswer, CallsAnswer } from './api-types.js';
import { renderTable } from './table.js';
import { formatDuration, formatInstant } from './time-format.js';

interface Paging {
  page: number;
  totalPages: number;
  total: number;
  hasNext: boolean;
}

/** `page 2 of 8 · 150 calls · next: --page 3` */
function pagingLine(p: Paging, noun: string): string {
  const parts = [`page ${p.page} of ${Math.max(1, p.totalPages)}`, `${p.total} ${noun}`];
  if (p.hasNext) parts.push(`next: --page ${p.page + 1}`);
  return `${parts.join(' · ')}\n`;
}

/** `outdial batch list` on a terminal. */
export function batchListView(a: BatchListAnswer, columns: number): string {
  if (a.pagination.total === 0) return 'No batches.\n';
  const rows = a.batches.map((b) => [
    b.id,
    b.status === 'cancelled' && !b.isComplete ? 'cancelling' : b.status,
    String(b.totalCalls),
    formatInstant(b.createdAt),
    b.scheduledAt === undefined ? '' : formatInstant(b.scheduledAt),
    b.name ?? '',
  ]);
  const table = renderTable(
    [
      { header: 'BATCH' },
      { header: 'STATUS' },
      { header: 'CALLS', align: 'right' },
      { header: 'CREATED' },
      { header: 'SCHEDULED' },
      { header: 'NAME', shrink: true },
    ],
    rows,
    columns,
  );
  return table + pagingLine(a.pagination, 'batches');
}

/** `outdial batch calls ID` on a terminal. */
export function callsView(a: CallsAnswer, columns: number): string {
  const s = a.summary;
  const summary =
    `${s.total} calls: ${s.completed} completed, ${s.failed} failed, ${s.cancelled} cancelled, ` +
    `${s.active} active, ${s.waiting} waiting\n`;
  if (a.calls.length === 0) return `No calls on this page.\n${summary}`;
  const rows = a.calls.map((c) => [
    c.jobId,
    c.status,
    c.phone_number,
    String(c.attempts),
    c.startTime === undefined ? '' : formatInstant(c.startTime),
    c.duration === undefined ? '' : formatDuration(c.duration * 1000),
    c.error ?? '',
  ]);
  const table = renderTable(
    [
      { header: 'JOB' },
      { header: 'STATUS' },
      { header: 'PHONE' },
      { header: 'ATTEMPTS', align: 'right' },
      { header: 'STARTED' },
      { header: 'DURATION', align: 'right' },
      { header: 'ERROR', shrink: true },
    ],
    rows,
    columns,
  );
  return table + pagingLine(a.pagination, 'matching') + summary;
}
