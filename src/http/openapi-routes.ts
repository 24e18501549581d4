// What the OpenAPI document says about each route beyond its schemas: tag, summary, operationId
// and, for multipart uploads, the form fields (their bodies are streamed, so they carry no body
// schema for Fastify to validate). Keyed by method and path without the API prefix, parameters
// written `{}` so the key does not depend on how a route names them.

export interface RouteDoc {
  tag: string;
  summary: string;
  operationId: string;
  /**
   * Doc-only request bodies by content type (never used for validation: multipart bodies are
   * streamed). Only the content types the route itself lists in `consumes` are documented.
   */
  bodies?: Record<string, Record<string, unknown>>;
  /** Doc-only extra header parameters. */
  headers?: Record<string, unknown>;
}

export const TAGS = [
  { name: 'Batch calls', description: 'Start, follow and cancel batches of outbound calls' },
  { name: 'CSV tools', description: 'Templates, validation and previews of contact files' },
  { name: 'Agents', description: 'The AI voice agents that make the calls' },
  { name: 'Workspace', description: 'Limits and defaults of the workspace (ext)' },
  { name: 'Operations', description: 'Health, readiness, metrics and this document (no auth)' },
];

const text = (description: string) => ({ type: 'string', description });
const file = {
  type: 'string',
  format: 'binary',
  description:
    'CSV with a header row; max 20 MB. Comma, semicolon, tab or pipe separated (decided from the ' +
    'header); UTF-8 (BOM or not), UTF-16 LE/BE with BOM, or Windows-1252. The phone column is ' +
    'phone_number, else one of Phone Number, phone, mobile, Mobile Phone, telephone, ' +
    'contact_number, number (any case or punctuation), or the one columnMap names. An Excel ' +
    'workbook (.xlsx, .xls) is refused: save it as CSV',
};
const defaultCountry = text('ext: ISO country (e.g. US) used to read national-format numbers');
const columnMap = text(
  'ext, JSON: variable name → header of the file, e.g. {"phone_number":"Mobile","first_name":"First Name"}; ' +
    'phone_number picks the column to dial, any other key stores that column under the key (in ' +
    'result.metadata and the export); unmapped headers keep their own names, and templates find ' +
    'them by alias too ({first_name} finds "First Name")',
);
const strictVariables = {
  type: 'string',
  enum: ['true', 'false'],
  description:
    "ext: true refuses (400, nothing stored) a file without a column for one of the agent's " +
    'template variables; by default that is a warning (they render as empty text)',
};

const createForm = {
  type: 'object',
  required: ['file', 'agentId'],
  properties: {
    file,
    agentId: text('an agent of this workspace'),
    scheduledAt: text('ISO-8601 UTC; dialing starts then (not in the past)'),
    smartCallbackConfig: text(
      'JSON: {"enabled":bool,"maxAttempts":n,"gaps":[{"days":d,"hours":h}]}; overrides the agent',
    ),
    name: text('ext: display name'),
    maxConcurrency: {
      type: 'integer',
      minimum: 1,
      description: "ext: cap on this batch's simultaneous calls",
    },
    callingWindow: text(
      'ext, JSON: {"timezone":"recipient"|"<IANA zone>","days":[1..7],"start":"09:00","end":"20:00"}; ' +
        '"recipient" (the default) reads each number in its own zone when its range has exactly ' +
        "one, else in the workspace's timezone",
    ),
    skipInvalidRows: {
      type: 'string',
      enum: ['true', 'false'],
      description: 'ext: true creates the batch from the valid rows and lists the rest',
    },
    defaultCountry,
    columnMap,
    strictVariables,
  },
};

const checkAgentId = text(
  "ext: check the file against this agent's variables (missing columns, empty cells), as §1 does",
);
const checkForm = {
  type: 'object',
  required: ['file'],
  properties: { file, defaultCountry, columnMap, agentId: checkAgentId, strictVariables },
};

const recipients = {
  type: 'array',
  minItems: 1,
  description: 'ext: the rows of a CSV as objects; recipients[i] is reported as row i + 2',
  items: {
    type: 'object',
    required: ['phone_number'],
    properties: { phone_number: text('the number to call') },
    additionalProperties: { type: ['string', 'number', 'boolean'] },
  },
};

const { file: _file, ...createOptions } = createForm.properties;
const createJson = {
  type: 'object',
  required: ['agentId', 'recipients'],
  properties: { ...createOptions, recipients },
};
const checkJson = {
  type: 'object',
  required: ['recipients'],
  properties: { recipients, defaultCountry, columnMap, agentId: checkAgentId, strictVariables },
};

