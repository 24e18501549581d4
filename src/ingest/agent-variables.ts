// Which of an agent's variables a contact file provides. A template variable no column provides
// renders as empty text (the contract's rule), so a file missing one is reported: a warning by
// default, a 400 on an upload with strictVariables=true. A provided variable whose cell is empty
// in a row is a warning for that row.
import { badRequest } from '../domain/errors.js';
import { templateVariables, variableFinder } from '../domain/template.js';
import type { Agent } from '../domain/types.js';
import { type ContactTable, variableColumns } from './contact-columns.js';
import type { RowIssue } from './row-issues.js';

/** The variables an agent uses: its greeting's, its prompt's, then those it declares. */
export function agentVariables(agent: Pick<Agent, 'greeting' | 'prompt' | 'variables'>): string[] {
  const names = new Set<string>();
  const used = [
    ...templateVariables(agent.greeting),
    ...templateVariables(agent.prompt),
    ...(agent.variables ?? []),
  ];
  for (const name of used.map((n) => n.trim())) if (name !== '') names.add(name);
  return [...names];
}

export interface VariableColumns {
  /** Variables no column provides, in the agent's order. */
  missing: string[];
  /** Each provided variable and the column index (in the file) that provides it. */
  provided: Array<{ name: string; column: number }>;
}

/** Finds each variable among the table's stored names, as templates will (exact, then alias). */
export function variableColumnsFor(t: ContactTable, names: readonly string[]): VariableColumns {
  const find = variableFinder(variableColumns(t));
  const out: VariableColumns = { missing: [], provided: [] };
  for (const name of names) {
    const key = find(name);
    if (key === undefined) out.missing.push(name);
    else out.provided.push({ name, column: t.columns.indexOf(key) });
  }
  return out;
}

export const missingColumnsMessage = (missing: readonly string[]) =>
  `Missing columns for the agent's variables: ${missing.join(', ')}`;

/** The file-level warning (reported on the header row, line 1). */
export const missingColumnsWarning = (missing: readonly string[]): RowIssue => ({
  row: 1,
  message: `${missingColumnsMessage(missing)} (they will be read as empty text)`,
});

/** strictVariables=true: a missing variable refuses the upload. */
export const missingColumnsError = (missing: readonly string[]) =>
  badRequest(
    'Missing columns',
    `${missingColumnsMessage(missing)}. Add them to the file, map them with columnMap ` +
      '(e.g. {"first_name":"First Name"}), or send strictVariables=false to read them as empty text',
  );

export const emptyVariableMessage = (name: string) =>
  `Empty value for the agent's variable {${name}} (it will be read as empty text)`;
