import { createHash } from 'node:crypto';
// Ext §17 append: rows added to a running (or completed) batch through the same path as §1 —
// the same reader, validation and duplicate rules (against the rows already in the batch too),
// the do-not-call list — under the batch's frozen config (columnMap, defaultCountry, calling
// window). A completed batch reopens while the new calls run.

import { parseColumnMap, parseSkipInvalidRows } from '../domain/batch-options.js';
import { badRequest, batchNotFound, conflict } from '../domain/errors.js';
import { isKnownCountry } from '../domain/phone.js';
import type { Runtime } from '../runtime.js';
import { getAgent } from '../storage/agents-repo.js';
import { findWorkspaceBatch } from '../storage/batch-read-repo.js';
import { appendCalls } from '../storage/batches-repo.js';
import type { Queryable } from '../storage/db.js';
import { ensureRoomForUpload } from '../storage/disk-space.js';
import { reopenBatch } from '../storage/transitions/retry.js';
import {
  type IdempotencyRequest,
  type IdempotentOutcome,
  runIdempotently,
  validationFailed,
  withoutListed,
  workspaceOf,
} from './batch-creation.js';
import { callRowSource } from './call-rows.js';
import { callTiming } from './call-timing.js';
import { contactTable } from './contact-columns.js';
import { checkContacts } from './contact-validation.js';
import { MAX_LISTED_ISSUES, mergeIssues, type RowIssue } from './row-issues.js';
import { type CsvUpload, FILE_FIELD } from './upload.js';

export interface RecipientsAppended {
  batchId: string;
  addedCalls: number;
  totalCalls: number;
  skippedRows?: RowIssue[];
  skippedCount?: number;
  suppressedRows?: Array<{ row: number; phone_number: string; reason: string }>;
  suppressedCount?: number;
}

export const DUPLICATE_OF_BATCH = 'Duplicate: this number is already in the batch';

const refuseEnded = (status: string) => {
  if (status === 'cancelled') throw conflict('Batch already cancelled');
  if (status === 'failed') throw conflict('Batch already failed');
};

export async function appendRecipients(
  rt: Runtime,
  workspaceId: string,
  batchId: string,
  upload: CsvUpload,
  /** Runs last in the append's transaction, with its answer; throwing rolls the append back. */
  beforeCommit?: (q: Queryable, response: RecipientsAppended) => Promise<void>,
): Promise<RecipientsAppended> {
  const batch = await findWorkspaceBatch(rt.db, workspaceId, batchId);
  if (!batch) throw batchNotFound(batchId);
  refuseEnded(batch.status);
  const { table, fields } = upload;
  if (table === undefined) {
    throw badRequest('No file uploaded', `Send the CSV as the multipart field "${FILE_FIELD}"`);
  }
  const config = batch.config;
  // The file's own structure (its columnMap); the numbers are read with the batch's country.
  const contacts = contactTable(table, parseColumnMap(fields));
  const skipInvalidRows = parseSkipInvalidRows(fields);
  const country = config.defaultCountry?.toUpperCase();
  const workspace = await workspaceOf(rt, workspaceId);
  const check = checkContacts(contacts, {
    ...(country !== undefined && isKnownCountry(country) && { defaultCountry: country }),
    requireConsent: workspace.requireConsent,
  });
  if (check.errorCount > 0 && (!skipInvalidRows || check.accepted.length === 0)) {
    throw validationFailed(check, skipInvalidRows);
  }
  const dnc = await withoutListed(rt, workspaceId, table, check);
  await ensureRoomForUpload(rt.config, () => ({ bytes: 0, rows: dnc.check.accepted.length }));

  const now = rt.clock.now();
  const agent = await getAgent(rt.db, workspaceId, batch.agentId);
  const timing = await callTiming({
    workspace,
    // An agent deleted since is no real carrier's: the claim reads the agent again anyway.
    agent: agent ?? {},
    window: config.callingWindow,
    start: now,
    now,
  });
  let duplicates: RowIssue[] = [];
  let duplicateCount = 0;
  const done = await rt.db.tx(async (q) => {
    const result = await appendCalls(
      q,
      { batchId, workspaceId, phones: dnc.check.phones },
      (already) => {
        const accepted: number[] = [];
        const phones: string[] = [];
        duplicates = [];
        duplicateCount = 0;
        dnc.check.accepted.forEach((row, k) => {
          const phone = dnc.check.phones[k]!;
          if (!already.has(phone)) {
            accepted.push(row);
            phones.push(phone);
            return;
          }
          duplicateCount++;
          if (duplicates.length < MAX_LISTED_ISSUES) {
            duplicates.push({
              row: table.lines[row]!,
              column: 'phone_number',
              value: phone,
              message: DUPLICATE_OF_BATCH,
            });
          }
        });
        return callRowSource(contacts, { ...dnc.check, accepted, phones }, timing);
      },
    );
    if (!result) {
      // Cancelled (or failed) while this ran: throwing rolls the rows back.
      const again = await findWorkspaceBatch(q, workspaceId, batchId);
      refuseEnded(again?.status ?? 'cancelled');
      throw new Error('append: batch not updated');
    }
    if (result.added > 0) await reopenBatch(q, batchId);
    const skippedCount = check.errorCount + duplicateCount;
    const response: RecipientsAppended = {
      batchId,
      addedCalls: result.added,
      totalCalls: result.totalCalls,
      ...(skippedCount > 0 && {
        skippedRows: mergeIssues(check.errors, duplicates, MAX_LISTED_ISSUES),
        skippedCount,
      }),
      ...(dnc.suppressedCount > 0 && {
        suppressedRows: dnc.suppressed,
        suppressedCount: dnc.suppressedCount,
      }),
    };
    await beforeCommit?.(q, response);
    return response;
  });
  if (done.addedCalls > 0) rt.wake();
  return done;
}

/**
 * Append with an Idempotency-Key (as §1's): the same key and request within 24 h answers the
 * first response and adds nothing; the same key with another request (another batch included) is
 * a 409. The key is stored in the append's transaction, so of two racing requests one appends.
 */
export async function appendRecipientsIdempotently(
  rt: Runtime,
  workspaceId: string,
  batchId: string,
  upload: CsvUpload,
  idem: IdempotencyRequest,
): Promise<IdempotentOutcome> {
  const request = {
    key: idem.key,
    requestHash: createHash('sha256')
      .update(`append ${batchId}\n${idem.requestHash}`)
      .digest('hex'),
  };
  return runIdempotently(rt, workspaceId, request, (remember) =>
    appendRecipients(rt, workspaceId, batchId, upload, remember),
  );
}
