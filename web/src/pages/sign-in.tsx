import { useState } from 'preact/hooks';
import { Api } from '../api/client';
import type { Workspace } from '../api/types';
import type { Session } from '../session';

/**
 * Workspace id and API key, as `npm start` printed them. Checked against the API before they are
 * kept: a wrong key shows the API's own message.
 */
export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [workspaceId, setWorkspaceId] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    const session = { workspaceId: workspaceId.trim(), apiKey: apiKey.trim() };
    try {
      await new Api(session).get<Workspace>('/workspace');
      onSignedIn(session);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="signin">
      <form class="card signin-card" onSubmit={submit} aria-labelledby="signin-title">
        <div class="brand brand-large">
          <img src="/favicon.svg" alt="" width={32} height={32} />
          Outdial
        </div>
        <h1 id="signin-title">Sign in</h1>
        <p class="muted">
          Use the workspace and API key Outdial printed when it first started (or one from{' '}
          <code>outdial keys create</code>).
        </p>
        <label for="workspace-id">Workspace ID</label>
        <input
          id="workspace-id"
          name="workspace"
          autoComplete="username"
          placeholder="ws_…"
          required
          value={workspaceId}
          onInput={(e) => setWorkspaceId(e.currentTarget.value)}
        />
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="key"
          type="password"
          autoComplete="current-password"
          placeholder="od_…"
          required
          value={apiKey}
          onInput={(e) => setApiKey(e.currentTarget.value)}
        />
        {error ? (
          <p class="note note-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" class="button-primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p class="muted small">
          The key stays in this browser tab only, and is sent to this server alone.
        </p>
      </form>
    </main>
  );
}
