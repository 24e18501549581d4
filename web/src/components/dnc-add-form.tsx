import { useId, useState } from 'preact/hooks';
import { type Api, ApiError } from '../api/client';
import type { DncAdded, RowIssue } from '../api/types';
import { formatCount } from '../format';
import { ErrorNote, OkNote } from './layout';
import { Issues } from './preview-report';

/** The 400 of §18 names each invalid number with its row; other errors are one sentence. */
function rowIssuesOf(err: Error | undefined): { issues: RowIssue[]; total: number } | undefined {
  if (!(err instanceof ApiError)) return undefined;
  const body = err.body as { errors?: RowIssue[]; errorCount?: number } | undefined;
  if (!Array.isArray(body?.errors) || body.errors.length === 0) return undefined;
  return { issues: body.errors, total: body.errorCount ?? body.errors.length };
}

const addedText = (a: DncAdded) =>
  `${formatCount(a.added)} number${a.added === 1 ? '' : 's'} added` +
  (a.alreadyListed > 0 ? `; ${formatCount(a.alreadyListed)} already on the list.` : '.');

/**
 * Adds numbers to the do-not-call list: typed (one or several, a line or comma apart) or a CSV
 * file with a `phone_number` column. An invalid number stores nothing, and the rows are shown.
 */
export function DncAddForm({ api, onAdded }: { api: Api; onAdded: () => Promise<void> }) {
  const id = useId();
  const [numbers, setNumbers] = useState('');
  const [reason, setReason] = useState('');
  const [file, setFile] = useState<File | undefined>(undefined);
  // A new key empties the file input once its file is on the list.
  const [fileKey, setFileKey] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);

  const send = async (body: unknown, clear: () => void) => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      const answer = await api.json<DncAdded>('POST', '/dnc', { body });
      clear();
      await onAdded();
      setDone(addedText(answer));
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const addTyped = (e: Event) => {
    e.preventDefault();
    const phoneNumbers = numbers
      .split(/[\n,;]+/)
      .map((n) => n.trim())
      .filter(Boolean);
    if (phoneNumbers.length === 0) {
      setError(new Error('Type at least one phone number.'));
      return;
    }
    void send({ phoneNumbers, ...(reason.trim() ? { reason: reason.trim() } : {}) }, () =>
      setNumbers(''),
    );
  };
  const importFile = (e: Event) => {
    e.preventDefault();
    if (!file) {
      setError(new Error('Choose a CSV file with a phone_number column.'));
      return;
    }
    const form = new FormData();
    form.set('file', file, file.name);
    if (reason.trim()) form.set('reason', reason.trim());
    void send(form, () => {
      setFile(undefined);
      setFileKey((k) => k + 1);
    });
  };
  const rows = rowIssuesOf(error);

  return (
    <section class="card stack" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Add numbers</h2>
      <div class="grid-2">
        <form class="stack" onSubmit={addTyped}>
          <label for={`${id}-numbers`}>Phone numbers, one per line or comma-separated</label>
          <textarea
            id={`${id}-numbers`}
            rows={3}
            placeholder="+15005550101"
            value={numbers}
            onInput={(e) => setNumbers(e.currentTarget.value)}
          />
          <div>
            <button type="submit" class="button-primary" disabled={busy}>
              Add numbers
            </button>
          </div>
        </form>
        <form class="stack" onSubmit={importFile}>
          <label for={`${id}-file`}>CSV file with a phone_number column</label>
          <input
            key={fileKey}
            id={`${id}-file`}
            type="file"
            accept=".csv,.tsv,.txt,text/csv"
            onChange={(e) => setFile(e.currentTarget.files?.[0])}
          />
          <div>
            <button type="submit" disabled={busy}>
              Import file
            </button>
          </div>
        </form>
      </div>
      <label for={`${id}-reason`}>Reason (optional, kept with each number added)</label>
      <input
        id={`${id}-reason`}
        class="input-medium"
        maxLength={500}
        value={reason}
        onInput={(e) => setReason(e.currentTarget.value)}
      />
      <div aria-live="polite">
        <OkNote message={done} />
      </div>
      <ErrorNote error={error} />
      {rows ? <Issues title="Invalid numbers" issues={rows.issues} total={rows.total} /> : null}
    </section>
  );
}
