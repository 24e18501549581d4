// §1: from a read upload to a stored batch. Every check runs before the one transaction that
// stores the batch, so a rejected upload leaves nothing behind.
import { type BatchOptions, parseBatchOptions } from '../domain/batch-options.js';
import { type CallingWindow, nextWindowStart } from '../domain/calling-window.js';
import { badRequest } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { Agent, SmartCallbackConfig } from '../domain/types.js';
import type { Runtime } from '../runtime.js';
import { getAgent } from '../storage/agents-repo.js';
import { createBatch } from '../storage/batches-repo.js';
import { getWorkspace } from '../storage/workspaces-repo.js';
import { callRowSource } from './call-rows.js';
import { type ContactCheck, checkContacts } from './contact-validation.js';
import type { RowIssue } from './row-issues.js';
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

function batchConfig(o: BatchOptions, agent: Agent): Record<string, unknown> {
  const smartCallback = smartCallbackFor(o, agent);
  return {
    ...(smartCallback && { smartCallback }),
    ...(o.maxConcurrency !== undefined && { maxConcurrency: o.maxConcurrency }),
    ...(o.defaultCountry !== undefined && { defaultCountry: o.defaultCountry }),
    ...(o.callingWindow !== undefined && { callingWindow: o.callingWindow }),
  };
}

const rows = (n: number) => `${n} invalid row${n === 1 ? '' : 's'}`;

function validationFailed(check: ContactCheck) {
  return badRequest('CSV validation failed', rows(check.errorCount), {
    errors: check.errors,
    errorCount: check.errorCount,
  });
}

/**
 * The zone each call's window is read in. "recipient" would derive it from the number, but
 * libphonenumber-geo-carrier (number → zone) pins libphonenumber-js 1.12.31 as a peer and does not
 * install beside our 1.13; until it does, every number uses the workspace's zone, which the
 * contract names as the fallback when a number has no single zone.
 */
async function windowZone(rt: Runtime, workspaceId: string, w: CallingWindow): Promise<string> {
  if (w.timezone !== 'recipient') return w.timezone;
  return (await getWorkspace(rt.db, workspaceId))?.timezone ?? 'UTC';
}

export async function createBatchFromUpload(
  rt: Runtime,
  workspaceId: string,
  upload: CsvUpload,
): Promise<BatchCreated> {
  const { table, fields } = upload;
  if (table === undefined) {
    throw badRequest('No file uploaded', `Send the CSV as the multipart field "${FILE_FIELD}"`);
  }
  const now = rt.clock.now();
  const options = parseBatchOptions(fields, now);
  const agent = await getAgent(rt.db, workspaceId, options.agentId);
  if (!agent) {
    throw badRequest('Agent not found', `No agent with id ${options.agentId} in this workspace`);
  }

  const check = checkContacts(table, options.defaultCountry);
  if (check.errorCount > 0 && (!options.skipInvalidRows || check.accepted.length === 0)) {
    throw validationFailed(check);
  }

  const window = options.callingWindow;
  const zone = window ? await windowZone(rt, workspaceId, window) : null;
  const start = options.scheduledAt ?? now;
  const batchId = newId('batch', now);
  await createBatch(
    rt.db,
    {
      id: batchId,
      workspaceId,
      agentId: agent.id,
      ...(options.name !== undefined && { name: options.name }),
      columns: table.columns,
      config: batchConfig(options, agent),
      ...(options.maxConcurrency !== undefined && { maxConcurrency: options.maxConcurrency }),
      ...(options.scheduledAt !== undefined && { scheduledAt: options.scheduledAt }),
      createdAt: now,
    },
    callRowSource(table, check, {
      now,
      zoneOf: () => zone,
      runAtIn: (z) => (window && z ? nextWindowStart(window, z, start) : start),
    }),
  );
  rt.wake();

  return {
    batchId,
    totalCalls: check.accepted.length,
    status: 'queued',
    message: 'Batch calls initiated successfully',
    ...(options.scheduledAt !== undefined && { scheduledAt: options.scheduledAt }),
    ...(check.errorCount > 0 && { skippedRows: check.errors, skippedCount: check.errorCount }),
    ...(check.warningCount > 0 && { warnings: check.warnings }),
  };
}
