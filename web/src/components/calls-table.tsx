import { useId, useState } from 'preact/hooks';
import type { Api } from '../api/client';
import type { CallState, CallsPage } from '../api/types';
import { formatCount, formatDuration, formatTime } from '../format';
import { LIVE_POLL_MS, useLoad } from '../poll';
import { ErrorNote, Pager } from './layout';
import { NumberSearch, StatusFilter, useNumberSearch } from './list-filters';
import { StatusBadge } from './status-badge';

const PAGE_SIZE = 25;
const FILTERS: Array<['all' | CallState, string]> = [
  ['all', 'All'],
  ['waiting', 'Waiting'],
  ['active', 'On a call'],
  ['completed', 'Completed'],
  ['failed', 'Failed'],
  ['cancelled', 'Cancelled'],
];

/**
 * A batch's calls, one page at a time from the server (a batch of 100,000 calls is never loaded
 * whole): filter by status, search by number, page. Refreshed live while the batch runs.
 */
export function CallsTable(props: {
  api: Api;
  batchId: string;
  live: boolean;
  onOpen: (jobId: string) => void;
}) {
  const id = useId();
  const [status, setStatus] = useState<'all' | CallState>('all');
  const [page, setPage] = useState(1);
  const { typed, setTyped, phone } = useNumberSearch(() => setPage(1));
  const calls = useLoad(
    () =>
      props.api.get<CallsPage>(`/batch-calls/${props.batchId}/calls`, {
        page,
        limit: PAGE_SIZE,
        status: status === 'all' ? undefined : status,
        phone: phone === '' ? undefined : phone,
      }),
    [props.api, props.batchId, page, status, phone],
    { everyMs: LIVE_POLL_MS, keepPolling: () => props.live },
  );
  const data = calls.data;
  return (
    <section class="card" aria-labelledby={`${id}-title`}>
      <div class="section-head">
        <h2 id={`${id}-title`}>Calls</h2>
        <div class="filters">
          <StatusFilter
            id={`${id}-status`}
            value={status}
            options={FILTERS}
            suffix={(v) => (data && v !== 'all' ? ` (${formatCount(data.summary[v])})` : '')}
            onChange={(v) => {
              setStatus(v);
              setPage(1);
            }}
          />
          <NumberSearch id={`${id}-phone`} value={typed} onInput={setTyped} />
        </div>
      </div>
      <ErrorNote error={calls.error} />
      {data ? (
        <>
          <p class="muted small" aria-live="polite">
            {formatCount(data.pagination.total)} call{data.pagination.total === 1 ? '' : 's'}
            {phone ? ` matching “${phone}”` : ''}
          </p>
          {data.calls.length > 0 ? (
            <table class="table responsive calls-table">
              <thead>
                <tr>
                  <th scope="col">Number</th>
                  <th scope="col">Contact</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Started</th>
                  <th scope="col">Talk time</th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {data.calls.map((c) => (
                  <tr key={c.jobId}>
                    <th scope="row" data-label="Number">
                      <button
                        type="button"
                        class="link-button mono"
                        onClick={() => props.onOpen(c.jobId)}
                        aria-label={`Details of the call to ${c.phone_number}`}
                      >
                        {c.phone_number}
                      </button>
                    </th>
                    <td data-label="Contact">
                      {[c.metadata['first_name'], c.metadata['last_name']]
                        .filter(Boolean)
                        .join(' ') || '—'}
                    </td>
                    <td data-label="Status">
                      <StatusBadge status={c.status} />
                    </td>
                    <td data-label="Attempts" class="num">
                      {c.attempts}
                    </td>
                    <td data-label="Started">{formatTime(c.startTime)}</td>
                    <td data-label="Talk time">{formatDuration(c.duration)}</td>
                    <td data-label="Error" class="cell-error">
                      {c.error ?? null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p class="muted">No call matches.</p>
          )}
          <Pager
            page={data.pagination.page}
            totalPages={data.pagination.totalPages}
            label="Call pages"
            onPage={setPage}
          />
        </>
      ) : (
        <p class="muted">Loading calls…</p>
      )}
    </section>
  );
}
