import { badRequest, notFound } from '../domain/errors.js';
import { normalisePhone } from '../domain/phone.js';
import type { Runtime } from '../runtime.js';
import {
  addDncEntries,
  type DncEntry,
  type DncSource,
  getDncEntry,
  listDncEntries,
  removeDncEntry,
} from '../storage/dnc-repo.js';

// Ext §18: the workspace's do-not-call list. A listed number is never dialed: its rows are left
// out of new batches (ingest/batch-creation.ts) and its waiting calls are cancelled when they
// come due (the claim, storage/transitions/cancel.ts). Callees who opt out are listed by the
// recording path (storage/transitions/end.ts).

export interface DncEntryBody {
  phone_number: string;
  reason?: string;
  source: DncSource;
  createdAt: number;
  batchId?: string;
  jobId?: string;
}

export const presentDncEntry = (e: DncEntry): DncEntryBody => ({
  phone_number: e.phoneNumber,
  ...(e.reason === undefined ? {} : { reason: e.reason }),
  source: e.source,
  createdAt: e.createdAt,
  ...(e.batchId === undefined ? {} : { batchId: e.batchId }),
  ...(e.jobId === undefined ? {} : { jobId: e.jobId }),
});

const notListed = () => notFound({ error: 'Not on the do-not-call list' });

/** A number of a path, as upload reads it (%2B for +). */
function e164Of(raw: string): string {
  const parsed = normalisePhone(raw);
  if (!parsed.ok) throw badRequest('Invalid phone number', parsed.message);
  return parsed.e164;
}

/** Lists the numbers (already E.164); those listed already are counted and left as they are. */
export async function addToDnc(
  rt: Runtime,
  workspaceId: string,
  list: { phones: readonly string[]; reason?: string; source: DncSource },
): Promise<{ added: number; alreadyListed: number }> {
  const distinct = [...new Set(list.phones)];
  const added = await addDncEntries(rt.db, {
    workspaceId,
    phones: distinct,
    ...(list.reason === undefined ? {} : { reason: list.reason }),
    source: list.source,
    now: rt.clock.now(),
  });
  return { added, alreadyListed: distinct.length - added };
}

export async function readDncEntry(
  rt: Runtime,
  workspaceId: string,
  rawPhone: string,
): Promise<DncEntryBody> {
  const entry = await getDncEntry(rt.db, workspaceId, e164Of(rawPhone));
  if (!entry) throw notListed();
  return presentDncEntry(entry);
}

export async function removeFromDnc(
  rt: Runtime,
  workspaceId: string,
  rawPhone: string,
): Promise<{ removed: true }> {
  if (!(await removeDncEntry(rt.db, workspaceId, e164Of(rawPhone)))) throw notListed();
  return { removed: true };
}

export async function listDnc(
  rt: Runtime,
  workspaceId: string,
  opts: { digits?: string; page: number; limit: number },
): Promise<{ entries: DncEntryBody[]; total: number }> {
  const { entries, total } = await listDncEntries(rt.db, workspaceId, {
    ...(opts.digits === undefined ? {} : { digits: opts.digits }),
    limit: opts.limit,
    offset: (opts.page - 1) * opts.limit,
  });
  return { entries: entries.map(presentDncEntry), total };
}
