import { useEffect, useId, useState } from 'preact/hooks';
import type { Api } from '../api/client';
import type { Agent, PreviewReport as Report, StartAnswer } from '../api/types';
import {
  CallingWindowFields,
  type CallingWindowValue,
  callingWindowJson,
  DEFAULT_WINDOW,
} from '../components/calling-window-fields';
import { ErrorNote } from '../components/layout';
import { PreviewReport } from '../components/preview-report';
import {
  SmartCallbackFields,
  type SmartCallbackValue,
  smartCallbackJson,
} from '../components/smart-callback-fields';
import { formatCount } from '../format';
import { useLoad } from '../poll';
import { href, navigate } from '../router';
import { templateVariables } from '../template-variables';

/** The form fields both the preview and the start send, as the API's multipart form. */
function form(file: File, fields: Record<string, string | undefined>): FormData {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== '') data.set(k, v);
  // The file last: the server reads fields that come before it while the file streams.
  data.set('file', file, file.name);
  return data;
}

/**
 * Pick an agent, drop a CSV: the page shows the preview report (row errors with line and
 * column, warnings, duplicates, columns and the agent's variables) before anything is created;
 * then the options, then start.
 */
export function NewBatch({ api }: { api: Api }) {
  const id = useId();
  const agents = useLoad(() => api.get<{ agents: Agent[] }>('/agents'), [api]);
  const [agentId, setAgentId] = useState('');
  const [file, setFile] = useState<File | undefined>(undefined);
  const [defaultCountry, setDefaultCountry] = useState('');
  const [report, setReport] = useState<Report | undefined>(undefined);
  const [checking, setChecking] = useState(false);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [dragging, setDragging] = useState(false);
  const [name, setName] = useState('');
  const [schedule, setSchedule] = useState('');
  const [maxConcurrency, setMaxConcurrency] = useState('');
  const [skipInvalid, setSkipInvalid] = useState(false);
  const [callWindow, setCallWindow] = useState<CallingWindowValue>(DEFAULT_WINDOW);
  const [smart, setSmart] = useState<SmartCallbackValue>({
    enabled: false,
    maxAttempts: 3,
    gaps: [{ days: 0, hours: 4 }],
  });
  const [smartTouched, setSmartTouched] = useState(false);
  const [starting, setStarting] = useState(false);

  const agent = agents.data?.agents.find((a) => a.id === agentId);
  // The first agent is picked for the user; most workspaces have one.
  useEffect(() => {
    const first = agents.data?.agents[0];
    if (!agentId && first) setAgentId(first.id);
  }, [agents.data, agentId]);
  useEffect(() => {
    if (agent && !smartTouched) {
      setSmart({
        enabled: agent.smartCallback,
        maxAttempts: agent.maxAttemptsForSmartCallback,
        gaps: agent.gapBetweenEachAttemptForSmartCallback.length
          ? agent.gapBetweenEachAttemptForSmartCallback
          : [{ days: 0, hours: 4 }],
      });
    }
  }, [agent, smartTouched]);

  // Every change of file, agent or country checks the file again; nothing is stored.
  useEffect(() => {
    if (!file || !agentId) return;
    let stale = false;
    setChecking(true);
    setError(undefined);
    api
      .json<Report>('POST', '/batch-calls/preview', {
        body: form(file, { agentId, defaultCountry: defaultCountry.trim().toUpperCase() }),
      })
      .then((r) => !stale && setReport(r))
      .catch((err: Error) => {
        if (stale) return;
        setReport(undefined);
        setError(err);
      })
      .finally(() => !stale && setChecking(false));
    return () => {
      stale = true;
    };
  }, [api, file, agentId, defaultCountry]);

  const pick = (f: File | undefined) => {
    setReport(undefined);
    setFile(f);
  };

  const start = async (e: Event) => {
    e.preventDefault();
    if (!file) return;
    setStarting(true);
    setError(undefined);
    try {
      const answer = await api.json<StartAnswer>('POST', '/batch-calls', {
        body: form(file, {
          agentId,
          // Unnamed, a batch is known by its file's name.
          name: name.trim() || file.name.replace(/\.[^.]+$/, ''),
          scheduledAt: schedule ? new Date(schedule).toISOString() : undefined,
          maxConcurrency: maxConcurrency.trim(),
          defaultCountry: defaultCountry.trim().toUpperCase(),
          skipInvalidRows: skipInvalid ? 'true' : undefined,
          callingWindow: callingWindowJson(callWindow),
          smartCallbackConfig: smartCallbackJson(smart, smartTouched),
        }),
      });
      navigate(href.batch(answer.batchId));
    } catch (err) {
      setError(err as Error);
    } finally {
      setStarting(false);
    }
  };

  const variables = agent ? templateVariables(agent.greeting, agent.prompt) : [];
  const blocked = !report || (!report.valid && !skipInvalid) || report.validRows === 0;
  const startLabel = report
    ? `Start calling ${formatCount(report.validRows)} contact${report.validRows === 1 ? '' : 's'}`
    : 'Start calling';

  return (
    <section aria-labelledby="new-batch-title">
      <div class="page-head">
        <h1 id="new-batch-title">New batch</h1>
      </div>
      <form class="stack" onSubmit={start}>
        <div class="card stack">
          <h2>1. Agent and contacts</h2>
          <ErrorNote error={agents.error} />
          <label for={`${id}-agent`}>Agent</label>
          <select
            id={`${id}-agent`}
            value={agentId}
            onChange={(e) => setAgentId(e.currentTarget.value)}
            required
          >
            {agents.data?.agents.length === 0 ? <option value="">No agents yet</option> : null}
            {agents.data?.agents.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
          {agents.data?.agents.length === 0 ? (
            <p class="note">
              Create an agent first: <a href={href.agent('new')}>new agent</a>.
            </p>
          ) : null}
          {variables.length > 0 ? (
            <p class="muted small">
              This agent uses {variables.map((v) => `{${v}}`).join(', ')}: give the file a column
              for each.{' '}
              <button
                type="button"
                class="link-button"
                onClick={() => void downloadTemplate(api, agentId)}
              >
                Download a template
              </button>
            </p>
          ) : null}
          <label
            for={`${id}-file`}
            class={`dropzone${dragging ? ' dragging' : ''}`}
            onDragOver={(e) => {
              e.preventDefault();
              setDragging(true);
            }}
            onDragLeave={() => setDragging(false)}
            onDrop={(e) => {
              e.preventDefault();
              setDragging(false);
              pick(e.dataTransfer?.files[0]);
            }}
          >
            <strong>{file ? file.name : 'Drop a CSV file here'}</strong>
            <span class="muted">
              {file ? `${formatCount(file.size)} bytes · choose another` : 'or click to choose one'}
            </span>
            <input
              id={`${id}-file`}
              class="visually-hidden"
              type="file"
              accept=".csv,.tsv,.txt,text/csv"
              onChange={(e) => pick(e.currentTarget.files?.[0])}
            />
          </label>
          <label for={`${id}-country`}>Country of numbers written without +</label>
          <input
            id={`${id}-country`}
            class="input-short"
            maxLength={2}
            placeholder="US"
            value={defaultCountry}
            onChange={(e) => setDefaultCountry(e.currentTarget.value)}
            aria-describedby={`${id}-country-help`}
          />
          <p id={`${id}-country-help`} class="muted small">
            Two letters, e.g. US or GB. Leave empty when every number starts with +.
          </p>
        </div>

        {checking ? (
          <p class="muted" role="status">
            Checking the file…
          </p>
        ) : null}
        <ErrorNote error={error} />
        {report ? <PreviewReport report={report} agentVariables={variables} /> : null}

        {report ? (
          <div class="card stack">
            <h2>2. Options</h2>
            <div class="grid-2">
              <div>
                <label for={`${id}-name`}>Name</label>
                <input
                  id={`${id}-name`}
                  value={name}
                  maxLength={200}
                  placeholder={file?.name.replace(/\.[^.]+$/, '')}
                  onInput={(e) => setName(e.currentTarget.value)}
                />
              </div>
              <div>
                <label for={`${id}-schedule`}>Start at (your time; empty: now)</label>
                <input
                  id={`${id}-schedule`}
                  type="datetime-local"
                  value={schedule}
                  onInput={(e) => setSchedule(e.currentTarget.value)}
                />
              </div>
              <div>
                <label for={`${id}-max`}>Most calls at once</label>
                <input
                  id={`${id}-max`}
                  type="number"
                  min={1}
                  value={maxConcurrency}
                  placeholder="workspace limit"
                  onInput={(e) => setMaxConcurrency(e.currentTarget.value)}
                />
              </div>
            </div>
            <CallingWindowFields value={callWindow} onChange={setCallWindow} />
            <fieldset class="fieldset">
              <legend>Smart callback</legend>
              <SmartCallbackFields
                label="Call busy, unanswered and voicemail contacts back later"
                value={smart}
                onChange={(v) => {
                  setSmartTouched(true);
                  setSmart(v);
                }}
              />
            </fieldset>
            {!report.valid ? (
              <label class="check">
                <input
                  type="checkbox"
                  checked={skipInvalid}
                  onChange={(e) => setSkipInvalid(e.currentTarget.checked)}
                />
                Skip the invalid rows and call the {formatCount(report.validRows)} valid ones
              </label>
            ) : null}
            {blocked && !report.valid && !skipInvalid ? (
              <p class="note" id={`${id}-blocked`}>
                Fix the rows listed above and drop the file again, or skip the invalid rows.
              </p>
            ) : null}
            <div>
              <button
                type="submit"
                class="button-primary"
                disabled={blocked || starting}
                aria-describedby={blocked ? `${id}-blocked` : undefined}
              >
                {starting ? 'Starting…' : startLabel}
              </button>
            </div>
          </div>
        ) : null}
      </form>
    </section>
  );
}

/** The agent's CSV template, fetched with the key in a header and saved as a file. */
async function downloadTemplate(api: Api, agentId: string) {
  const res = await api.request('GET', '/batch-calls/template', { query: { agentId } });
  saveBlob(await res.blob(), 'contacts-template.csv');
}

export function saveBlob(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
