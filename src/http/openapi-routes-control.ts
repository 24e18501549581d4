import {
  columnMap,
  createForm,
  createJson,
  defaultCountry,
  file,
  idempotencyKey,
  type RouteDoc,
  recipients,
  type Schema,
  text,
} from './openapi-route-parts.js';
import { BatchRetryBody } from './schemas/batch-control.js';

// The route docs of campaign control: pause, resume, retry, append, stop everything, the do-not-call list (ext).

export const CONTROL_ROUTE_DOCS: Record<string, RouteDoc> = {
  'POST /batch-calls/estimate': {
    tag: 'Batch calls',
    summary: 'Estimate how long a batch would run, without creating it (ext)',
    operationId: 'estimateBatch',
    description:
      'The upload and options of a new batch, read and checked as creating it would (invalid ' +
      "rows and numbers on the do-not-call list are left out), then the engine's rules replayed " +
      "on expected values: the workspace's maxConcurrentCalls (narrowed by maxConcurrency) and " +
      "callsPerSecond, the calling window in each row's zone, the retry policy (smart callback " +
      'included) and the frequency cap. Mean call time, answer rate and retry rate come from the ' +
      "workspace's latest ended attempts when it has at least 50, else from stated defaults " +
      '(assumptions.source says which). The batch is assumed to have the limits to itself. ' +
      'Stores nothing; an Idempotency-Key is not needed and not recorded.',
    bodies: { 'multipart/form-data': createForm, 'application/json': createJson },
    answers: {
      200: 'The estimate, also when some rows are invalid or suppressed',
      400:
        'No file or agentId, an unknown agent, an invalid option, no phone_number column or a ' +
        'malformed CSV',
      413: 'The file or body is larger than the upload limit',
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
