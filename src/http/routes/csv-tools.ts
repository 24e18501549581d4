import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  parseColumnMap,
  parseDefaultCountry,
  parseStrictVariables,
  textField,
} from '../../domain/batch-options.js';
import { badRequest, notFound } from '../../domain/errors.js';
import type { Agent } from '../../domain/types.js';
import { agentVariables, missingColumnsError } from '../../ingest/agent-variables.js';
import { findAgent, workspaceOf } from '../../ingest/batch-creation.js';
import {
  type ContactTable,
  columnMapping,
  contactTable,
  rowVariables,
} from '../../ingest/contact-columns.js';
import { type ContactCheck, checkContacts } from '../../ingest/contact-validation.js';
import { PHONE_COLUMN } from '../../ingest/phone-column.js';
import { MAX_LISTED_ISSUES, mergeIssues, type RowIssue } from '../../ingest/row-issues.js';
import { isStorableText } from '../../ingest/storable-text.js';
import { FILE_FIELD } from '../../ingest/upload.js';
import type { Runtime } from '../../runtime.js';
import { getAgent } from '../../storage/agents-repo.js';
import { listedAmong } from '../../storage/dnc-repo.js';
import {
  PreviewBody,
  type PreviewRow,
  TemplateBody,
  TemplateQuery,
  ValidateBody,
} from '../schemas/csv-tools.js';
import { AgentNotFoundBody, ErrorBody } from '../schemas/error-bodies.js';
import { acceptAnyBody, readUploadRequest, uploadErrorHandler } from './batch-create.js';

const TEMPLATE_EXAMPLE: ReadonlyArray<[column: string, example: string]> = [
  [PHONE_COLUMN, '+15005550001'],
  ['first_name', 'John'],
  ['last_name', 'Smith'],
  ['email', 'john.smith@example.com'],
];

/**
 * The standard columns, then the agent's own {variables}: those its greeting and prompt use, then
 * those it declares, in order of first use. Their example cells are left empty: any value would
 * be one the user has to remember to replace.
 */
export function templateColumns(agent?: Agent): string[] {
  const columns = new Set(TEMPLATE_EXAMPLE.map(([c]) => c));
  // Trimmed names (agentVariables trims): the CSV reader trims header names too.
  if (agent) for (const name of agentVariables(agent)) columns.add(name);
  return [...columns];
}

