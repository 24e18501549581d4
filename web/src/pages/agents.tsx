import type { Api } from '../api/client';
import type { Agent } from '../api/types';
import { ErrorNote } from '../components/layout';
import { formatDateTime } from '../format';
import { useLoad } from '../poll';
import { href } from '../router';
import { templateVariables } from '../template-variables';

export function Agents({ api }: { api: Api }) {
  const { data, error, loading } = useLoad(() => api.get<{ agents: Agent[] }>('/agents'), [api]);
  return (
    <section aria-labelledby="agents-title">
      <div class="page-head">
        <h1 id="agents-title">Agents</h1>
        <a class="button button-primary" href={href.agent('new')}>
          New agent
        </a>
      </div>
      <ErrorNote error={error} />
      {loading && !data ? <p class="muted">Loading agents…</p> : null}
      {data && data.agents.length === 0 ? (
        <div class="card empty">
          <h2>No agents yet</h2>
          <p>An agent holds the greeting and the script your calls use.</p>
        </div>
      ) : null}
      {data && data.agents.length > 0 ? (
        <table class="table responsive">
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">Greeting</th>
              <th scope="col">Variables it uses</th>
              <th scope="col">Provider</th>
              <th scope="col">Changed</th>
            </tr>
          </thead>
          <tbody>
            {data.agents.map((a) => (
              <tr key={a.id}>
                <th scope="row" data-label="Agent">
                  <a href={href.agent(a.id)}>{a.name}</a>
                  <span class="muted small block mono">{a.id}</span>
                </th>
                <td data-label="Greeting" class="clip">
                  {a.greeting || '—'}
                </td>
                <td data-label="Variables">
                  {templateVariables(a.greeting, a.prompt)
                    .map((v) => `{${v}}`)
                    .join(' ') || '—'}
                </td>
                <td data-label="Provider">{a.provider}</td>
                <td data-label="Changed">{formatDateTime(a.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
