import { newId } from '../../domain/ids.js';
import {
  subscribes,
  webhookBody,
  webhookBodyOfJson,
  withField,
} from '../../domain/webhook-event-types.js';
import { findBatchesByIds, recentTerminalCalls } from '../batch-read-repo.js';
import { findCallsByIds } from '../calls-read-repo.js';
import type { Queryable } from '../db.js';
import { readProgress } from '../progress-repo.js';
import { presentBatchStatus, RECENT_CALLS_LIMIT } from '../views/batch-view.js';
import { presentCallDetail } from '../views/call-view.js';

// Outgoing webhook events (§20), written by the transitions in the transaction of the state change
// that caused them: an event exists exactly when its change committed, so a crash loses none and
// invents none. One delivery row per event and subscribed enabled endpoint; the delivery workers
// (src/webhooks/) send them. The body is the one the API answers for the same call or batch at
// that moment, built by the same presenters (src/storage/views/).
//
// Cost: one indexed look-up of the workspaces' enabled endpoints per group of events, and nothing
// more when there are none; otherwise one read of the calls (or batches) and one INSERT per group.

export type CallEventType =
  | 'call.attempt_ended'
  | 'call.completed'
  | 'call.failed'
  | 'call.cancelled'
  | 'call.result_updated';

export type BatchEventType =
  | 'batch.started'
  | 'batch.paused'
  | 'batch.resumed'
  | 'batch.completed'
  | 'batch.cancelled';

export interface CallEvent {
  type: CallEventType;
  callId: string;
  workspaceId: string;
  /** call.attempt_ended: the attempt that ended. */
  attemptId?: string;
}

export interface BatchEvent {
  type: BatchEventType;
  batchId: string;
  workspaceId: string;
}

/**
 * A batch's CSV header never changes once it is stored, so each process keeps the recent ones:
 * the call events of a busy batch then cost no read of its row. Bounded; the oldest go first.
 */
const COLUMNS_CACHE_MAX = 1_000;
const columnsCache = new Map<string, string[]>();

/** $1 batch ids (those not cached). No locks. Index: batches pkey. */
async function batchColumns(
  q: Queryable,
  batchIds: Iterable<string>,
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const missing: string[] = [];
  for (const id of new Set(batchIds)) {
    const cached = columnsCache.get(id);
    if (cached) out.set(id, cached);
    else missing.push(id);
  }
  if (missing.length === 0) return out;
  const rows = await q.query<{ id: string; columns: string[] }>(
    'SELECT id, columns FROM batches WHERE id = ANY($1::text[])',
    [missing],
  );
  for (const r of rows) {
    out.set(r.id, r.columns);
    if (columnsCache.size >= COLUMNS_CACHE_MAX) {
      columnsCache.delete(columnsCache.keys().next().value as string);
    }
    columnsCache.set(r.id, r.columns);
  }
  return out;
}

interface Subscriber {
  id: string;
  events: string[];
}

/**
 * The enabled endpoints of these workspaces, by workspace.
 * $1 workspace ids. No locks. Index: webhook_endpoints_workspace.
 */
async function subscribers(
  q: Queryable,
  workspaceIds: Iterable<string>,
): Promise<Map<string, Subscriber[]>> {
  const ids = [...new Set(workspaceIds)];
  const out = new Map<string, Subscriber[]>();
  if (ids.length === 0) return out;
  const rows = await q.query<{ id: string; workspace_id: string; events: string[] }>(
    `SELECT id, workspace_id, events FROM webhook_endpoints
      WHERE workspace_id = ANY($1::text[]) AND enabled`,
    [ids],
  );
  for (const r of rows) {
    const list = out.get(r.workspace_id) ?? [];
    list.push({ id: r.id, events: r.events });
    out.set(r.workspace_id, list);
  }
  return out;
}

/** Whether any enabled endpoint of the workspace takes `type` (lets a bulk write skip ids). */
export async function wantsEvent(
  q: Queryable,
  workspaceId: string,
  type: CallEventType | BatchEventType,
): Promise<boolean> {
  const subs = (await subscribers(q, [workspaceId])).get(workspaceId) ?? [];
  return subs.some((s) => subscribes(s.events, type));
}

interface Message {
  workspaceId: string;
  type: string;
  body: string;
}

/**
 * One pending delivery per message and subscribed endpoint, due now.
 * $1..$4 parallel arrays, $5 the bodies (a JSON array in the same order), $6 now. Locks: the new
 * rows.
 */
