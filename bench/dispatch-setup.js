// What a dispatch run needs in the database before its workers start: a workspace whose limits are
// never the bottleneck, the demo agent, and a batch of ordinary numbers committed in one
// transaction through Outdial's own storage code (dist/), so the rows are exactly what an upload
// stores.
import { demoAgent } from '../dist/cli/demo-agent.js';
import { idHead, idTail, newId } from '../dist/domain/ids.js';
import { insertAgent } from '../dist/storage/agents-repo.js';
import { createBatch } from '../dist/storage/batches-repo.js';
import { insertWorkspace } from '../dist/storage/workspaces-repo.js';
import { BENCH_APP } from './db-activity.js';

// Far above what two cores can dispatch: the engine must be what limits the figure.
export const UNLIMITED = 1_000_000;

/** The run database's URL as the bench's own sessions use it (left out of activity samples). */
export const benchSessionUrl = (url) => {
  const u = new URL(url);
  u.searchParams.set('application_name', BENCH_APP);
  return u.toString();
};

/**
 * A workspace with UNLIMITED concurrency and pacing (or `callsPerSecond`, to dispatch at a steady
 * rate), and its agent.
 */
export async function createDispatchWorkspace(db, now = Date.now(), callsPerSecond = UNLIMITED) {
  const workspaceId = newId('ws', now);
  const agentId = newId('agent', now);
  await insertWorkspace(db, { id: workspaceId, name: 'dispatch bench', createdAt: now });
  await db.query(
    'UPDATE workspaces SET max_concurrent_calls = $2, calls_per_second = $3 WHERE id = $1',
    [workspaceId, UNLIMITED, callsPerSecond],
  );
  await insertAgent(db, demoAgent(agentId, workspaceId, now));
  return { workspaceId, agentId };
}

const FIRST_NAMES = ['Maria', 'James', 'Wei', 'Aisha', 'Lukas', 'Sofia', 'Kwame', 'Yuki'];
const COLUMNS = ['phone_number', 'first_name', 'appointment_date'];
const CHUNK_ROWS = 400; // about the upload's chunk size (src/ingest/call-rows.ts)

/**
 * Contact `k` of a dispatch batch: a distinct ordinary US number (+1 415 2xx xxxx: none in the
 * simulator's reserved +1500555 ranges, so each gets its mixed plan) and the variables the demo
 * agent's greeting and prompt use.
 */
function contact(k) {
  return {
    phone: `+1415${2_000_000 + k}`,
    first_name: FIRST_NAMES[k % FIRST_NAMES.length],
    appointment_date: `2026-03-${String(1 + (k % 28)).padStart(2, '0')} 10:30`,
  };
}

/** The same contacts as a CSV file, for an upload through the API. */
export function contactsCsvOf(count) {
  const lines = [COLUMNS.join(',')];
  for (let k = 0; k < count; k++) {
    const c = contact(k);
    lines.push(`${c.phone},${c.first_name},${c.appointment_date}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `count` calls of those contacts (numbers from `phoneOf`, when given), due now, as createBatch
 * takes them (the chunk format of src/storage/batches-repo.ts CallRowChunk).
 */
function callRows(count, now, phoneOf) {
  const head = idHead('call', now);
  return {
    count,
    dueAt: now,
    variableKeys: COLUMNS.slice(1),
    idHead: head,
    *chunks() {
      for (let start = 0; start < count; start += CHUNK_ROWS) {
        const n = Math.min(CHUNK_ROWS, count - start);
        const rows = [];
        for (let k = start; k < start + n; k++) {
          const { phone, first_name, appointment_date } = contact(k);
          rows.push([
            idTail(),
            k + 2,
            phoneOf ? phoneOf(k) : phone,
            1,
            [first_name, appointment_date],
          ]);
        }
        yield { count: n, rowsJson: JSON.stringify(rows), zones: [null], runAts: [now] };
      }
    },
  };
}

/**
 * Commits a batch of `count` due calls in one transaction; resolves once committed. `phoneOf(k)`
 * picks the numbers (as stored, E.164) instead of the ordinary ones.
 */
export async function commitBatch(db, { workspaceId, agentId }, count, now = Date.now(), phoneOf) {
  const batchId = newId('batch', now);
  await createBatch(
    db,
    { id: batchId, workspaceId, agentId, columns: COLUMNS, config: {}, createdAt: now },
    callRows(count, now, phoneOf),
  );
  return batchId;
}

/**
 * Removes a batch and everything under it, then tidies up so the next run starts alike: the
 * numbers that opted out go off the do-not-call list too, or the next run (the same numbers)
 * would skip them.
 */
export async function dropBatch(db, batchId) {
  await db.query('DELETE FROM dnc_entries WHERE batch_id = $1', [batchId]);
  await db.query('DELETE FROM batches WHERE id = $1', [batchId]);
  await db.query(
    'VACUUM (ANALYZE) calls, call_attempts, batch_progress, batches, workspaces, dnc_entries',
  );
}
