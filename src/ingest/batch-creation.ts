// §1: from a read upload to a stored batch. Every check runs before the one transaction that
// stores the batch, so a rejected upload leaves nothing behind.
import { type BatchOptions, parseBatchOptions, parseColumnMap } from '../domain/batch-options.js';
import { badRequest, conflict } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { Agent, BatchConfig, SmartCallbackConfig, Workspace } from '../domain/types.js';
import type { Runtime } from '../runtime.js';
import { getAgent } from '../storage/agents-repo.js';
import { createBatch } from '../storage/batches-repo.js';
import type { Queryable } from '../storage/db.js';
import { ensureRoomForUpload } from '../storage/disk-space.js';
import { listedAmong } from '../storage/dnc-repo.js';
import {
  claimIdempotencyKey,
  findIdempotentResponse,
  type StoredResponse,
  withTxPrelude,
} from '../storage/idempotency-repo.js';
import { getWorkspace } from '../storage/workspaces-repo.js';
import { agentVariables, missingColumnsError } from './agent-variables.js';
import { callRowSource } from './call-rows.js';
import { callTiming } from './call-timing.js';
import { contactTable } from './contact-columns.js';
import { type ContactCheck, checkContacts, type DuplicateRow } from './contact-validation.js';
import type { CsvTable } from './csv-reader.js';
import { MAX_LISTED_ISSUES, type RowIssue } from './row-issues.js';
import { isStorableText, unstorableReason } from './storable-text.js';
import { type CsvUpload, FILE_FIELD } from './upload.js';

export interface BatchCreated {
  batchId: string;
  totalCalls: number;
  status: 'queued';
  message: 'Batch calls initiated successfully';
  scheduledAt?: number;
  skippedRows?: RowIssue[];
  skippedCount?: number;
  warnings?: RowIssue[];
  suppressedRows?: SuppressedRow[];
  suppressedCount?: number;
}

/** Ext §18: a row not created because its number is on the do-not-call list. */
export interface SuppressedRow {
  row: number;
  phone_number: string;
  reason: 'On the do-not-call list';
}

/**
 * Ext §18: the accepted rows whose number is on the workspace's do-not-call list are left out.
 * Read before the batch's transaction: a number listed meanwhile is caught when its call comes
 * due (the claim cancels it), so it is never dialed either way.
 */
export async function withoutListed(
  rt: Runtime,
  workspaceId: string,
  table: CsvTable,
  check: ContactCheck,
): Promise<{ check: ContactCheck; suppressed: SuppressedRow[]; suppressedCount: number }> {
  const listed = await listedAmong(rt.db, workspaceId, check.phones);
  if (listed.size === 0) return { check, suppressed: [], suppressedCount: 0 };
  const accepted: number[] = [];
  const phones: string[] = [];
  const suppressed: SuppressedRow[] = [];
  let suppressedCount = 0;
  check.accepted.forEach((row, k) => {
    const phone = check.phones[k]!;
    if (!listed.has(phone)) {
      accepted.push(row);
      phones.push(phone);
      return;
    }
    suppressedCount++;
    if (suppressed.length < MAX_LISTED_ISSUES) {
      suppressed.push({
        row: table.lines[row]!,
        phone_number: phone,
        reason: 'On the do-not-call list',
      });
    }
  });
  return { check: { ...check, accepted, phones }, suppressed, suppressedCount };
}

/** The batch's frozen smart-callback policy: its own override, else the agent's defaults. */
export function smartCallbackFor(o: BatchOptions, agent: Agent): SmartCallbackConfig | undefined {
  const fallback = {
    maxAttempts: agent.maxAttemptsForSmartCallback,
    gaps: agent.gapBetweenEachAttemptForSmartCallback,
  };
  if (o.smartCallback) {
    return {
      enabled: o.smartCallback.enabled,
      maxAttempts: o.smartCallback.maxAttempts ?? fallback.maxAttempts,
      gaps: o.smartCallback.gaps ?? fallback.gaps,
    };
  }
  return agent.smartCallback ? { enabled: true, ...fallback } : undefined;
}

function batchConfig(o: BatchOptions, agent: Agent): BatchConfig {
  const smartCallback = smartCallbackFor(o, agent);
  return {
    ...(smartCallback && { smartCallback }),
    ...(o.defaultCountry !== undefined && { defaultCountry: o.defaultCountry }),
    ...(o.callingWindow !== undefined && { callingWindow: o.callingWindow }),
    ...(o.columnMap !== undefined && { columnMap: o.columnMap }),
    ...(o.autoPause !== undefined && { autoPause: o.autoPause }),
  };
}

const rows = (n: number) => `${n} invalid row${n === 1 ? '' : 's'}`;

