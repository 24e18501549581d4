import { useState } from 'preact/hooks';
import type { Api } from '../api/client';
import type { Webhook, WebhookTestAnswer } from '../api/types';
import { answeredOk, answerText, DeliveryLog } from '../components/delivery-log';
import { ErrorNote, NotLoaded } from '../components/layout';
import { eventsText, SecretOnce, WebhookForm } from '../components/webhook-form';
import { formatDateTime } from '../format';
import { useLoad } from '../poll';
import { href, navigate } from '../router';

const testText = (t: WebhookTestAnswer) =>
  answeredOk(t.statusCode)
    ? `Test event delivered: the endpoint answered HTTP ${t.statusCode}.`
    : `Test event not accepted: ${answerText(t.statusCode, t.error) ?? 'no answer'}.`;

/** One endpoint: enable/disable, edit, rotate its secret, send a test, delete; its deliveries. */
export function WebhookPage({ api, id }: { api: Api; id: string }) {
  const base = `/webhooks/${encodeURIComponent(id)}`;
  const hook = useLoad(() => api.get<Webhook>(base), [api, base]);
  const [editing, setEditing] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [secret, setSecret] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [notice, setNotice] = useState<{ text: string; ok: boolean } | undefined>(undefined);
  // A test or a change shows in the log at once, not at the next refresh.
  const [logKey, setLogKey] = useState(0);

  const act = async (run: () => Promise<{ text: string; ok: boolean } | undefined>) => {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      const said = await run();
      setNotice(said);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const w = hook.data;
  if (!w) {
    return (
      <NotLoaded back={{ href: href.webhooks(), label: 'Webhooks' }} what="webhook" load={hook} />
    );
  }

  const setEnabled = (enabled: boolean) =>
    act(async () => {
      await api.json('PATCH', base, { body: { enabled } });
      await hook.reload();
      return {
        text: enabled ? 'Webhook enabled.' : 'Webhook disabled: no event is sent.',
        ok: true,
      };
    });
  const rotate = () =>
    act(async () => {
      const answer = await api.json<{ secret: string }>('POST', `${base}/rotate-secret`);
      setSecret(answer.secret);
      return {
        text: 'New secret made. The previous one still signs for 24 hours, alongside it.',
        ok: true,
      };
    });
  const test = () =>
    act(async () => {
      const answer = await api.json<WebhookTestAnswer>('POST', `${base}/test`);
      setLogKey((k) => k + 1);
      return { text: testText(answer), ok: answeredOk(answer.statusCode) };
    });
  const remove = () =>
    act(async () => {
      await api.json('DELETE', base);
      navigate(href.webhooks());
      return undefined;
    });

  return (
    <section aria-labelledby="webhook-title" class="stack">
      <p>
        <a href={href.webhooks()}>← Webhooks</a>
      </p>
      <div class="page-head">
        <div class="wrap-anywhere">
          <h1 id="webhook-title">{w.description || 'Webhook'}</h1>
          <p class="mono">{w.url}</p>
          <p class="muted mono small">{w.id}</p>
        </div>
        <div class="actions">
          <button type="button" disabled={busy} onClick={() => void test()}>
            Send test event
          </button>
          <button type="button" disabled={busy} onClick={() => void setEnabled(!w.enabled)}>
            {w.enabled ? 'Disable' : 'Enable'}
          </button>
          <button
            type="button"
            onClick={() => setEditing((e) => !e)}
            aria-expanded={editing}
            aria-controls="webhook-edit"
          >
            Edit
          </button>
          <button type="button" disabled={busy} onClick={() => void rotate()}>
            Rotate secret
          </button>
          <button
            type="button"
            class="button-danger"
            onClick={() => setConfirmDelete(true)}
            aria-expanded={confirmDelete}
            aria-controls="delete-confirm"
          >
            Delete
          </button>
        </div>
      </div>
      {confirmDelete ? (
        <section id="delete-confirm" class="card confirm" aria-labelledby="delete-q">
          <p id="delete-q">
            <strong>Delete this webhook?</strong> Deliveries still waiting to be sent to it are
            dropped.
          </p>
          <div class="actions">
            <button
              type="button"
              class="button-danger"
              disabled={busy}
              onClick={() => void remove()}
            >
              Yes, delete it
            </button>
            <button type="button" onClick={() => setConfirmDelete(false)}>
              Keep it
            </button>
          </div>
        </section>
      ) : null}
      {notice ? (
        <p class={`note ${notice.ok ? 'note-ok' : 'note-error'}`} role="status">
          {notice.text}
        </p>
      ) : null}
      <ErrorNote error={error} />
      {secret ? <SecretOnce secret={secret} onDismiss={() => setSecret(undefined)} /> : null}
      {editing ? (
        <section id="webhook-edit" class="card" aria-labelledby="edit-title">
          <h2 id="edit-title">Edit webhook</h2>
          <WebhookForm
            initial={w}
            submitLabel="Save changes"
            onCancel={() => setEditing(false)}
            onSubmit={async (d) => {
              await api.json('PATCH', base, {
                body: {
                  url: d.url,
                  events: d.events,
                  // An emptied description is removed, not kept.
                  description: d.description === '' ? null : d.description,
                },
              });
              await hook.reload();
              setEditing(false);
              setNotice({ text: 'Changes saved.', ok: true });
            }}
          />
        </section>
      ) : null}
      <div class="card">
        <dl class="stats">
          <div>
            <dt>State</dt>
            <dd>
              <span class={`badge ${w.enabled ? 'badge-completed' : 'badge-cancelled'}`}>
                {w.enabled ? 'Enabled' : 'Disabled'}
              </span>
              {w.disabledReason ? <span class="muted small block">{w.disabledReason}</span> : null}
            </dd>
          </div>
          <div>
            <dt>Events</dt>
            <dd>{eventsText(w.events)}</dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{formatDateTime(w.createdAt)}</dd>
          </div>
        </dl>
      </div>
      <DeliveryLog api={api} webhookId={w.id} refreshKey={logKey} />
    </section>
  );
}
