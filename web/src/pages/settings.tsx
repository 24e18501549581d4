import { useEffect, useId, useState } from 'preact/hooks';
import type { Api } from '../api/client';
import type { Workspace } from '../api/types';
import { ErrorNote } from '../components/layout';
import { FrequencyCapForm, StopEverything } from '../components/workspace-safety';
import { useLoad } from '../poll';

/** The workspace's limits and timezone (PATCH /workspace). */
export function Settings({ api }: { api: Api }) {
  const id = useId();
  const ws = useLoad(() => api.get<Workspace>('/workspace'), [api]);
  const [draft, setDraft] = useState({ maxConcurrentCalls: '', callsPerSecond: '', timezone: '' });
  const [error, setError] = useState<Error | undefined>(undefined);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (ws.data) {
      setDraft({
        maxConcurrentCalls: String(ws.data.maxConcurrentCalls),
        callsPerSecond: String(ws.data.callsPerSecond),
        timezone: ws.data.timezone,
      });
    }
  }, [ws.data]);
  const set = (patch: Partial<typeof draft>) => {
    setSaved(false);
    setDraft((d) => ({ ...d, ...patch }));
  };
  const save = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      await api.json<Workspace>('PATCH', '/workspace', {
        body: {
          maxConcurrentCalls: Number(draft.maxConcurrentCalls),
          callsPerSecond: Number(draft.callsPerSecond),
          timezone: draft.timezone.trim(),
        },
      });
      setSaved(true);
      await ws.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <section aria-labelledby="settings-title" class="stack">
      <div class="page-head">
        <h1 id="settings-title">Workspace settings</h1>
      </div>
      <ErrorNote error={ws.error} />
      {ws.data ? (
        <form class="card stack" onSubmit={save}>
          <p>
            <strong>{ws.data.name}</strong> <span class="muted mono small">{ws.data.id}</span>
          </p>
          <label for={`${id}-max`}>Calls at once, at most</label>
          <input
            id={`${id}-max`}
            class="input-short"
            type="number"
            min={1}
            max={1000}
            required
            value={draft.maxConcurrentCalls}
            onInput={(e) => set({ maxConcurrentCalls: e.currentTarget.value })}
          />
          <label for={`${id}-cps`}>New calls per second, at most</label>
          <input
            id={`${id}-cps`}
            class="input-short"
            type="number"
            min={1}
            max={1000}
            required
            value={draft.callsPerSecond}
            onInput={(e) => set({ callsPerSecond: e.currentTarget.value })}
          />
          <label for={`${id}-tz`}>Time zone (IANA, e.g. America/New_York)</label>
          <input
            id={`${id}-tz`}
            class="input-medium"
            required
            value={draft.timezone}
            onInput={(e) => set({ timezone: e.currentTarget.value })}
          />
          <p class="muted small">Changes apply to calls started from now on.</p>
          <ErrorNote error={error} />
          {saved ? (
            <p class="note note-ok" role="status">
              Saved.
            </p>
          ) : null}
          <div>
            <button type="submit" class="button-primary">
              Save settings
            </button>
          </div>
        </form>
      ) : null}
      {ws.data ? (
        <>
          <FrequencyCapForm api={api} workspace={ws.data} reload={ws.reload} />
          <StopEverything api={api} workspace={ws.data} reload={ws.reload} />
        </>
      ) : null}
    </section>
  );
}