const idempotencyKey = {
  type: 'object',
  properties: {
    'idempotency-key': text('ext: the same key within 24 h returns the first response'),
  },
};

export const ROUTE_DOCS: Record<string, RouteDoc> = {
  'POST /batch-calls': {
    tag: 'Batch calls',
    summary: 'Start a batch from a CSV upload (§1)',
    operationId: 'createBatch',
    bodies: { 'multipart/form-data': createForm, 'application/json': createJson },
    headers: idempotencyKey,
  },
  'GET /batch-calls': {
    tag: 'Batch calls',
    summary: 'List batches, newest first (§13, ext)',
    operationId: 'listBatches',
  },
  'GET /batch-calls/{}': {
    tag: 'Batch calls',
    summary: 'Batch status with progress and recent calls (§2)',
    operationId: 'getBatch',
  },
  'GET /batch-calls/{}/status': {
    tag: 'Batch calls',
    summary: 'Batch progress, flattened (§3)',
    operationId: 'getBatchProgress',
  },
  'GET /batch-calls/{}/calls': {
    tag: 'Batch calls',
    summary: "List a batch's calls in CSV order (§4)",
    operationId: 'listBatchCalls',
  },
  'GET /batch-calls/{}/calls/{}': {
    tag: 'Batch calls',
    summary: "One call's status and result (§5)",
    operationId: 'getBatchCall',
  },
  'DELETE /batch-calls/{}': {
    tag: 'Batch calls',
    summary: 'Cancel a batch (§6)',
    operationId: 'cancelBatch',
  },
  'DELETE /batch-calls/{}/calls/{}': {
    tag: 'Batch calls',
    summary: 'Cancel one waiting call (§7)',
    operationId: 'cancelBatchCall',
  },
  'DELETE /batch-calls/{}/contacts/{}': {
    tag: 'Batch calls',
    summary: "Cancel a phone number's waiting calls in a batch (§8)",
    operationId: 'cancelBatchContact',
  },
  'GET /batch-calls/{}/export-results': {
    tag: 'Batch calls',
    summary: 'Export every call of a batch as CSV (§9)',
    operationId: 'exportBatchResults',
  },
  'GET /batch-calls/template': {
    tag: 'CSV tools',
    summary: 'A CSV template (§10)',
    operationId: 'getCsvTemplate',
  },
  'POST /batch-calls/validate': {
    tag: 'CSV tools',
    summary: 'Validate a CSV without storing anything (§11)',
    operationId: 'validateCsv',
    bodies: { 'multipart/form-data': checkForm, 'application/json': checkJson },
  },
  'POST /batch-calls/preview': {
    tag: 'CSV tools',
    summary: 'Validate a CSV and show its first rows as they would be dialed (§12)',
    operationId: 'previewCsv',
    bodies: { 'multipart/form-data': checkForm, 'application/json': checkJson },
  },
  'POST /agents': { tag: 'Agents', summary: 'Create an agent (§14)', operationId: 'createAgent' },
  'GET /agents': { tag: 'Agents', summary: 'List agents (§14)', operationId: 'listAgents' },
  'GET /agents/{}': { tag: 'Agents', summary: 'Get an agent (§14)', operationId: 'getAgent' },
  'PUT /agents/{}': { tag: 'Agents', summary: 'Update an agent (§14)', operationId: 'updateAgent' },
  'DELETE /agents/{}': {
    tag: 'Agents',
    summary: 'Delete an agent (§14)',
    operationId: 'deleteAgent',
  },
  'GET /workspace': {
    tag: 'Workspace',
    summary: 'Workspace settings (§15, ext)',
    operationId: 'getWorkspace',
  },
  'PATCH /workspace': {
    tag: 'Workspace',
    summary: 'Change workspace settings (§15, ext)',
    operationId: 'updateWorkspace',
  },
  'GET /healthz': { tag: 'Operations', summary: 'Process is up (§16)', operationId: 'healthz' },
  'GET /readyz': {
    tag: 'Operations',
    summary: 'Database reachable and migrated (§16)',
    operationId: 'readyz',
  },
  'GET /metrics': {
    tag: 'Operations',
    summary: 'Prometheus metrics (§16)',
    operationId: 'metrics',
  },
  'GET /openapi.json': {
    tag: 'Operations',
    summary: 'This OpenAPI document (§16)',
    operationId: 'openapi',
  },
};