/** How many duplicate pairs the message names (the `duplicates` list has up to 100). */
const DUPLICATES_IN_MESSAGE = 5;

function duplicatesSentence(count: number, listed: readonly DuplicateRow[]): string {
  const pairs = listed
    .slice(0, DUPLICATES_IN_MESSAGE)
    .map((d) => `row ${d.row} repeats row ${d.firstRow}`);
  const more = count - pairs.length;
  return (
    `, ${count} of them repeating the number of an earlier row (${pairs.join(', ')}` +
    `${more > 0 ? `, and ${more} more` : ''})`
  );
}

/**
 * The 400 of a file with bad rows. Duplicates are listed with both rows (`duplicates`); the
 * message says how to go ahead without the bad rows (or, when skipInvalidRows=true left no row,
 * that there is nothing to go ahead with).
 */
export function validationFailed(check: ContactCheck, skipping: boolean) {
  const dup = check.duplicateCount;
  const next = skipping
    ? ': no valid row is left to call'
    : '. Fix them, or send skipInvalidRows=true to create the batch from the valid rows' +
      (dup > 0 ? ' (the first row of each number is kept)' : '');
  const message =
    rows(check.errorCount) + (dup > 0 ? duplicatesSentence(dup, check.duplicates) : '') + next;
  return badRequest('CSV validation failed', message, {
    errors: check.errors,
    errorCount: check.errorCount,
    ...(dup > 0 && { duplicateRows: dup, duplicates: check.duplicates }),
  });
}

/** The workspace's agent `agentId`; an id PostgreSQL cannot even compare names no agent. */
export async function findAgent(rt: Runtime, workspaceId: string, agentId: string): Promise<Agent> {
  const agent = isStorableText(agentId) ? await getAgent(rt.db, workspaceId, agentId) : undefined;
  if (!agent) {
    throw badRequest('Agent not found', `No agent with id ${agentId} in this workspace`);
  }
  return agent;
}

/** The authenticated workspace (auth has just found it; only a concurrent delete misses). */
export async function workspaceOf(rt: Runtime, workspaceId: string): Promise<Workspace> {
  const w = await getWorkspace(rt.db, workspaceId);
  if (!w) throw new Error(`workspace ${workspaceId} vanished`);
  return w;
}

/** Bytes of contact data read: the header and every row, as UTF-8 (what disk-budget.ts prices). */
function contactBytes(table: CsvTable): number {
  let bytes = Buffer.byteLength(table.header.join(','));
  for (const row of table.rows) bytes += Buffer.byteLength(row) + 1;
  return bytes;
}

/** Runs inside the batch's transaction, before anything is inserted; throwing rolls it back. */
type BeforeInsert = (q: Queryable, response: BatchCreated) => Promise<void>;

export async function createBatchFromUpload(
  rt: Runtime,
  workspaceId: string,
  upload: CsvUpload,
  beforeInsert?: BeforeInsert,
): Promise<BatchCreated> {
  const { table, fields } = upload;
  if (table === undefined) {
    throw badRequest('No file uploaded', `Send the CSV as the multipart field "${FILE_FIELD}"`);
  }
  // The file's structure first (its phone column, the columnMap), as when it was read.
  const contacts = contactTable(table, parseColumnMap(fields));
  const now = rt.clock.now();
  const options = parseBatchOptions(fields, now);
  const nameProblem = options.name === undefined ? undefined : unstorableReason(options.name);
  if (nameProblem) throw badRequest('Invalid name', `name ${nameProblem}`);
  const agent = await findAgent(rt, workspaceId, options.agentId);
  const workspace = await workspaceOf(rt, workspaceId);

  const check = checkContacts(contacts, {
    ...(options.defaultCountry !== undefined && { defaultCountry: options.defaultCountry }),
    agentVariables: agentVariables(agent),
    requireConsent: workspace.requireConsent,
  });
  if (options.strictVariables && check.missingVariables.length > 0) {
    throw missingColumnsError(check.missingVariables);
  }
  if (check.errorCount > 0 && (!options.skipInvalidRows || check.accepted.length === 0)) {
    throw validationFailed(check, options.skipInvalidRows);
  }
  const dnc = await withoutListed(rt, workspaceId, table, check);
  if (dnc.check.accepted.length === 0) {
    throw badRequest(
      'No callable rows',
      "Every valid row's number is on the workspace's do-not-call list",
      { suppressedRows: dnc.suppressed, suppressedCount: dnc.suppressedCount },
    );
  }
  // Before the transaction: an upload the embedded database's disk has no room for is refused
  // (507) while nothing of it is stored, instead of failing the database halfway through.
  await ensureRoomForUpload(rt.config, () => ({
    bytes: contactBytes(table),
    rows: dnc.check.accepted.length,
  }));

  const start = options.scheduledAt ?? now;
  // Each call keeps its recipient's zone as read here, so a later change of the workspace's
  // timezone does not move the windows of calls already stored.
  const timing = await callTiming({
    workspace,
    agent,
    window: options.callingWindow,
    start,
    now,
  });
  const batchId = newId('batch', now);
  const response: BatchCreated = {
    batchId,
    totalCalls: dnc.check.accepted.length,
    status: 'queued',
    message: 'Batch calls initiated successfully',
    ...(options.scheduledAt !== undefined && { scheduledAt: options.scheduledAt }),
    ...(check.errorCount > 0 && { skippedRows: check.errors, skippedCount: check.errorCount }),
    ...(check.warningCount > 0 && { warnings: check.warnings }),
    ...(dnc.suppressedCount > 0 && {
      suppressedRows: dnc.suppressed,
      suppressedCount: dnc.suppressedCount,
    }),
  };
  await createBatch(
    beforeInsert ? withTxPrelude(rt.db, (q) => beforeInsert(q, response)) : rt.db,
    {
      id: batchId,
      workspaceId,
      agentId: agent.id,
      ...(options.name !== undefined && { name: options.name }),
      columns: contacts.columns,
      config: batchConfig(options, agent),
      ...(options.maxConcurrency !== undefined && { maxConcurrency: options.maxConcurrency }),
      ...(options.scheduledAt !== undefined && { scheduledAt: options.scheduledAt }),
      createdAt: now,
    },
    callRowSource(contacts, dnc.check, timing),
  );
  rt.wake();
  return response;
}

