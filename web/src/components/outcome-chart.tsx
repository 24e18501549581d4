import { formatCount, percent } from '../format';
import type { Counts } from './progress-bar';

const ROWS = [
  ['completed', 'Completed'],
  ['failed', 'Failed'],
  ['cancelled', 'Cancelled'],
  ['active', 'On a call'],
  ['waiting', 'Waiting'],
] as const;

/** Where the batch's calls stand, as labelled bars (the numbers are text, not only lengths). */
export function OutcomeChart({ counts }: { counts: Counts }) {
  return (
    <figure class="chart outcome-chart">
      <figcaption>Calls by status</figcaption>
      <ul class="bars">
        {ROWS.map(([key, label]) => (
          <li key={key} class="bars-row">
            <span class="bar-label">{label}</span>
            <span class="bar-track" aria-hidden="true">
              <span
                class={`bar part-${key}`}
                style={{ width: `${(counts[key] / Math.max(1, counts.total)) * 100}%` }}
              />
            </span>
            <span class="bar-value">
              {formatCount(counts[key])}{' '}
              <span class="muted">({percent(counts[key], counts.total)}%)</span>
            </span>
          </li>
        ))}
      </ul>
    </figure>
  );
}
