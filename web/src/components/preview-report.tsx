import type { PreviewReport as Report, RowIssue } from '../api/types';
import { formatCount } from '../format';

/** Row problems of a file or a list: line, column, value, what is wrong. */
export function Issues({
  title,
  issues,
  total,
}: {
  title: string;
  issues: RowIssue[];
  total: number;
}) {
  if (issues.length === 0) return null;
  return (
    <div class="issues">
      <h3>
        {title} ({formatCount(total)})
      </h3>
      {/* A long value or message scrolls inside the card, never the phone-width page. */}
      <div class="scroll-x">
        <table class="table compact">
          <thead>
            <tr>
              <th scope="col">Line</th>
              <th scope="col">Column</th>
              <th scope="col">Value</th>
              <th scope="col">Problem</th>
            </tr>
          </thead>
          <tbody>
            {issues.map((i) => (
              <tr key={`${i.row}-${i.column ?? ''}-${i.message}`}>
                <td class="num">{i.row}</td>
                <td>{i.column ?? '—'}</td>
                <td>
                  <code>{i.value ?? ''}</code>
                </td>
                <td>{i.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {total > issues.length ? (
        <p class="muted small">The first {issues.length} are listed.</p>
      ) : null}
    </div>
  );
}

/** The validate/preview answer: counts, row problems, the columns and what the agent gets. */
export function PreviewReport({
  report,
  agentVariables,
}: {
  report: Report;
  agentVariables: string[];
}) {
  const mapping = report.mapping ?? {};
  const headerFor = (v: string) => mapping[v] ?? (report.columns.includes(v) ? v : undefined);
  return (
    <section class="card report" aria-labelledby="report-title" aria-live="polite">
      <h2 id="report-title">{report.valid ? 'The file is ready' : 'The file has problems'}</h2>
      <dl class="stats">
        <div>
          <dt>Rows</dt>
          <dd>{formatCount(report.totalRows)}</dd>
        </div>
        <div>
          <dt>To dial</dt>
          <dd>{formatCount(report.validRows)}</dd>
        </div>
        <div>
          <dt>Invalid</dt>
          <dd class={report.invalidRows > 0 ? 'bad' : ''}>{formatCount(report.invalidRows)}</dd>
        </div>
        <div>
          <dt>Duplicates</dt>
          <dd class={report.duplicateRows > 0 ? 'bad' : ''}>{formatCount(report.duplicateRows)}</dd>
        </div>
        <div>
          <dt>Warnings</dt>
          <dd>{formatCount(report.warningCount)}</dd>
        </div>
      </dl>
      <Issues title="Errors" issues={report.errors} total={report.errorCount} />
      <Issues title="Warnings" issues={report.warnings} total={report.warningCount} />
      <h3>Columns</h3>
      <ul class="chips" aria-label="Columns of the file">
        {report.columns.map((c) => (
          <li key={c} class="chip">
            {c}
            {Object.entries(mapping)
              .filter(([, header]) => header === c)
              .map(([v]) => (v === c ? null : <span key={v}> → {`{${v}}`}</span>))}
          </li>
        ))}
      </ul>
      {agentVariables.length > 0 ? (
        <>
          <h3>The agent's variables</h3>
          <div class="scroll-x">
            <table class="table compact">
              <thead>
                <tr>
                  <th scope="col">Variable</th>
                  <th scope="col">Filled from column</th>
                </tr>
              </thead>
              <tbody>
                {agentVariables.map((v) => {
                  const h = headerFor(v);
                  return (
                    <tr key={v}>
                      <td>
                        <code>{`{${v}}`}</code>
                      </td>
                      <td class={h ? '' : 'bad'}>{h ?? 'no column: it will be empty'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      {report.rows.length > 0 ? (
        <>
          <h3>First rows as they will be dialed</h3>
          <div class="scroll-x">
            <table class="table compact">
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Number</th>
                  {Object.keys(report.rows[0]?.variables ?? {}).map((k) => (
                    <th key={k} scope="col">
                      {k}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {report.rows.map((r) => (
                  <tr key={r.row}>
                    <td class="num">{r.row}</td>
                    <td class="mono">{r.phone_number}</td>
                    {Object.values(r.variables).map((v, i) => (
                      <td key={i}>{v}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}
