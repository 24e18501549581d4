import { BatchRetryBody } from './schemas/batch-control.js';

// What the OpenAPI document says about each route beyond its schemas: tag, summary, operationId,
// what each answer means there and, for multipart uploads, the form fields (their bodies are
// streamed, so they carry no body schema for Fastify to validate). Keyed by method and path
// without the API prefix, parameters written `{}` so the key does not depend on how a route
// names them.

type Schema = Record<string, unknown>;

/** One documented response: what it means, its bodies by media type, its headers. */
export interface ResponseDoc {
  description: string;
  content?: Record<string, { schema: object }>;
  headers?: Record<string, object>;
}

export interface RouteDoc {
  tag: string;
  /** What the route does, as a plain statement. */
  summary: string;
  operationId: string;
  description?: string;
  /**
   * Doc-only request bodies by content type (never used for validation: multipart bodies are
   * streamed). Only the content types the route itself lists in `consumes` are documented.
   */
  bodies?: Record<string, Schema>;
  /** Doc-only extra header parameters. */
  headers?: Schema;
  /** What an answer means on this route, by status (its body schema comes from the route). */
  answers?: Record<string, string>;
  /** Doc-only response headers, by status. */
  responseHeaders?: Record<string, Record<string, Schema>>;
  /** The whole responses of a route whose handler writes its own bodies (no response schema). */
  responses?: Record<string, ResponseDoc>;
  /** Security of a route outside the API prefixes; none (`[]`) unless given. */
  security?: Array<Record<string, string[]>>;
}

export const TAGS = [
  { name: 'Batch calls', description: 'Start, follow and cancel batches of outbound calls' },
  { name: 'CSV tools', description: 'Templates, validation and previews of contact files' },
  { name: 'Agents', description: 'The AI voice agents that make the calls' },
  { name: 'Workspace', description: 'Limits and defaults of the workspace (ext)' },
  { name: 'Webhooks', description: 'Signed event deliveries to your systems (ext)' },
  { name: 'Telephony', description: "The workspace's carrier accounts (connections)" },
  { name: 'Do-not-call list', description: 'Numbers the workspace never dials (ext)' },
  { name: 'Operations', description: 'Health, readiness, metrics and this document (no key)' },
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
    autoPause: text(
      'ext, JSON: {"failureRate":0.5,"minAttempts":20}: the batch pauses itself (pausedReason says ' +
        'why) when that share of its last minAttempts attempts failed (provider errors, carrier ' +
        'blocks and unreachable numbers count; busy and no answer do not)',
    ),
  },
};

