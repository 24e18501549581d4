import type { BatchActivity } from '../api/types';
import { formatCount, humanize, label, percent } from '../format';
import type { Counts } from './progress-bar';

interface Row {
  key: string;
  label: string;
  n: number;
  tone: string;
}

// Conversations first, best first; then failures, cancellations and what is still to come.
const OUTCOME_ORDER = [
  'successful',
  'callback_requested',
  'voicemail',
  'unsuccessful',
  'opted_out',
];

function rows(counts: Counts, activity: BatchActivity | undefined): Row[] {
  const out: Row[] = [];
  if (activity) {
    const outcomes = Object.keys(activity.outcomes).sort(
      (a, b) => ((OUTCOME_ORDER.indexOf(a) + 99) % 99) - ((OUTCOME_ORDER.indexOf(b) + 99) % 99),
    );
    for (const o of outcomes) {
      out.push({ key: o, label: label(o), n: activity.outcomes[o] ?? 0, tone: `outcome-${o}` });
    }
    for (const [reason, n] of Object.entries(activity.failures).sort((a, b) => b[1] - a[1])) {
      out.push({
        key: `failed-${reason}`,
        label: `Failed: ${humanize(reason)}`,
        n,
        tone: 'failed',
      });
    }
    if (Object.keys(activity.failures).length === 0) {
      out.push({ key: 'failed', label: 'Failed', n: 0, tone: 'failed' });
    }
  } else {
    out.push({ key: 'completed', label: 'Completed', n: counts.completed, tone: 'completed' });
    out.push({ key: 'failed', label: 'Failed', n: counts.failed, tone: 'failed' });
  }
  out.push({ key: 'cancelled', label: 'Cancelled', n: counts.cancelled, tone: 'cancelled' });
  // What is still to come, while there is any.
  if (counts.active > 0) {
    out.push({ key: 'active', label: 'On a call', n: counts.active, tone: 'active' });
  }
  if (counts.waiting > 0) {
    out.push({ key: 'waiting', label: 'Waiting', n: counts.waiting, tone: 'waiting' });
  }
  return out;
}

/** What became of the batch's calls: each outcome and failure reason as a labelled bar. */
export function OutcomeChart(props: { counts: Counts; activity: BatchActivity | undefined }) {
  const total = props.counts.total;
  return (
    <figure class="chart outcome-chart">
      <figcaption>Outcomes</figcaption>
      <ul class="bars">
        {rows(props.counts, props.activity).map((r) => (
          <li key={r.key} class="bars-row">
            <span class="bar-label">{r.label}</span>
            <span class="bar-track" aria-hidden="true">
              <span
                class={`bar part-${r.tone}`}
                style={{ width: `${(r.n / Math.max(1, total)) * 100}%` }}
              />
            </span>
            <span class="bar-value">
              {formatCount(r.n)} <span class="muted">({percent(r.n, total)}%)</span>
            </span>
          </li>
        ))}
      </ul>
    </figure>
  );
}
