import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { BatchActivity } from '../api/types';

export interface Sample {
  /** epoch ms */
  t: number;
  completed: number;
  failed: number;
  cancelled: number;
}

/** Running totals at the end of each interval, from zero at the first dial. */
export function cumulativeSamples(activity: BatchActivity | undefined): Sample[] {
  if (!activity || activity.from === undefined || activity.bucketMs === undefined) return [];
  const out: Sample[] = [{ t: activity.from, completed: 0, failed: 0, cancelled: 0 }];
  let completed = 0;
  let failed = 0;
  let cancelled = 0;
  for (const b of activity.buckets) {
    completed += b.completed;
    failed += b.failed;
    cancelled += b.cancelled;
    out.push({ t: b.start + activity.bucketMs, completed, failed, cancelled });
  }
  return out;
}

const COLORS = { completed: '#15803d', failed: '#b91c1c', cancelled: '#6b7280' };

/** Calls finished over time (running totals), from the batch's first dial to its last end. */
export function TimelineChart({ samples }: { samples: Sample[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = () => Math.max(240, el.clientWidth);
    plot.current = new uPlot(
      {
        width: width(),
        height: 200,
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [{ stroke: '#374151' }, { stroke: '#374151', size: 48 }],
        legend: { live: false },
        cursor: { drag: { x: false, y: false } },
        series: [
          {},
          { label: 'Completed', stroke: COLORS.completed, width: 2 },
          { label: 'Failed', stroke: COLORS.failed, width: 2 },
          { label: 'Cancelled', stroke: COLORS.cancelled, width: 2, dash: [4, 4] },
        ],
      },
      [[], [], [], []],
      el,
    );
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: width(), height: 200 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData([
      samples.map((s) => s.t / 1000),
      samples.map((s) => s.completed),
      samples.map((s) => s.failed),
      samples.map((s) => s.cancelled),
    ]);
  }, [samples]);

  return (
    <figure class="chart">
      <figcaption>Calls finished over time</figcaption>
      {samples.length === 0 ? <p class="muted">No call has finished yet.</p> : null}
      <div
        ref={box}
        class="timeline"
        role="img"
        aria-label={describe(samples)}
        hidden={samples.length === 0}
      />
    </figure>
  );
}

function describe(samples: Sample[]): string {
  const last = samples.at(-1);
  if (!last) return 'No call has finished yet';
  return `By ${new Date(last.t).toLocaleTimeString()}: ${last.completed} completed, ${last.failed} failed, ${last.cancelled} cancelled`;
}
