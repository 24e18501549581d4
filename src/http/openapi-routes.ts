import {
  checkForm,
  checkJson,
  createForm,
  createJson,
  csvAttachment,
  idempotencyKey,
  type RouteDoc,
} from './openapi-route-parts.js';
import { CONTROL_ROUTE_DOCS } from './openapi-routes-control.js';
import { TELEPHONY_ROUTE_DOCS } from './openapi-routes-telephony.js';
import { WEBHOOK_ROUTE_DOCS } from './openapi-routes-webhooks.js';

// What the OpenAPI document says about each route beyond its schemas: tag, summary, operationId,
// what each answer means there and, for multipart uploads, the form fields (their bodies are
// streamed, so they carry no body schema for Fastify to validate). Keyed by method and path
// without the API prefix, parameters written `{}` so the key does not depend on how a route
// names them.

export type { ResponseDoc, RouteDoc } from './openapi-route-parts.js';

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
    summary: "Get the workspace's limits, timezone and call safety settings",
    operationId: 'getWorkspace',
  },
  'PATCH /workspace': {
    tag: 'Workspace',
    summary: "Change the workspace's limits, timezone or call safety settings",
    operationId: 'updateWorkspace',
    description:
      'Limits apply to calls started from now on. callingWindow is the legal floor: every call ' +
      "through a real carrier connection is placed inside it (a batch's window only narrows it; " +
      'simulator calls are exempt), calls already waiting included. requireConsent: rows without ' +
      'a non-empty consent_source are refused at upload ("Missing consent_source").',
    answers: { 400: 'An unknown field, an invalid value, or an empty body; nothing changed' },
  },
  ...WEBHOOK_ROUTE_DOCS,
  ...TELEPHONY_ROUTE_DOCS,
  ...CONTROL_ROUTE_DOCS,
};
