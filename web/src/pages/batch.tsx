import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Api } from '../api/client';
import type { Agent, BatchActivity, BatchStatusBody, CancelAnswer } from '../api/types';
import { BatchControls, canRetry, PausedNote, RetryForm } from '../components/batch-controls';
import { CallDetails } from '../components/call-details';
import { CallsTable } from '../components/calls-table';
import { ErrorNote, NotLoaded } from '../components/layout';
import { OutcomeChart } from '../components/outcome-chart';
import { type Counts, ProgressBar } from '../components/progress-bar';
import { StatusBadge } from '../components/status-badge';
import { cumulativeSamples, TimelineChart } from '../components/timeline-chart';
import { formatCount, formatDateTime, formatDuration } from '../format';
import { LIVE_POLL_MS, useLoad } from '../poll';
import { href } from '../router';
import { saveBlob } from './new-batch';

const countsOf = (b: BatchStatusBody): Counts => ({
  ...b.progress,
  cancelled: b.progress.cancelled ?? 0,
});

/** Calls per minute since the first dial, and the time left at that pace. */
function pace(b: BatchStatusBody): { perMinute?: number; etaMs?: number } {
  const p = b.progress;
  const done = p.completed + p.failed + (p.cancelled ?? 0);
  if (p.startTime === undefined || done === 0) return {};
  const end = p.completedTime ?? b.timestamp;
  const minutes = Math.max(1 / 60, (end - p.startTime) / 60_000);
  const perMinute = done / minutes;
  const left = p.waiting + p.active;
  return {
    perMinute,
    ...(left > 0 && !b.isComplete ? { etaMs: (left / perMinute) * 60_000 } : {}),
  };
}