const csvCell = (s: string) => (/[",\r\n]|^\s|\s$/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

export function csvTemplate(agent?: Agent): string {
  const columns = templateColumns(agent);
  const example = new Map(TEMPLATE_EXAMPLE);
  const header = columns.map(csvCell).join(',');
  const row = columns.map((c) => csvCell(example.get(c) ?? '')).join(',');
  return `${header}\n${row}\n`;
}

/** How many rows §12 shows. */
export const PREVIEW_ROWS = 10;

interface CheckedRequest {
  contacts: ContactTable;
  check: ContactCheck;
  mapping: Record<string, string>;
}

function validationReport({ contacts, check, mapping }: CheckedRequest): ValidateBody {
  const invalidRows = check.errorCount - check.duplicateCount;
  return {
    valid: check.errorCount === 0,
    totalRows: check.totalRows,
    // Exactly the rows §1 stores with skipInvalidRows=true (the first of each number included).
    validRows: check.accepted.length,
    invalidRows,
    duplicateRows: check.duplicateCount,
    columns: contacts.header,
    ...(Object.keys(mapping).length > 0 && { mapping }),
    errors: check.errors,
    warnings: check.warnings,
    errorCount: check.errorCount,
    warningCount: check.warningCount,
  };
}

function previewRows({ contacts, check }: CheckedRequest): PreviewRow[] {
  return check.accepted.slice(0, PREVIEW_ROWS).map((i, k) => ({
    row: contacts.lines[i]!,
    phone_number: check.phones[k]!,
    variables: rowVariables(contacts, i),
  }));
}

/**
 * The contacts of a validate / preview request, checked exactly as §1 would: structural problems
 * (no file, no phone column, a columnMap that does not fit, malformed CSV, too large, an unknown
 * agent, missing agent variables with strictVariables=true) throw §1's 400/413; row problems are
 * reported. Nothing is stored.
 */
async function checkRequest(
  rt: Runtime,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<CheckedRequest> {
  const { upload } = await readUploadRequest(req, reply, rt.config.maxUploadBytes);
  if (upload.table === undefined) {
    throw badRequest('No file uploaded', `Send the CSV as the multipart field "${FILE_FIELD}"`);
  }
  const { fields } = upload;
  const contacts = contactTable(upload.table, parseColumnMap(fields));
  const defaultCountry = parseDefaultCountry(fields);
  const strict = parseStrictVariables(fields);
  // Read as create reads it (a JSON value that is not a string names no agent, never a 500).
  const agentId = textField(fields, 'agentId');
  const variables = agentId ? agentVariables(await findAgent(rt, req.workspaceId, agentId)) : [];
  const { requireConsent } = await workspaceOf(rt, req.workspaceId);
  const check = checkContacts(contacts, {
    ...(defaultCountry !== undefined && { defaultCountry }),
    agentVariables: variables,
    requireConsent,
  });
  if (strict && check.missingVariables.length > 0) {
    throw missingColumnsError(check.missingVariables);
  }
  return {
    contacts,
    check: await withDncWarnings(rt, req.workspaceId, contacts, check),
    mapping: columnMapping(contacts, variables),
  };
}

/** Ext §18: rows whose number is on the do-not-call list are reported as warnings (create leaves them out). */
async function withDncWarnings(
  rt: Runtime,
  workspaceId: string,
  contacts: ContactTable,
  check: ContactCheck,
): Promise<ContactCheck> {
  const listed = await listedAmong(rt.db, workspaceId, check.phones);
  if (listed.size === 0) return check;
  const issues: RowIssue[] = [];
  check.accepted.forEach((row, k) => {
    if (listed.has(check.phones[k]!)) {
      issues.push({
        row: contacts.lines[row]!,
        column: 'phone_number',
        value: check.phones[k]!,
        message: 'On the do-not-call list: this row will not be called',
      });
    }
  });
  return {
    ...check,
    warnings: mergeIssues(check.warnings, issues, MAX_LISTED_ISSUES),
    warningCount: check.warningCount + issues.length,
  };
}

/** §10 CSV template, §11 validate and §12 preview. */
export async function csvToolsRoutes(app: FastifyInstance, opts: { rt: Runtime }) {
  const { rt } = opts;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  acceptAnyBody(app);

  r.get(
    '/template',
    {
      schema: {
        querystring: TemplateQuery,
        response: {
          200: { content: { 'text/csv': { schema: TemplateBody } } },
          400: ErrorBody,
          404: AgentNotFoundBody,
        },
      },
    },
    async (req, reply) => {
      const agentId = req.query.agentId?.trim();
      let agent: Agent | undefined;
      if (agentId) {
        // An id PostgreSQL cannot even compare (ingest/storable-text.ts) names no agent.
        agent = isStorableText(agentId)
          ? await getAgent(rt.db, req.workspaceId, agentId)
          : undefined;
        if (!agent) {
          throw notFound({ error: 'Agent not found', message: `No agent with id ${agentId}` });
        }
      }
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="batch-calls-template.csv"')
        .send(csvTemplate(agent));
    },
  );

  // Same body limit as §1: a JSON body may carry up to 100,000 recipients.
  const bodyLimit = rt.config.maxUploadBytes;
  const consumes = ['multipart/form-data', 'application/json'];

  r.post(
    '/validate',
    {
      bodyLimit,
      errorHandler: uploadErrorHandler,
      schema: { consumes, response: { 200: ValidateBody, 400: ErrorBody, 413: ErrorBody } },
    },
    async (req, reply) => validationReport(await checkRequest(rt, req, reply)),
  );

  r.post(
    '/preview',
    {
      bodyLimit,
      errorHandler: uploadErrorHandler,
      schema: { consumes, response: { 200: PreviewBody, 400: ErrorBody, 413: ErrorBody } },
    },
    async (req, reply) => {
      const checked = await checkRequest(rt, req, reply);
      return { ...validationReport(checked), rows: previewRows(checked) };
    },
  );
}
