import { useEffect, useId, useState } from 'preact/hooks';
import type { Api } from '../api/client';
import type { Workspace } from '../api/types';
import { formatDateTime } from '../format';
import { ErrorNote } from './layout';

/**
 * Ext §19 frequency cap: at most N attempts to one number, across every batch of the
 * workspace, in any rolling period; off (null) by default.
 */
export function FrequencyCapForm(props: {
  api: Api;
  workspace: Workspace;
  reload: () => Promise<void>;
}) {
  const id = useId();
  const cap = props.workspace.frequencyCap ?? null;
  const [on, setOn] = useState(cap !== null);
  const [maxAttempts, setMaxAttempts] = useState(String(cap?.maxAttempts ?? 3));
  const [periodHours, setPeriodHours] = useState(String(cap?.periodHours ?? 24));
  const [error, setError] = useState<Error | undefined>(undefined);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    setOn(cap !== null);
    if (cap) {
      setMaxAttempts(String(cap.maxAttempts));
      setPeriodHours(String(cap.periodHours));
    }
  }, [cap?.maxAttempts, cap?.periodHours]);

  const save = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setSaved(false);
    try {
      await props.api.json('PATCH', '/workspace', {
        body: {
          frequencyCap: on
            ? { maxAttempts: Number(maxAttempts), periodHours: Number(periodHours) }
            : null,
        },
      });
      await props.reload();
      setSaved(true);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form class="card stack" onSubmit={save} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Calls to one number</h2>
      <label class="check">
        <input
          type="checkbox"
          checked={on}
          onChange={(e) => {
            setSaved(false);
            setOn(e.currentTarget.checked);
          }}
        />
        Limit how often one number is called, across all batches
      </label>
      {on ? (
        <div class="grid-2">
          <div class="stack">
            <label for={`${id}-max`}>Attempts to one number, at most</label>
            <input
              id={`${id}-max`}
              class="input-short"
              type="number"
              min={1}
              required
              value={maxAttempts}
              onInput={(e) => setMaxAttempts(e.currentTarget.value)}
            />
          </div>
          <div class="stack">
            <label for={`${id}-hours`}>In any period of (hours)</label>
            <input
              id={`${id}-hours`}
              class="input-short"
              type="number"
              min={1}
              required
              value={periodHours}
              onInput={(e) => setPeriodHours(e.currentTarget.value)}
            />
          </div>
        </div>
      ) : null}
      <p class="muted small">A call that would go over the limit waits until it is allowed.</p>
      <ErrorNote error={error} />
      {saved ? (
        <p class="note note-ok" role="status">
          {on ? 'Limit saved.' : 'No limit: numbers are called as often as batches ask.'}
        </p>
      ) : null}
      <div>
        <button type="submit" class="button-primary">
          Save limit
        </button>
      </div>
    </form>
  );
}

/** Ext §19 "stop everything": pause or resume every batch of the workspace at once. */
export function StopEverything({
  api,
  workspace,
  reload,
}: {
  api: Api;
  workspace: Workspace;
  reload: () => Promise<unknown>;
}) {
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [confirming, setConfirming] = useState(false);
  const send = async (what: 'pause' | 'resume') => {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      const answer = await api.json<{ paused: boolean }>('POST', `/workspace/${what}`);
      setConfirming(false);
      await reload();
      setNotice(
        answer.paused
          ? 'Everything is paused: no new call starts in any batch, a new one included. Calls on the line finish.'
          : 'Resumed: the batches the pause stopped are dialing again.',
      );
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card stack" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Stop everything</h2>
      <p>
        Pauses every batch of this workspace at once (they show “workspace paused”). Resuming
        restarts those, not the batches paused one by one.
      </p>
      {workspace.paused ? (
        <p class="note note-error" role="status">
          All calling is paused
          {workspace.pausedAt ? ` since ${formatDateTime(workspace.pausedAt)}` : ''}.
        </p>
      ) : null}
      {confirming ? (
        <div class="confirm actions">
          <button
            type="button"
            class="button-danger"
            disabled={busy}
            onClick={() => void send('pause')}
          >
            Yes, pause every batch
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Keep calling
          </button>
        </div>
      ) : (
        <div class="actions">
          {workspace.paused ? (
            <button type="button" disabled={busy} onClick={() => void send('resume')}>
              Resume all calling
            </button>
          ) : (
            <button type="button" class="button-danger" onClick={() => setConfirming(true)}>
              Pause all calling
            </button>
          )}
        </div>
      )}
      <ErrorNote error={error} />
      {notice ? (
        <p class="note" role="status">
          {notice}
        </p>
      ) : null}
    </section>
  );
}
