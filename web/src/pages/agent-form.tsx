import { useEffect, useId, useState } from 'preact/hooks';
import type { Api } from '../api/client';
import type { Agent } from '../api/types';
import { ErrorNote } from '../components/layout';
import { SmartCallbackFields, type SmartCallbackValue } from '../components/smart-callback-fields';
import { useLoad } from '../poll';
import { href, navigate } from '../router';
import { templateVariables } from '../template-variables';

interface Draft {
  name: string;
  greeting: string;
  prompt: string;
  fromNumber: string;
  smart: SmartCallbackValue;
}

const EMPTY: Draft = {
  name: '',
  greeting: 'Hello {first_name}, this is Ava from Acme.',
  prompt: '',
  fromNumber: '',
  smart: { enabled: false, maxAttempts: 5, gaps: [{ days: 0, hours: 4 }] },
};

const draftOf = (a: Agent): Draft => ({
  name: a.name,
  greeting: a.greeting,
  prompt: a.prompt,
  fromNumber: a.fromNumber ?? '',
  smart: {
    enabled: a.smartCallback,
    maxAttempts: a.maxAttemptsForSmartCallback,
    gaps: a.gapBetweenEachAttemptForSmartCallback,
  },
});

/** Create an agent, or edit one's greeting, prompt and callback rules. */
export function AgentForm({ api, id }: { api: Api; id: string | 'new' }) {
  const fid = useId();
  const isNew = id === 'new';
  const agent = useLoad(
    () =>
      isNew ? Promise.resolve(undefined) : api.get<Agent>(`/agents/${encodeURIComponent(id)}`),
    [api, id],
  );
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (agent.data) setDraft(draftOf(agent.data));
  }, [agent.data]);
  const set = (patch: Partial<Draft>) => {
    setSaved(false);
    setDraft((d) => ({ ...d, ...patch }));
  };

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    const body = {
      name: draft.name.trim(),
      greeting: draft.greeting,
      prompt: draft.prompt,
      ...(draft.fromNumber.trim()
        ? { fromNumber: draft.fromNumber.trim() }
        : isNew
          ? {}
          : { fromNumber: null }),
      smartCallback: draft.smart.enabled,
      maxAttemptsForSmartCallback: draft.smart.maxAttempts,
      gapBetweenEachAttemptForSmartCallback: draft.smart.gaps,
    };
    try {
      const stored = isNew
        ? await api.json<Agent>('POST', '/agents', { body })
        : await api.json<Agent>('PUT', `/agents/${encodeURIComponent(id)}`, { body });
      setSaved(true);
      if (isNew) navigate(href.agent(stored.id));
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  const variables = templateVariables(draft.greeting, draft.prompt);
  return (
    <section aria-labelledby="agent-title">
      <p>
        <a href={href.agents()}>← Agents</a>
      </p>
      <div class="page-head">
        <h1 id="agent-title">{isNew ? 'New agent' : (agent.data?.name ?? 'Agent')}</h1>
      </div>
      <ErrorNote error={agent.error} />
      {!isNew && !agent.data ? null : (
        <form class="card stack" onSubmit={save}>
          <label for={`${fid}-name`}>Name</label>
          <input
            id={`${fid}-name`}
            required
            value={draft.name}
            onInput={(e) => set({ name: e.currentTarget.value })}
          />
          <label for={`${fid}-greeting`}>Greeting</label>
          <textarea
            id={`${fid}-greeting`}
            rows={2}
            value={draft.greeting}
            onInput={(e) => set({ greeting: e.currentTarget.value })}
            aria-describedby={`${fid}-vars`}
          />
          <label for={`${fid}-prompt`}>Prompt (the agent's instructions)</label>
          <textarea
            id={`${fid}-prompt`}
            rows={8}
            value={draft.prompt}
            onInput={(e) => set({ prompt: e.currentTarget.value })}
            aria-describedby={`${fid}-vars`}
          />
          <div id={`${fid}-vars`} class="muted small">
            Write <code>{'{column}'}</code> to use a column of the contact file.{' '}
            {variables.length > 0 ? (
              <>
                Variables used:{' '}
                <ul class="chips inline" aria-label="Variables used">
                  {variables.map((v) => (
                    <li key={v} class="chip">{`{${v}}`}</li>
                  ))}
                </ul>
              </>
            ) : (
              'No variables used.'
            )}
          </div>
          <label for={`${fid}-from`}>Caller ID (E.164, optional)</label>
          <input
            id={`${fid}-from`}
            class="input-medium"
            placeholder="+15005550006"
            value={draft.fromNumber}
            onInput={(e) => set({ fromNumber: e.currentTarget.value })}
          />
          <fieldset class="fieldset">
            <legend>Smart callback (default for this agent's batches)</legend>
            <SmartCallbackFields
              label="Call busy, unanswered and voicemail contacts back later"
              value={draft.smart}
              onChange={(smart) => set({ smart })}
            />
          </fieldset>
          <ErrorNote error={error} />
          {saved ? (
            <p class="note note-ok" role="status">
              Saved.
            </p>
          ) : null}
          <div>
            <button type="submit" class="button-primary" disabled={busy}>
              {isNew ? 'Create agent' : 'Save changes'}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
