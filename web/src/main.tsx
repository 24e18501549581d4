import { render } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { Api } from './api/client';
import { Layout } from './components/layout';
import { AgentForm } from './pages/agent-form';
import { Agents } from './pages/agents';
import { Batch } from './pages/batch';
import { Batches } from './pages/batches';
import { DoNotCall } from './pages/do-not-call';
import { NewBatch } from './pages/new-batch';
import { Settings } from './pages/settings';
import { SignIn } from './pages/sign-in';
import { WebhookPage } from './pages/webhook';
import { Webhooks } from './pages/webhooks';
import { href, useRoute } from './router';
import { clearSession, loadSession, type Session, saveSession } from './session';
import './styles.css';

function App() {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const [signOutReason, setSignOutReason] = useState<string | undefined>(undefined);
  const route = useRoute();
  const signOut = (reason?: string) => {
    clearSession();
    setSignOutReason(reason);
    setSession(undefined);
  };
  // A key revoked while the page is open: back to sign in, saying why.
  const api = useMemo(
    () => (session ? new Api(session, (err) => signOut(err.message)) : undefined),
    [session],
  );
  if (!session || !api) {
    return (
      <>
        {signOutReason ? (
          <p class="note note-error banner" role="alert">
            Signed out: {signOutReason}
          </p>
        ) : null}
        <SignIn
          onSignedIn={(s) => {
            saveSession(s);
            setSignOutReason(undefined);
            setSession(s);
          }}
        />
      </>
    );
  }
  return (
    <Layout route={route} workspaceId={session.workspaceId} onSignOut={() => signOut()}>
      {route.page === 'batches' ? <Batches api={api} page={route.pageNo} /> : null}
      {route.page === 'new-batch' ? <NewBatch api={api} /> : null}
      {route.page === 'batch' ? <Batch key={route.id} api={api} id={route.id} /> : null}
      {route.page === 'agents' ? <Agents api={api} /> : null}
      {route.page === 'agent' ? <AgentForm key={route.id} api={api} id={route.id} /> : null}
      {route.page === 'settings' ? <Settings api={api} /> : null}
      {route.page === 'dnc' ? <DoNotCall api={api} /> : null}
      {route.page === 'webhooks' ? <Webhooks api={api} /> : null}
      {route.page === 'webhook' ? <WebhookPage key={route.id} api={api} id={route.id} /> : null}
      {route.page === 'not-found' ? (
        <section>
          <h1>Page not found</h1>
          <p>
            Nothing lives at <code>#{route.path}</code>.{' '}
            <a href={href.batches()}>See the batches</a>.
          </p>
        </section>
      ) : null}
    </Layout>
  );
}

render(<App />, document.getElementById('app')!);
