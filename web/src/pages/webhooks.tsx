import { useState } from 'preact/hooks';
import type { Api } from '../api/client';
import type { Webhook } from '../api/types';
import { ErrorNote } from '../components/layout';
import { eventsText, SecretOnce, WebhookForm } from '../components/webhook-form';
import { formatDateTime } from '../format';
import { useLoad } from '../poll';
import { href } from '../router';

/** Ext §20: the workspace's webhook endpoints, and a new one (its secret shown once). */
export function Webhooks({ api }: { api: Api }) {
  const list = useLoad(() => api.get<{ webhooks: Webhook[] }>('/webhooks'), [api]);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<(Webhook & { secret: string }) | undefined>(undefined);
  const data = list.data;
  return (
    <section aria-labelledby="webhooks-title" class="stack">
      <div class="page-head">
        <div>
          <h1 id="webhooks-title">Webhooks</h1>
          <p class="muted">
            Outdial posts signed events (Standard Webhooks) to these URLs as batches and calls move.
          </p>
        </div>
        {!creating ? (
          <button
            type="button"
            class="button-primary"
            onClick={() => {
              setCreated(undefined);
              setCreating(true);
            }}
          >
            New webhook
          </button>
        ) : null}
      </div>
      {creating ? (
        <section class="card" aria-labelledby="new-webhook-title">
          <h2 id="new-webhook-title">New webhook</h2>
          <WebhookForm
            submitLabel="Create webhook"
            onCancel={() => setCreating(false)}
            onSubmit={async (d) => {
              const answer = await api.json<Webhook & { secret: string }>('POST', '/webhooks', {
                body: {
                  url: d.url,
                  events: d.events,
                  ...(d.description ? { description: d.description } : {}),
                },
              });
              await list.reload();
              setCreating(false);
              setCreated(answer);
            }}
          />
        </section>
      ) : null}
      {created ? (
        <>
          <p class="note note-ok" role="status">
            Webhook created for <span class="mono">{created.url}</span>.{' '}
            <a href={href.webhook(created.id)}>Open it</a> to send a test event.
          </p>
          <SecretOnce secret={created.secret} onDismiss={() => setCreated(undefined)} />
        </>
      ) : null}
      <ErrorNote error={list.error} />
      {list.loading && !data ? <p class="muted">Loading webhooks…</p> : null}
      {data && data.webhooks.length === 0 && !creating ? (
        <div class="card empty">
          <h2>No webhooks yet</h2>
          <p>Add one to hear about finished calls and batches without polling.</p>
        </div>
      ) : null}
      {data && data.webhooks.length > 0 ? (
        <table class="table responsive webhooks-table">
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">State</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {data.webhooks.map((w) => (
              <tr key={w.id}>
                <th scope="row" data-label="URL" class="wrap-anywhere">
                  <a href={href.webhook(w.id)}>{w.url}</a>
                  {w.description ? <span class="muted small block">{w.description}</span> : null}
                </th>
                <td data-label="Events">{eventsText(w.events)}</td>
                <td data-label="State">
                  <span class={`badge ${w.enabled ? 'badge-completed' : 'badge-cancelled'}`}>
                    {w.enabled ? 'Enabled' : 'Disabled'}
                  </span>
                </td>
                <td data-label="Created">{formatDateTime(w.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
