import { useId, useState } from 'preact/hooks';
import type { Api } from '../api/client';
import type { DncEntry, DncPage } from '../api/types';
import { DncAddForm } from '../components/dnc-add-form';
import { ErrorNote, OkNote, Pager } from '../components/layout';
import { NumberSearch, useNumberSearch } from '../components/list-filters';
import { formatCount, formatDateTime } from '../format';
import { useLoad } from '../poll';
import { href } from '../router';

const PAGE_SIZE = 50;

const SOURCES: Record<DncEntry['source'], string> = {
  api: 'Added here or by the API',
  import: 'Imported from a file',
  opt_out: 'Asked on a call',
};

/** Ext §18: the workspace's do-not-call list — search, page, add, import, remove. */
export function DoNotCall({ api }: { api: Api }) {
  const id = useId();
  const [page, setPage] = useState(1);
  const [removing, setRemoving] = useState<string | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const { typed, setTyped, phone } = useNumberSearch(() => setPage(1));
  const list = useLoad(
    () =>
      api.get<DncPage>('/dnc', {
        page,
        limit: PAGE_SIZE,
        phone: phone === '' ? undefined : phone,
      }),
    [api, page, phone],
  );

  const remove = async (number: string) => {
    setRemoving(number);
    setError(undefined);
    setNotice(undefined);
    try {
      await api.json('DELETE', `/dnc/${encodeURIComponent(number)}`);
      await list.reload();
      setNotice(`${number} removed: it can be called again.`);
    } catch (err) {
      setError(err as Error);
    } finally {
      setRemoving(undefined);
    }
  };

  const data = list.data;
  return (
    <section aria-labelledby="dnc-title" class="stack">
      <div class="page-head">
        <div>
          <h1 id="dnc-title">Do-not-call list</h1>
          <p class="muted">
            A number on this list is never dialed, in any batch of this workspace. Callers who ask
            not to be called again are added on their own.
          </p>
        </div>
      </div>
      <DncAddForm api={api} onAdded={list.reload} />

      <section class="card" aria-labelledby={`${id}-list`}>
        <div class="section-head">
          <h2 id={`${id}-list`}>Listed numbers</h2>
          <div class="filters">
            <NumberSearch id={`${id}-search`} value={typed} onInput={setTyped} />
          </div>
        </div>
        <OkNote message={notice} />
        <ErrorNote error={error} />
        <ErrorNote error={list.error} />
        {data ? (
          <>
            <p class="muted small" aria-live="polite">
              {formatCount(data.pagination.total)} number
              {data.pagination.total === 1 ? '' : 's'}
              {phone ? ` matching “${phone}”` : ' on the list'}
            </p>
            {data.entries.length > 0 ? (
              <table class="table responsive dnc-table">
                <thead>
                  <tr>
                    <th scope="col">Number</th>
                    <th scope="col">Source</th>
                    <th scope="col">Reason</th>
                    <th scope="col">Added</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.entries.map((e) => (
                    <tr key={e.phone_number}>
                      <th scope="row" data-label="Number" class="mono">
                        {e.phone_number}
                      </th>
                      <td data-label="Source">
                        {SOURCES[e.source] ?? e.source}
                        {e.batchId ? (
                          <>
                            {' '}
                            (<a href={href.batch(e.batchId)}>batch</a>)
                          </>
                        ) : null}
                      </td>
                      <td data-label="Reason" class="clip">
                        {e.reason ?? '—'}
                      </td>
                      <td data-label="Added">{formatDateTime(e.createdAt)}</td>
                      <td data-label="Actions">
                        <button
                          type="button"
                          class="button-quiet"
                          disabled={removing === e.phone_number}
                          aria-label={`Remove ${e.phone_number} from the list`}
                          onClick={() => void remove(e.phone_number)}
                        >
                          Remove
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p class="muted">{phone ? 'No listed number matches.' : 'The list is empty.'}</p>
            )}
            <Pager
              page={data.pagination.page}
              totalPages={data.pagination.totalPages}
              label="Do-not-call pages"
              onPage={setPage}
            />
          </>
        ) : (
          <p class="muted">Loading the list…</p>
        )}
      </section>
    </section>
  );
}