async function insertDeliveries(
  q: Queryable,
  messages: readonly Message[],
  subs: Map<string, Subscriber[]>,
  now: number,
): Promise<void> {
  const ids: string[] = [];
  const endpoints: string[] = [];
  const workspaces: string[] = [];
  const types: string[] = [];
  const bodies: string[] = [];
  for (const m of messages) {
    for (const s of subs.get(m.workspaceId) ?? []) {
      if (!subscribes(s.events, m.type)) continue;
      ids.push(newId('msg', now));
      endpoints.push(s.id);
      workspaces.push(m.workspaceId);
      types.push(m.type);
      bodies.push(m.body);
    }
  }
  if (ids.length === 0) return;
  // The bodies go as one JSON array, not a text[]: an array literal escapes every quote of every
  // body in JavaScript (measured: the most of this write's client CPU), JSON is parsed in C.
  await q.query(
    `INSERT INTO webhook_deliveries (id, endpoint_id, workspace_id, event_type, body, delivery_status,
       next_attempt_at, created_at)
     SELECT t.id, t.endpoint, t.ws, t.type, b.body, 'pending', $6, $6
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY
            AS t(id, endpoint, ws, type, n)
       JOIN json_array_elements_text($5::json) WITH ORDINALITY AS b(body, n) USING (n)`,
    [ids, endpoints, workspaces, types, JSON.stringify(bodies), now],
  );
}

/**
 * The events some enabled endpoint of their workspace takes, with those endpoints; undefined when
 * there are none (the common case costs one indexed look-up).
 */
async function dueEvents<E extends { workspaceId: string; type: string }>(
  q: Queryable,
  events: readonly E[],
): Promise<{ due: E[]; subs: Map<string, Subscriber[]> } | undefined> {
  if (events.length === 0) return undefined;
  const subs = await subscribers(
    q,
    events.map((e) => e.workspaceId),
  );
  if (subs.size === 0) return undefined;
  const due = events.filter((e) =>
    (subs.get(e.workspaceId) ?? []).some((s) => subscribes(s.events, e.type)),
  );
  return due.length === 0 ? undefined : { due, subs };
}

/**
 * Call events, after the calls' rows were written in this transaction: `data` is the §5 call
 * body plus `batchId` and, for an attempt, `attempt` {attemptNo, reason, startTime, endTime}.
 */
export async function emitCallEvents(
  q: Queryable,
  events: readonly CallEvent[],
  now: number,
): Promise<void> {
  const found = await dueEvents(q, events);
  if (!found) return;
  const { due, subs } = found;
  const calls = new Map(
    (await findCallsByIds(q, [...new Set(due.map((e) => e.callId))])).map((c) => [c.id, c]),
  );
  const columns = await batchColumns(
    q,
    [...calls.values()].map((c) => c.batchId),
  );
  const attemptIds = due.flatMap((e) => (e.attemptId === undefined ? [] : [e.attemptId]));
  const attempts = new Map(
    attemptIds.length === 0
      ? []
      : (
          await q.query<{
            id: string;
            attempt_no: number;
            reason: string | null;
            started_at: number;
            ended_at: number | null;
          }>(
            // $1 attempt ids. No locks. Index: call_attempts pkey.
            `SELECT id, attempt_no, reason, started_at, ended_at FROM call_attempts
              WHERE id = ANY($1::text[])`,
            [attemptIds],
          )
        ).map((a) => [a.id, a]),
  );
  // A call's §5 body is written out once, however many of its events the group holds (an
  // ended attempt and the call's end come together); each event adds only its own part.
  const dataJson = new Map<string, string | undefined>();
  const callData = (callId: string): string | undefined => {
    if (dataJson.has(callId)) return dataJson.get(callId);
    const call = calls.get(callId);
    const cols = call && columns.get(call.batchId);
    const json =
      call && cols
        ? JSON.stringify({ ...presentCallDetail(call, cols), batchId: call.batchId })
        : undefined;
    dataJson.set(callId, json);
    return json;
  };
  const messages: Message[] = [];
  for (const e of due) {
    const data = callData(e.callId);
    if (data === undefined) continue;
    const a = e.attemptId === undefined ? undefined : attempts.get(e.attemptId);
    const attempt =
      a === undefined
        ? undefined
        : {
            attemptNo: a.attempt_no,
            ...(a.reason === null ? {} : { reason: a.reason }),
            startTime: a.started_at,
            ...(a.ended_at === null ? {} : { endTime: a.ended_at }),
          };
    messages.push({
      workspaceId: e.workspaceId,
      type: e.type,
      body: webhookBodyOfJson(e.type, now, withField(data, 'attempt', attempt)),
    });
  }
  await insertDeliveries(q, messages, subs, now);
}

/** Batch events, after the batch's row was written in this transaction: `data` is the §2 body. */
export async function emitBatchEvents(
  q: Queryable,
  events: readonly BatchEvent[],
  now: number,
): Promise<void> {
  const found = await dueEvents(q, events);
  if (!found) return;
  const { due, subs } = found;
  const batches = new Map(
    (await findBatchesByIds(q, [...new Set(due.map((e) => e.batchId))])).map((b) => [b.id, b]),
  );
  const messages: Message[] = [];
  for (const e of due) {
    const batch = batches.get(e.batchId);
    if (!batch) continue;
    const [progress, recent] = [
      await readProgress(q, batch.id),
      await recentTerminalCalls(q, batch.id, RECENT_CALLS_LIMIT),
    ];
    const data = presentBatchStatus(batch, progress, recent, now);
    messages.push({
      workspaceId: e.workspaceId,
      type: e.type,
      body: webhookBody(e.type, now, data),
    });
  }
  await insertDeliveries(q, messages, subs, now);
}
