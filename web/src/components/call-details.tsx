import { useEffect, useRef } from 'preact/hooks';
import type { Api } from '../api/client';
import type { CallDetail } from '../api/types';
import { formatDateTime, formatDuration, formatTime, humanize } from '../format';
import { LIVE_POLL_MS, useLoad } from '../poll';
import { ErrorNote } from './layout';
import { StatusBadge } from './status-badge';
import { Transcript } from './transcript';

const isTerminal = (c: CallDetail) =>
  c.status === 'completed' || c.status === 'failed' || c.status === 'cancelled';

/** One call in a modal dialog: attempts with reasons and times, transcript, outcome, error. */
export function CallDetails(props: {
  api: Api;
  batchId: string;
  jobId: string;
  onClose: () => void;
}) {
  const { api, batchId, jobId } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  // Where focus goes back to when the dialog closes: the control that opened it.
  const opener = useRef(document.activeElement as HTMLElement | null);
  const call = useLoad(
    () =>
      api.get<CallDetail>(`/batch-calls/${batchId}/calls/${encodeURIComponent(jobId)}`, {
        include: 'attempts',
      }),
    [api, batchId, jobId],
    { everyMs: LIVE_POLL_MS, keepPolling: (c) => !isTerminal(c) },
  );
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    const back = opener.current;
    return () => {
      if (back?.isConnected) back.focus();
    };
  }, []);
  const c = call.data;
  const who = c?.result?.metadata ?? {};
  const person = [who['first_name'], who['last_name']].filter(Boolean).join(' ');
  return (
    <dialog ref={dialog} class="dialog" aria-labelledby="call-title" onClose={props.onClose}>
      <div class="dialog-head">
        <h2 id="call-title">
          Call to <span class="mono">{c?.phone_number ?? '…'}</span>
          {person ? <span class="muted"> · {person}</span> : null}
        </h2>
        <button type="button" class="button-quiet" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </div>
      <ErrorNote error={call.error} />
      {c ? (
        <div class="stack">
          <dl class="facts">
            <div>
              <dt>Status</dt>
              <dd>
                <StatusBadge status={c.status} />
              </dd>
            </div>
            {c.result ? (
              <div>
                <dt>Outcome</dt>
                <dd>
                  <span class={`outcome outcome-${c.result.outcome}`}>
                    {humanize(c.result.outcome)}
                  </span>
                </dd>
              </div>
            ) : null}
            <div>
              <dt>Attempts</dt>
              <dd>{c.attempts}</dd>
            </div>
            <div>
              <dt>Started</dt>
              <dd>{formatDateTime(c.startTime)}</dd>
            </div>
            <div>
              <dt>Ended</dt>
              <dd>{formatDateTime(c.endTime)}</dd>
            </div>
            {c.duration !== undefined ? (
              <div>
                <dt>Talk time</dt>
                <dd>{formatDuration(c.duration)}</dd>
              </div>
            ) : null}
            {c.nextAttemptAt !== undefined ? (
              <div>
                <dt>Next attempt</dt>
                <dd>{formatDateTime(c.nextAttemptAt)}</dd>
              </div>
            ) : null}
            {c.consent ? (
              <div>
                <dt>Consent</dt>
                <dd>
                  {c.consent.source}
                  {c.consent.at ? (
                    <span class="muted small block">
                      {formatDateTime(Date.parse(c.consent.at))}
                    </span>
                  ) : null}
                </dd>
              </div>
            ) : null}
            <div>
              <dt>Job</dt>
              <dd class="mono small">{c.jobId}</dd>
            </div>
          </dl>
          {c.error ? (
            <p class="note note-error" role="status">
              {c.error}
            </p>
          ) : null}
          <h3>Attempts</h3>
          {c.attemptHistory && c.attemptHistory.length > 0 ? (
            <table class="table compact">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Started</th>
                  <th scope="col">Ended</th>
                  <th scope="col">Length</th>
                  <th scope="col">Result</th>
                </tr>
              </thead>
              <tbody>
                {c.attemptHistory.map((a) => (
                  <tr key={a.attemptId}>
                    <td class="num">{a.attempt}</td>
                    <td>{formatTime(a.startTime)}</td>
                    <td>{formatTime(a.endTime)}</td>
                    <td>{formatDuration(a.duration)}</td>
                    <td>
                      {a.reason ? humanize(a.reason) : 'in progress'}
                      {a.error ? <span class="muted small block">{a.error}</span> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p class="muted">Not dialed yet.</p>
          )}
          {c.result ? (
            <>
              <h3>Transcript</h3>
              <Transcript text={c.result.transcript} />
            </>
          ) : null}
          {c.result && Object.keys(c.result.metadata).length > 0 ? (
            <>
              <h3>Contact</h3>
              <dl class="facts">
                {Object.entries(c.result.metadata).map(([k, v]) => (
                  <div key={k}>
                    <dt>{k}</dt>
                    <dd>{v || '—'}</dd>
                  </div>
                ))}
              </dl>
            </>
          ) : null}
        </div>
      ) : (
        <p class="muted">Loading…</p>
      )}
    </dialog>
  );
}
