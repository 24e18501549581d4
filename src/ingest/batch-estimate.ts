// POST /batch-calls/estimate: what creating a batch from this upload would dial, and how long it
// would take. Read and checked exactly as §1 reads and checks it, up to the point where §1 would
// store something; nothing is stored.

import { estimateRun } from '../domain/batch-estimate.js';
import { parseBatchOptions, parseColumnMap } from '../domain/batch-options.js';
import type { CallingWindow } from '../domain/calling-window.js';
import { badRequest } from '../domain/errors.js';
import { chooseRates, retryRateUnder } from '../domain/estimate-assumptions.js';
import { retryPolicyFor } from '../domain/retry-policy.js';
import type { Runtime } from '../runtime.js';
import { attemptHistory } from '../storage/attempt-history-repo.js';
import { getWorkspace } from '../storage/workspaces-repo.js';
import { agentVariables, missingColumnsError } from './agent-variables.js';
import { findAgent, smartCallbackFor, withoutListed } from './batch-creation.js';
import { contactTable } from './contact-columns.js';
import { checkContacts } from './contact-validation.js';
import { recipientZoneOf } from './number-zones.js';
import { unstorableReason } from './storable-text.js';
import { type CsvUpload, FILE_FIELD } from './upload.js';

export interface BatchEstimate {
  rows: number;
  dialableRows: number;
  suppressedRows: number;
  invalidRows: number;
  estimatedStart?: number;
  estimatedFinish?: number;
  estimatedDurationSec: number;
  estimatedAttempts: number;
  assumptions: {
    meanCallSec: number;
    answerRate: number;
    retryRate: number;
    maxAttempts: number;
    maxConcurrentCalls: number;
    callsPerSecond: number;
    callingWindow?: CallingWindow;
    source: 'history' | 'defaults';
    historyAttempts?: number;
  };
}

export async function estimateBatchFromUpload(
  rt: Runtime,
  workspaceId: string,
  upload: CsvUpload,
): Promise<BatchEstimate> {
  const { table, fields } = upload;
  if (table === undefined) {
    throw badRequest('No file uploaded', `Send the CSV as the multipart field "${FILE_FIELD}"`);
  }
  const contacts = contactTable(table, parseColumnMap(fields));
  const now = rt.clock.now();
  const options = parseBatchOptions(fields, now);
  const nameProblem = options.name === undefined ? undefined : unstorableReason(options.name);
  if (nameProblem) throw badRequest('Invalid name', `name ${nameProblem}`);
  const agent = await findAgent(rt, workspaceId, options.agentId);
  const check = checkContacts(contacts, {
    ...(options.defaultCountry !== undefined && { defaultCountry: options.defaultCountry }),
    agentVariables: agentVariables(agent),
  });
  if (options.strictVariables && check.missingVariables.length > 0) {
    throw missingColumnsError(check.missingVariables);
  }
  // Invalid rows are left out, as skipInvalidRows=true would: the estimate is of what is callable.
  const dnc = await withoutListed(rt, workspaceId, table, check);
  const workspace = await getWorkspace(rt.db, workspaceId);
  if (!workspace) throw new Error(`workspace ${workspaceId} vanished`);

  const window = options.callingWindow;
  // Calls through a real carrier keep the workspace's legal floor; a batch window only narrows it.
  const floor = agent.connectionId === undefined ? undefined : workspace.callingWindow;
  const zoneOf = window || floor ? await recipientZoneOf(workspace.timezone) : () => null;
  const policy = retryPolicyFor(
    { maxAttempts: rt.config.maxAttempts, retryDelaysMs: rt.config.retryDelaysMs },
    smartCallbackFor(options, agent),
  );
  const rates = chooseRates(await attemptHistory(rt.db, workspaceId));
  const retryRate = retryRateUnder(rates, policy);
  const maxConcurrentCalls = Math.min(
    workspace.maxConcurrentCalls,
    options.maxConcurrency ?? Number.POSITIVE_INFINITY,
  );
  const run = estimateRun({
    start: options.scheduledAt ?? now,
    zones: dnc.check.phones.map(zoneOf),
    ...(window && { callingWindow: window }),
    ...(floor && { floor }),
    maxConcurrentCalls,
    callsPerSecond: workspace.callsPerSecond,
    meanCallSec: rates.meanCallSec,
    retryRate,
    policy,
    frequencyCap: workspace.frequencyCap,
  });
  return {
    rows: check.totalRows,
    dialableRows: dnc.check.accepted.length,
    suppressedRows: dnc.suppressedCount,
    invalidRows: check.errorCount,
    ...(run.start !== undefined && { estimatedStart: run.start }),
    ...(run.finish !== undefined && { estimatedFinish: run.finish }),
    estimatedDurationSec: run.durationSec,
    estimatedAttempts: run.attempts,
    assumptions: {
      meanCallSec: rates.meanCallSec,
      answerRate: rates.answerRate,
      retryRate,
      maxAttempts: policy.maxAttempts,
      maxConcurrentCalls,
      callsPerSecond: workspace.callsPerSecond,
      ...(window && { callingWindow: window }),
      ...(floor && { legalFloor: floor }),
      source: rates.source,
      ...(rates.historyAttempts !== undefined && { historyAttempts: rates.historyAttempts }),
    },
  };
}