export function Batch({ api, id }: { api: Api; id: string }) {
  const batch = useLoad(
    () => api.get<BatchStatusBody>(`/batch-calls/${encodeURIComponent(id)}`),
    [api, id],
    { everyMs: LIVE_POLL_MS, keepPolling: (b) => !b.isComplete },
  );
  const agents = useLoad(() => api.get<{ agents: Agent[] }>('/agents'), [api]);
  const live = useRef(true);
  const activity = useLoad(
    () => api.get<BatchActivity>(`/batch-calls/${encodeURIComponent(id)}/activity`),
    [api, id],
    { everyMs: LIVE_POLL_MS, keepPolling: () => live.current },
  );
  const [openCall, setOpenCall] = useState<string | undefined>(undefined);
  const [confirming, setConfirming] = useState(false);
  const [actionError, setActionError] = useState<Error | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [retryOpen, setRetryOpen] = useState(false);

  const samples = useMemo(() => cumulativeSamples(activity.data), [activity.data]);
  const b = batch.data;
  const complete = b?.isComplete ?? false;
  // Once the batch is over, one last read of the charts' counts, then no more polling.
  useEffect(() => {
    live.current = !complete;
    if (complete) void activity.reload();
  }, [complete]);

  if (!b) {
    return (
      <NotLoaded back={{ href: href.batches(), label: 'Batches' }} what="batch" load={batch} />
    );
  }

  const counts = countsOf(b);
  const { perMinute, etaMs } = pace(b);
  const agent = agents.data?.agents.find((a) => a.id === b.agentId);
  const cancellable = b.status === 'queued' || b.status === 'processing' || b.status === 'paused';

  const cancel = async () => {
    setBusy(true);
    setActionError(undefined);
    try {
      const answer = await api.json<CancelAnswer>('DELETE', `/batch-calls/${b.id}`);
      const d = answer.details;
      // The page shows the batch as the server now has it before it says what happened.
      await batch.reload();
      setConfirming(false);
      setNotice(
        `Batch cancelled: ${formatCount(d.cancelledCalls)} waiting call${d.cancelledCalls === 1 ? '' : 's'} will not be dialed` +
          (d.activeCalls > 0 ? `; ${formatCount(d.activeCalls)} on the line will finish.` : '.'),
      );
    } catch (err) {
      setActionError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  const exportCsv = async () => {
    setActionError(undefined);
    try {
      const res = await api.request('GET', `/batch-calls/${b.id}/export-results`);
      saveBlob(await res.blob(), `${b.id}-results.csv`);
    } catch (err) {
      setActionError(err as Error);
    }
  };

  return (
    <section aria-labelledby="batch-title" class="stack">
      <p>
        <a href={href.batches()}>← Batches</a>
      </p>
      <div class="page-head">
        <div>
          <h1 id="batch-title" class="wrap-anywhere">
            {b.name ?? 'Batch'}
          </h1>
          <p class="muted mono small wrap-anywhere">{b.id}</p>
        </div>
        <div class="actions">
          <BatchControls
            api={api}
            batch={b}
            reload={batch.reload}
            onDone={setNotice}
            onError={setActionError}
            retryOpen={retryOpen}
            onRetryToggle={() => setRetryOpen((o) => !o)}
            retryFormId="retry-form"
          />
          <button type="button" onClick={() => void exportCsv()}>
            Export CSV
          </button>
          {cancellable ? (
            <button
              type="button"
              class="button-danger"
              onClick={() => setConfirming(true)}
              aria-expanded={confirming}
              aria-controls="cancel-confirm"
            >
              Cancel batch
            </button>
          ) : null}
        </div>
      </div>
      {confirming && cancellable ? (
        <section id="cancel-confirm" class="card confirm" aria-labelledby="cancel-q">
          <p id="cancel-q">
            <strong>Cancel this batch?</strong> Waiting calls will never be dialed; calls on the
            line now finish. This cannot be undone.
          </p>
          <div class="actions">
            <button
              type="button"
              class="button-danger"
              disabled={busy}
              onClick={() => void cancel()}
            >
              Yes, cancel the batch
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Keep it running
            </button>
          </div>
        </section>
      ) : null}
      {retryOpen && canRetry(b) ? (
        <RetryForm
          id="retry-form"
          api={api}
          batch={b}
          reload={batch.reload}
          onDone={setNotice}
          onError={setActionError}
          onClose={() => setRetryOpen(false)}
        />
      ) : null}
      <PausedNote batch={b} />
      {notice ? (
        <p class="note" role="status">
          {notice}
        </p>
      ) : null}
      <ErrorNote error={actionError} />
      <ErrorNote error={batch.error} />

      <div class="card stack">
        <div class="section-head">
          <h2>Progress</h2>
          <StatusBadge status={b.status} />
        </div>
        <div aria-live="polite">
          <ProgressBar counts={counts} legend />
        </div>
        <dl class="stats">
          <div>
            <dt>Calls</dt>
            <dd>{formatCount(b.totalCalls)}</dd>
          </div>
          <div>
            <dt>Agent</dt>
            <dd>{agent ? <a href={href.agent(agent.id)}>{agent.name}</a> : (b.agentId ?? '—')}</dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{formatDateTime(b.createdAt)}</dd>
          </div>
          {b.scheduledAt !== undefined ? (
            <div>
              <dt>Scheduled</dt>
              <dd>{formatDateTime(b.scheduledAt)}</dd>
            </div>
          ) : null}
          <div>
            <dt>First call</dt>
            <dd>{formatDateTime(b.progress.startTime)}</dd>
          </div>
          <div>
            <dt>{b.isComplete ? 'Finished' : 'Time left'}</dt>
            <dd>
              {b.isComplete
                ? formatDateTime(b.progress.completedTime)
                : etaMs !== undefined
                  ? `about ${formatDuration(etaMs / 1000)}`
                  : '—'}
            </dd>
          </div>
          <div>
            <dt>Calls per minute</dt>
            <dd>{perMinute !== undefined ? perMinute.toFixed(1) : '—'}</dd>
          </div>
          <div>
            <dt>Average talk time</dt>
            <dd>{formatDuration(b.progress.averageCallDuration)}</dd>
          </div>
        </dl>
      </div>

      <div class="grid-2 charts">
        <div class="card">
          <OutcomeChart counts={counts} activity={activity.data} />
        </div>
        <div class="card">
          <TimelineChart samples={samples} />
        </div>
      </div>

      <CallsTable api={api} batchId={b.id} live={!b.isComplete} onOpen={setOpenCall} />
      {openCall ? (
        <CallDetails
          api={api}
          batchId={b.id}
          jobId={openCall}
          onClose={() => setOpenCall(undefined)}
        />
      ) : null}
    </section>
  );
}
