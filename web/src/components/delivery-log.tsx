import { useId, useState } from 'preact/hooks';
import type { Api } from '../api/client';
import type { DeliveriesPage, DeliveryStatus } from '../api/types';
import { formatCount, formatDateTime } from '../format';
import { LIVE_POLL_MS, useLoad } from '../poll';
import { ErrorNote, OkNote, Pager } from './layout';
import { StatusFilter } from './list-filters';

const PAGE_SIZE = 20;
const FILTERS: Array<['all' | DeliveryStatus, string]> = [
  ['all', 'All'],
  ['pending', 'Pending'],
  ['delivered', 'Delivered'],
  ['failed', 'Failed'],
];
const BADGE: Record<DeliveryStatus, string> = {
  pending: 'badge-waiting',
  delivered: 'badge-completed',
  failed: 'badge-failed',
};

export const answeredOk = (code: number | undefined) =>
  code !== undefined && code >= 200 && code < 300;

/** The receiver's answer and the error, without saying "HTTP 500" twice. */
export function answerText(code: number | undefined, error: string | undefined) {
  const status = code === undefined ? undefined : `HTTP ${code}`;
  const parts = [status, error === status ? undefined : error].filter(Boolean);
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

/**
 * One endpoint's deliveries, newest first, refreshed live (a pending delivery's next attempt
 * moves on its own): filter by status, page, and queue one again with the same webhook-id.
 */
export function DeliveryLog(props: { api: Api; webhookId: string; refreshKey: number }) {
  const id = useId();
  const { api, webhookId } = props;
  const [status, setStatus] = useState<'all' | DeliveryStatus>('all');
  const [page, setPage] = useState(1);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const base = `/webhooks/${encodeURIComponent(webhookId)}`;
  const log = useLoad(
    () =>
      api.get<DeliveriesPage>(`${base}/deliveries`, {
        page,
        limit: PAGE_SIZE,
        status: status === 'all' ? undefined : status,
      }),
    [api, base, page, status, props.refreshKey],
    { everyMs: LIVE_POLL_MS },
  );
  const redeliver = async (deliveryId: string) => {
    setError(undefined);
    setNotice(undefined);
    try {
      await api.json('POST', `${base}/deliveries/${encodeURIComponent(deliveryId)}/redeliver`);
      await log.reload();
      setNotice(`${deliveryId} queued again with the same webhook-id.`);
    } catch (err) {
      setError(err as Error);
    }
  };
  const data = log.data;
  return (
    <section class="card" aria-labelledby={`${id}-title`}>
      <div class="section-head">
        <h2 id={`${id}-title`}>Delivery log</h2>
        <div class="filters">
          <StatusFilter
            id={`${id}-status`}
            value={status}
            options={FILTERS}
            onChange={(v) => {
              setStatus(v);
              setPage(1);
            }}
          />
        </div>
      </div>
      <OkNote message={notice} />
      <ErrorNote error={error} />
      <ErrorNote error={log.error} />
      {data ? (
        <>
          <p class="muted small">
            {formatCount(data.pagination.total)} deliver
            {data.pagination.total === 1 ? 'y' : 'ies'}
          </p>
          {data.deliveries.length > 0 ? (
            <table class="table responsive deliveries-table">
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last answer</th>
                  <th scope="col">Next attempt</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.deliveries.map((d) => (
                  <tr key={d.id}>
                    <th scope="row" data-label="Event">
                      <span class="mono">{d.eventType}</span>
                      <span class="muted small block mono">{d.id}</span>
                    </th>
                    <td data-label="Status">
                      <span class={`badge ${BADGE[d.status]}`}>{d.status}</span>
                    </td>
                    <td data-label="Attempts" class="num">
                      {d.attempts}
                    </td>
                    <td
                      data-label="Last answer"
                      class={answeredOk(d.lastStatusCode) ? undefined : 'cell-error'}
                    >
                      {answerText(d.lastStatusCode, d.lastError) ?? '—'}
                    </td>
                    <td data-label="Next attempt">{formatDateTime(d.nextAttemptAt)}</td>
                    <td data-label="Created">{formatDateTime(d.createdAt)}</td>
                    <td data-label="Actions">
                      {d.status !== 'pending' ? (
                        <button
                          type="button"
                          class="button-quiet"
                          aria-label={`Redeliver ${d.id}`}
                          onClick={() => void redeliver(d.id)}
                        >
                          Redeliver
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p class="muted">{status === 'all' ? 'Nothing sent yet.' : `No ${status} delivery.`}</p>
          )}
          <Pager
            page={data.pagination.page}
            totalPages={data.pagination.totalPages}
            label="Delivery pages"
            onPage={setPage}
          />
        </>
      ) : (
        <p class="muted">Loading deliveries…</p>
      )}
    </section>
  );
}