const checkAgentId = text(
  "ext: check the file against this agent's variables (missing columns, empty cells), as creating a batch does",
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

/** What batch-create.ts enforces: 1 to 255 characters. */
const idempotencyKey = {
  type: 'object',
  properties: {
    'idempotency-key': {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      description:
        'ext: the same key within 24 h returns the first answer (with Idempotent-Replayed: true) ' +
        'and creates nothing; reused for a different request: 409',
    },
  },
};

const csvAttachment = (file: string) => ({
  'Content-Disposition': { type: 'string', description: `attachment; filename="${file}"` },
});

/** The API's routes, under their prefix; the operations endpoints are in openapi-operations.ts. */
export const ROUTE_DOCS: Record<string, RouteDoc> = {
  'POST /batch-calls': {
    tag: 'Batch calls',
    summary: 'Start a batch of calls from a CSV upload or a JSON list of recipients',
    operationId: 'createBatch',
    description:
      'The contacts come as a multipart CSV upload, or (ext) as JSON `recipients`. By default one ' +
      'bad row rejects the whole upload and nothing is stored; skipInvalidRows=true creates the ' +
      'batch from the valid rows and lists the others.',
    bodies: { 'multipart/form-data': createForm, 'application/json': createJson },
    headers: idempotencyKey,
    answers: {
      200: 'The batch is created and queued',
      400:
        'Nothing stored: no file or agentId, an unknown agent, an invalid option or ' +
        'Idempotency-Key, or rows that fail validation ({"error":"CSV validation failed",…,"errors":[…]})',
      409: 'The Idempotency-Key was used within 24 h for a different request',
      413: 'The file or body is larger than the upload limit',
    },
    responseHeaders: {
      200: {
        'Idempotent-Replayed': {
          type: 'string',
          enum: ['true'],
          description: 'ext: present when this is the replayed first answer to an Idempotency-Key',
        },
      },
    },
  },
  'GET /batch-calls': {
    tag: 'Batch calls',
    summary: "List the workspace's batches, newest first",
    operationId: 'listBatches',
    answers: { 400: 'An invalid page, limit or status' },
  },
  'GET /batch-calls/{}': {
    tag: 'Batch calls',
    summary: "Get a batch's status, progress counters and most recent calls",
    operationId: 'getBatch',
    answers: { 404: 'No such batch in this workspace' },
  },
  'GET /batch-calls/{}/status': {
    tag: 'Batch calls',
    summary: "Get a batch's progress counters, flattened to the top level",
    operationId: 'getBatchProgress',
    answers: { 404: 'No such batch in this workspace' },
  },
  'GET /batch-calls/{}/calls': {
    tag: 'Batch calls',
    summary: "List a batch's calls in CSV row order, optionally of one status or number",
    operationId: 'listBatchCalls',
    description:
      'ext: `phone` searches by number within the batch (every row of the batch is checked, so ' +
      'a search costs a scan of that one batch, never of others).',
    answers: {
      400: 'An invalid page, limit, status or phone',
      404: 'No such batch in this workspace',
    },
  },
  'GET /batch-calls/{}/activity': {
    tag: 'Batch calls',
    summary: "Count a batch's finished calls by outcome, failure reason and time (ext)",
    operationId: 'getBatchActivity',
    description:
      'What the dashboard charts: completed calls by outcome, failed ones by the reason of ' +
      'their last attempt, and calls finished per interval since the first dial.',
    answers: { 404: 'No such batch in this workspace' },
  },
  'GET /batch-calls/{}/calls/{}': {
    tag: 'Batch calls',
    summary: "Get one call's status, attempts and result",
    operationId: 'getBatchCall',
    description:
      'ext: `?include=attempts` adds `attemptHistory`, each attempt with its times and why it ' +
      "ended; without it the answer is exactly the contract's.",
    answers: {
      400: 'An unknown include',
      404: 'No such call in that batch, or no such batch in this workspace',
    },
  },
  'DELETE /batch-calls/{}': {
    tag: 'Batch calls',
    summary: 'Cancel a batch: its waiting calls are never dialed, active ones finish',
    operationId: 'cancelBatch',
    answers: {
      200: 'Cancelled (again: the same answer with the current counts)',
      404: 'No such batch in this workspace',
      409: 'The batch has already completed or failed ({"error":"Batch already completed"})',
    },
  },
  'DELETE /batch-calls/{}/calls/{}': {
    tag: 'Batch calls',
    summary: 'Cancel one waiting call of a batch',
    operationId: 'cancelBatchCall',
    answers: {
      404: 'No such call in that batch, or no such batch in this workspace',
      409: 'The call is in progress or has already ended',
    },
  },
  'DELETE /batch-calls/{}/contacts/{}': {
    tag: 'Batch calls',
    summary: 'Cancel the waiting calls of one phone number in a batch',
    operationId: 'cancelBatchContact',
    answers: {
      400: 'The phone number cannot be read as a number',
      404: 'No such batch in this workspace, or no call to that number in it',
      409: "The number's call is in progress",
    },
  },
  'GET /batch-calls/{}/export-results': {
    tag: 'Batch calls',
    summary: 'Download every call of a batch with its result, as CSV',
    operationId: 'exportBatchResults',
    answers: { 404: 'No such batch in this workspace' },
    responseHeaders: { 200: csvAttachment('batch_…-results.csv') },
  },
  'GET /batch-calls/template': {
    tag: 'CSV tools',
    summary: "Download a CSV template, with an agent's variables as extra columns",
    operationId: 'getCsvTemplate',
    answers: { 400: 'agentId given more than once', 404: 'No such agent in this workspace' },
    responseHeaders: { 200: csvAttachment('batch-calls-template.csv') },
  },
  'POST /batch-calls/validate': {
    tag: 'CSV tools',
    summary: 'Check a contact list row by row without storing anything',
    operationId: 'validateCsv',
    bodies: { 'multipart/form-data': checkForm, 'application/json': checkJson },
    answers: {
      200: 'The report, also when rows are invalid',
      400: 'No file, no phone_number column, or a malformed CSV',
      413: 'The file or body is larger than the upload limit',
    },
  },
  'POST /batch-calls/preview': {
    tag: 'CSV tools',
    summary: 'Check a contact list and show its first rows as they would be dialed',
    operationId: 'previewCsv',
    bodies: { 'multipart/form-data': checkForm, 'application/json': checkJson },
    answers: {
      200: 'The report and the first 10 valid rows, also when rows are invalid',
      400: 'No file, no phone_number column, or a malformed CSV',
      413: 'The file or body is larger than the upload limit',
    },
  },
  'POST /agents': {
    tag: 'Agents',
    summary: 'Create an agent',
    operationId: 'createAgent',
    description: 'Unknown top-level fields are ignored and never stored.',
    answers: { 201: 'The agent as stored', 400: 'An invalid field; nothing stored' },
  },
  'GET /agents': {
    tag: 'Agents',
    summary: "List the workspace's agents",
    operationId: 'listAgents',
  },
  'GET /agents/{}': {
    tag: 'Agents',
    summary: 'Get an agent',
    operationId: 'getAgent',
    answers: { 404: 'No such agent in this workspace' },
  },
  'PUT /agents/{}': {
    tag: 'Agents',
    summary: 'Change the given fields of an agent; null removes fromNumber or variables',
    operationId: 'updateAgent',
    description: 'Unknown top-level fields are ignored and never stored.',
    answers: {
      200: 'The agent as stored',
      400: 'An invalid field; nothing changed',
      404: 'No such agent in this workspace',
    },
  },
  'DELETE /agents/{}': {
    tag: 'Agents',
    summary: 'Delete an agent that no queued or processing batch uses',
    operationId: 'deleteAgent',
    answers: {
      404: 'No such agent in this workspace',
      409: 'A queued or processing batch uses the agent',
    },
  },
  'GET /workspace': {
    tag: 'Workspace',
    summary: "Get the workspace's limits and timezone",
    operationId: 'getWorkspace',
  },
  'PATCH /workspace': {
    tag: 'Workspace',
    summary: "Change the workspace's limits or timezone, for calls started from now on",
    operationId: 'updateWorkspace',
    answers: { 400: 'An unknown field, an invalid value, or an empty body; nothing changed' },
  },
  'POST /webhooks': {
    tag: 'Webhooks',
    summary: 'Create a webhook endpoint; its signing secret is shown only in this answer',
    operationId: 'createWebhook',
    answers: {
      201: 'The endpoint and its secret (whsec_…)',
      400: 'An invalid field, or a URL that is not http(s) or points to a private address',
      409: 'No encryption key outside the database to seal the secret under',
    },
  },
  'GET /webhooks': {
    tag: 'Webhooks',
    summary: "List the workspace's webhook endpoints",
    operationId: 'listWebhooks',
  },
  'GET /webhooks/{}': {
    tag: 'Webhooks',
    summary: 'Get a webhook endpoint',
    operationId: 'getWebhook',
    answers: { 404: 'No such endpoint in this workspace' },
  },
  'PATCH /webhooks/{}': {
    tag: 'Webhooks',
    summary: 'Change the url, events, description or enabled flag of an endpoint',
    operationId: 'updateWebhook',
    answers: {
      200: 'The endpoint as stored',
      400: 'An invalid field or URL; nothing changed',
      404: 'No such endpoint in this workspace',
    },
  },
  'DELETE /webhooks/{}': {
    tag: 'Webhooks',
    summary: 'Delete an endpoint; its pending deliveries are dropped',
    operationId: 'deleteWebhook',
    answers: { 404: 'No such endpoint in this workspace' },
  },
  'POST /webhooks/{}/rotate-secret': {
    tag: 'Webhooks',
    summary: 'Replace the signing secret; the previous one also signs for 24 hours',
    operationId: 'rotateWebhookSecret',
    answers: {
      404: 'No such endpoint in this workspace',
      409: 'No encryption key outside the database to seal the secret under',
    },
  },
  'POST /webhooks/{}/test': {
    tag: 'Webhooks',
    summary: 'Send a webhook.test event now and say how the receiver answered',
    operationId: 'testWebhook',
    answers: {
      200: "The delivery's id and the receiver's status code, or why there was none",
      404: 'No such endpoint in this workspace',
      409: 'No encryption key outside the database to open the secret with',
    },
  },
  'GET /webhooks/{}/deliveries': {
    tag: 'Webhooks',
    summary: "An endpoint's deliveries, newest first, optionally of one status",
    operationId: 'listWebhookDeliveries',
    answers: { 404: 'No such endpoint in this workspace' },
  },
  'POST /webhooks/{}/deliveries/{}/redeliver': {
    tag: 'Webhooks',
    summary: 'Queue a delivery again, with the same webhook-id',
    operationId: 'redeliverWebhook',
    answers: {
      202: 'Queued; a delivery worker sends it shortly',
      404: 'No such endpoint in this workspace, or no such delivery to it',
    },
  },
  'POST /telephony/connections': {
    tag: 'Telephony',
    summary: 'Connect a carrier account',
    operationId: 'createConnection',
    description:
      'The credentials are checked with the carrier, stored encrypted and never returned; every ' +
      'fromNumber must be an incoming number or verified caller ID of the account. Unknown ' +
      'top-level fields are ignored and never stored.',
    answers: {
      201: 'The connection as stored, without its credentials',
      400: 'An invalid field, credentials the carrier refuses, a number not in the account, or OUTDIAL_PUBLIC_URL unset; nothing stored',
      409: 'No encryption key outside the database (set OUTDIAL_KEY_SECRET)',
      502: 'The carrier could not be asked; nothing stored',
    },
  },
  'GET /telephony/connections': {
    tag: 'Telephony',
    summary: "List the workspace's connections",
    operationId: 'listConnections',
  },
  'GET /telephony/connections/{}': {
    tag: 'Telephony',
    summary: 'Get a connection',
    operationId: 'getConnection',
    answers: { 404: 'No such connection in this workspace' },
  },
  'PATCH /telephony/connections/{}': {
    tag: 'Telephony',
    summary: 'Change the given fields of a connection',
    operationId: 'updateConnection',
    description:
      'New credentials or numbers are checked with the carrier first. Unknown top-level fields ' +
      'are ignored.',
    answers: {
      200: 'The connection as stored, without its credentials',
      400: 'An invalid field, nothing to change, credentials the carrier refuses or a number not in the account; nothing changed',
      404: 'No such connection in this workspace',
      409: 'No encryption key outside the database, or stored credentials it cannot open',
      502: 'The carrier could not be asked; nothing changed',
    },
  },
  'DELETE /telephony/connections/{}': {
    tag: 'Telephony',
    summary: 'Delete a connection; its credentials are erased',
    operationId: 'deleteConnection',
    answers: {
      404: 'No such connection in this workspace',
      409: 'An agent with a queued or processing batch uses it',
    },
  },
  'POST /telephony/twilio/events/{}': {
    tag: 'Telephony',
    summary: "Twilio's status callbacks for one attempt (no API key: Twilio's signature)",
    operationId: 'twilioEvents',
    description:
      'Called by Twilio, never by clients: the URL is given to Twilio with each call. The body ' +
      "is Twilio's form-encoded callback; X-Twilio-Signature must be Twilio's signature of it " +
      "under the connection's auth token, over OUTDIAL_PUBLIC_URL and this path.",
    security: [],
    bodies: {
      'application/x-www-form-urlencoded': {
        type: 'object',
        description: "Twilio's callback fields (CallSid, CallStatus, SipResponseCode, AnsweredBy…)",
        additionalProperties: { type: 'string' },
      },
    },
    answers: {
      204: 'Recorded (or already known)',
      403: 'Not a genuine callback of a call this deployment placed; nothing recorded',
    },
  },
  'GET /agent/attempts/{}': {
    tag: 'Telephony',
    summary: "What the agent on a call reads about it (Bearer: the attempt's report token)",
    operationId: 'getAgentAttempt',
    description:
      "For the user's voice agent, not API clients: `Authorization: Bearer <reportToken>`, the " +
      "token it received with the call (good for this attempt only, for 24 hours). The row's " +
      'variables, and the greeting and prompt with them filled in.',
    security: [{ reportToken: [] }],
    answers: { 401: 'No token, a wrong or expired one, or one of another attempt' },
  },
  'POST /agent/attempts/{}/report': {
    tag: 'Telephony',
    summary: "The agent's report of its call: outcome and transcript (Bearer: the report token)",
    operationId: 'reportAgentAttempt',
    description:
      "For the user's voice agent: `Authorization: Bearer <reportToken>`. Once per attempt. A " +
      "report before the carrier's end is held and becomes the call's result when the call ends; " +
      "a later one replaces the call's result and fires `call.result_updated`, without reopening " +
      'the job. `opted_out` adds the number to the do-not-call list.',
    security: [{ reportToken: [] }],
    answers: {
      202: 'Received',
      400: 'A body outside the schema, or a callbackAt that is not an ISO-8601 date-time',
      401: 'No token, a wrong or expired one, or one of another attempt',
      409: 'A report for this attempt was already received ({"error":"Report already received"})',
    },
  },
  'POST /batch-calls/{}/pause': {
    tag: 'Batch calls',
    summary: 'Pause a batch: no new call starts, calls in progress finish (ext)',
    operationId: 'pauseBatch',
    description:
      'Once this answers, no new attempt of the batch starts in any process; attempts claimed but ' +
      'not yet sent wait again without being spent, and scheduled retries keep their times. ' +
      'Pausing a paused batch changes nothing.',
    answers: {
      200: 'Paused (or already paused)',
      404: 'No such batch in this workspace',
      409: 'The batch has already completed, been cancelled or failed ({"error":"Batch already cancelled"})',
    },
  },
  'POST /batch-calls/{}/resume': {
    tag: 'Batch calls',
    summary: 'Resume a paused batch: due calls start at once, within the limits (ext)',
    operationId: 'resumeBatch',
    description: 'Resuming a running batch changes nothing.',
    answers: {
      200: 'Running again (processing), or queued when it never started a call',
      404: 'No such batch in this workspace',
      409:
        'The batch has already completed, been cancelled or failed, or the whole workspace is paused ' +
        '({"error":"Workspace paused"})',
    },
  },
  'POST /batch-calls/{}/retry': {
    tag: 'Batch calls',
    summary: 'Retry the failed jobs of a batch, by reason or id, with a fresh attempt budget (ext)',
    operationId: 'retryBatch',
    bodies: { 'application/json': BatchRetryBody as unknown as Schema },
    description:
      "A job matches by its last attempt's reason (unknown: its outcome could not be told); " +
      'voicemail also matches completed jobs whose outcome was voicemail. A retried job keeps its ' +
      'jobId and its attempts count; a completed batch reopens while retried jobs run.',
    answers: {
      200: 'The jobs retried (possibly none) and the batch status now',
      400: 'An unknown reason, or a jobId that is not a job of this batch; nothing changed',
      404: 'No such batch in this workspace',
      409: 'The batch was cancelled ({"error":"Batch already cancelled"}) or failed',
    },
  },
  'POST /batch-calls/{}/recipients': {
    tag: 'Batch calls',
    summary: 'Append recipients to a batch, as a CSV or JSON, under its frozen config (ext)',
    operationId: 'appendRecipients',
    headers: idempotencyKey,
    description:
      'The same reader, validation and duplicate rules as a new batch, duplicates checked against ' +
      'the rows already in the batch too (those rows are skipped and reported); numbers on the ' +
      "do-not-call list are suppressed. Appended calls take the batch's calling window, retry " +
      'policy and defaultCountry; a completed batch reopens while they run.',
    bodies: {
      'multipart/form-data': {
        type: 'object',
        required: ['file'],
        properties: { file, columnMap, skipInvalidRows: text('"true": leave invalid rows out') },
      },
      'application/json': {
        type: 'object',
        required: ['recipients'],
        properties: { recipients, columnMap, skipInvalidRows: { type: 'boolean' } },
      },
    },
    answers: {
      200: 'The calls added (rows left out are listed)',
      400: 'Invalid rows (nothing added), no file, or a malformed body',
      404: 'No such batch in this workspace',
      409:
        'The batch was cancelled ({"error":"Batch already cancelled"}) or failed, or the ' +
        'Idempotency-Key was used for another request',
      413: 'The file or body is larger than the upload limit',
    },
  },
  'POST /workspace/pause': {
    tag: 'Workspace',
    summary: 'Stop everything: pause every batch of the workspace at once (ext)',
    operationId: 'pauseWorkspace',
    description:
      'No call of the workspace starts until it is resumed, batches created meanwhile included. ' +
      'Running batches show status paused with pausedReason "workspace paused".',
  },
  'GET /dnc': {
    tag: 'Do-not-call list',
    summary: "List the workspace's do-not-call numbers, newest first (ext)",
    operationId: 'listDnc',
    answers: { 400: 'A bad page, limit or phone filter' },
  },
  'POST /dnc': {
    tag: 'Do-not-call list',
    summary: 'Add numbers to the do-not-call list, as JSON or a CSV file (ext)',
    operationId: 'addDnc',
    description:
      'Numbers are read as on upload and stored in E.164. A listed number is never dialed: its ' +
      'rows are left out of new batches (suppressedRows) and its waiting calls end cancelled ' +
      '("Number on do-not-call list") when they come due.',
    bodies: {
      'multipart/form-data': {
        type: 'object',
        required: ['file'],
        properties: {
          file: {
            type: 'string',
            format: 'binary',
            description: 'CSV with a phone column (phone_number or a common name, as on upload)',
          },
          reason: text('kept with each new entry'),
          defaultCountry,
        },
      },
      'application/json': {
        type: 'object',
        required: ['phoneNumbers'],
        properties: {
          phoneNumbers: { type: 'array', minItems: 1, items: { type: 'string' } },
          reason: text('kept with each new entry'),
          defaultCountry,
        },
      },
    },
    answers: {
      200: 'Listed; numbers listed already are counted and left as they were',
      400: 'An invalid number (errors: row by row; nothing stored), no file, or a malformed body',
      413: 'The file or body is larger than the upload limit',
    },
  },
  'GET /dnc/{}': {
    tag: 'Do-not-call list',
    summary: 'Read the do-not-call entry of one number (ext)',
    operationId: 'getDncEntry',
    answers: {
      400: 'The phone number cannot be read as a number',
      404: 'The number is not listed ({"error":"Not on the do-not-call list"})',
    },
  },
  'DELETE /dnc/{}': {
    tag: 'Do-not-call list',
    summary: 'Remove a number from the do-not-call list (ext)',
    operationId: 'removeDncEntry',
    answers: {
      400: 'The phone number cannot be read as a number',
      404: 'The number is not listed ({"error":"Not on the do-not-call list"})',
    },
  },
  'POST /workspace/resume': {
    tag: 'Workspace',
    summary: 'Resume the workspace and the batches its pause paused (ext)',
    operationId: 'resumeWorkspace',
    description: 'Batches paused on their own stay paused.',
  },
};
