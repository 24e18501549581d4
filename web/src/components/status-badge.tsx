import type { BatchStatus, CallState } from '../api/types';
import { humanize } from '../format';

const LABELS: Record<string, string> = {
  queued: 'Queued',
  processing: 'Running',
  paused: 'Paused',
  completed: 'Completed',
  cancelled: 'Cancelled',
  failed: 'Failed',
  waiting: 'Waiting',
  active: 'On a call',
};

export function StatusBadge({ status }: { status: BatchStatus | CallState }) {
  return <span class={`badge badge-${status}`}>{LABELS[status] ?? humanize(status)}</span>;
}
