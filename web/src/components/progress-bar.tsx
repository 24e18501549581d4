import { formatCount, percent } from '../format';

export interface Counts {
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  cancelled: number;
  total: number;
}

const SEGMENTS = [
  ['completed', 'Completed'],
  ['failed', 'Failed'],
  ['cancelled', 'Cancelled'],
  ['active', 'On a call'],
] as const;

/** Done / total as a bar of coloured parts; the numbers are in the label, not only the colours. */
export function ProgressBar({ counts, legend = false }: { counts: Counts; legend?: boolean }) {
  const done = counts.completed + counts.failed + counts.cancelled;
  const label = `${formatCount(done)} of ${formatCount(counts.total)} calls done (${percent(done, counts.total)}%)`;
  return (
    <div class="progress">
      <div
        class="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={counts.total}
        aria-valuenow={done}
      >
        {SEGMENTS.map(([key]) =>
          counts[key] > 0 ? (
            // Set through the style object (CSSOM), which the page's CSP allows; a style
            // attribute in markup would need 'unsafe-inline'.
            <span
              key={key}
              class={`progress-part part-${key}`}
              style={{
                width: `${Math.max(0.5, (counts[key] / Math.max(1, counts.total)) * 100)}%`,
              }}
            />
          ) : null,
        )}
      </div>
      {legend ? (
        <ul class="legend">
          {SEGMENTS.map(([key, name]) => (
            <li key={key}>
              <span class={`swatch part-${key}`} aria-hidden="true" />
              {name} <strong>{formatCount(counts[key])}</strong>
            </li>
          ))}
          <li>
            <span class="swatch part-waiting" aria-hidden="true" />
            Waiting <strong>{formatCount(counts.waiting)}</strong>
          </li>
        </ul>
      ) : (
        <span class="progress-text">
          {formatCount(done)} / {formatCount(counts.total)}
        </span>
      )}
    </div>
  );
}