export interface IdempotencyRequest {
  /** The Idempotency-Key header, 1–255 characters. */
  key: string;
  /** SHA-256 of everything the request sent (uploadIdentity / recipientsIdentity). */
  requestHash: string;
}

export interface IdempotentOutcome {
  statusCode: number;
  body: unknown;
  /** True when this is the remembered answer to an earlier request with the key. */
  replayed: boolean;
}

/** Thrown inside the batch transaction when a concurrent request committed the key first. */
export class KeyTakenMeanwhile extends Error {}

export function replay(stored: StoredResponse, idem: IdempotencyRequest): IdempotentOutcome {
  if (stored.requestHash !== idem.requestHash) {
    throw conflict(
      'Idempotency key reused',
      'This Idempotency-Key was used in the last 24 hours for a different request; ' +
        'send a new key for a new request',
    );
  }
  return { statusCode: stored.statusCode, body: stored.response, replayed: true };
}

/**
 * §1 with an Idempotency-Key: the same key and request within 24 h answers the first response
 * and creates nothing; the same key with another request is a 409. Only a created batch's 200 is
 * remembered, in the transaction that creates the batch, so a rejected upload can be fixed and
 * retried with its key, and of two concurrent requests with one key exactly one creates a batch
 * (the other waits on the key row, then answers what the first one stored).
 */
export async function createBatchIdempotently(
  rt: Runtime,
  workspaceId: string,
  upload: CsvUpload,
  idem: IdempotencyRequest,
): Promise<IdempotentOutcome> {
  return runIdempotently(rt, workspaceId, idem, (remember) =>
    createBatchFromUpload(rt, workspaceId, upload, remember),
  );
}

/**
 * Runs `run` once per Idempotency-Key: an earlier answer to the same request is replayed (another
 * request with the key is a 409); otherwise `run` stores its 200 with the key through `remember`,
 * in its own transaction, and of two concurrent requests the one that loses the key row answers
 * what the winner stored.
 */
export async function runIdempotently<T>(
  rt: Runtime,
  workspaceId: string,
  idem: IdempotencyRequest,
  run: (remember: (q: Queryable, response: T) => Promise<void>) => Promise<T>,
): Promise<IdempotentOutcome> {
  const earlier = await findIdempotentResponse(rt.db, workspaceId, idem.key, rt.clock.now());
  if (earlier) return replay(earlier, idem);
  try {
    const body = await run(async (q, response) => {
      const claimed = await claimIdempotencyKey(q, {
        workspaceId,
        key: idem.key,
        requestHash: idem.requestHash,
        statusCode: 200,
        response,
        now: rt.clock.now(),
      });
      if (!claimed) throw new KeyTakenMeanwhile();
    });
    return { statusCode: 200, body, replayed: false };
  } catch (err) {
    if (!(err instanceof KeyTakenMeanwhile)) throw err;
  }
  const winner = await findIdempotentResponse(rt.db, workspaceId, idem.key, rt.clock.now());
  if (!winner) throw new Error(`Idempotency key ${idem.key} was taken but cannot be read`);
  return replay(winner, idem);
}
