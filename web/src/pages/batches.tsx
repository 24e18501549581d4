import type { Api } from '../api/client';
import type { BatchListItem, BatchStatusBody, Pagination } from '../api/types';
import { ErrorNote, Pager } from '../components/layout';
import { ProgressBar } from '../components/progress-bar';
import { StatusBadge } from '../components/status-badge';
import { formatCount, formatDateTime } from '../format';
import { useLoad } from '../poll';
import { href, navigate } from '../router';

const PAGE_SIZE = 20;
// The list refreshes less often than a batch's own page: each running batch is one request.
const LIST_POLL_MS = 5_000;

interface Row {
  batch: BatchListItem;
  status?: BatchStatusBody;
}

/** One page of batches, newest first, each with its progress (one status request per batch). */
async function loadPage(api: Api, page: number) {
  const list = await api.get<{ batches: BatchListItem[]; pagination: Pagination }>('/batch-calls', {
    page,
    limit: PAGE_SIZE,
  });
  const rows: Row[] = await Promise.all(
    list.batches.map(async (batch) => {
      try {
        return { batch, status: await api.get<BatchStatusBody>(`/batch-calls/${batch.id}`) };
      } catch {
        return { batch };
      }
    }),
  );
  return { rows, pagination: list.pagination };
}

export function Batches({ api, page }: { api: Api; page: number }) {
  const { data, error, loading } = useLoad(() => loadPage(api, page), [api, page], {
    everyMs: LIST_POLL_MS,
    keepPolling: (d) => d.rows.some((r) => !r.batch.isComplete),
  });
  return (
    <section aria-labelledby="batches-title">
      <div class="page-head">
        <h1 id="batches-title">Batches</h1>
        <a class="button button-primary" href={href.newBatch()}>
          New batch
        </a>
      </div>
      <ErrorNote error={error} />
      {loading && !data ? <p class="muted">Loading batches…</p> : null}
      {data && data.rows.length === 0 ? (
        <div class="card empty">
          <h2>No batches yet</h2>
          <p>Upload a CSV of contacts for an agent to start calling.</p>
          <a class="button button-primary" href={href.newBatch()}>
            Start your first batch
          </a>
        </div>
      ) : null}
      {data && data.rows.length > 0 ? (
        <>
          <table class="table responsive batches-table">
            <caption class="visually-hidden">
              Batches, newest first ({formatCount(data.pagination.total)} in all)
            </caption>
            <thead>
              <tr>
                <th scope="col">Batch</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col">Completed</th>
                <th scope="col">Failed</th>
                <th scope="col">Created</th>
                <th scope="col">Scheduled</th>
              </tr>
            </thead>
            <tbody>
              {data.rows.map(({ batch, status }) => (
                <tr key={batch.id}>
                  <th scope="row" data-label="Batch">
                    <a href={href.batch(batch.id)} class="wrap-anywhere">
                      {batch.name ?? batch.id}
                    </a>
                    {batch.name ? (
                      <span class="muted small block wrap-anywhere">{batch.id}</span>
                    ) : null}
                  </th>
                  <td data-label="Status">
                    <StatusBadge status={batch.status} />
                  </td>
                  <td data-label="Progress" class="cell-progress">
                    {status ? (
                      <ProgressBar
                        counts={{ ...status.progress, cancelled: status.progress.cancelled ?? 0 }}
                      />
                    ) : (
                      formatCount(batch.totalCalls)
                    )}
                  </td>
                  <td data-label="Completed" class="num">
                    {status ? formatCount(status.progress.completed) : '—'}
                  </td>
                  <td data-label="Failed" class="num">
                    {status ? formatCount(status.progress.failed) : '—'}
                  </td>
                  <td data-label="Created">{formatDateTime(batch.createdAt)}</td>
                  <td data-label="Scheduled">
                    {batch.scheduledAt ? formatDateTime(batch.scheduledAt) : '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager
            page={data.pagination.page}
            totalPages={data.pagination.totalPages}
            label="Batch pages"
            onPage={(p) => navigate(href.batches(p))}
          />
        </>
      ) : null}
    </section>
  );
}
