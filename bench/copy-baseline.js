// Baseline of the ingest figure: the same rows bulk-loaded with COPY FROM STDIN, no HTTP, no CSV
// parsing, no validation — what PostgreSQL itself needs to store them.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import copyStreams from 'pg-copy-streams';
import { newId } from '../dist/domain/ids.js';

export const COPY_TABLE = 'bench_copy_calls';

/**
 * Same columns, defaults, checks and indexes as `calls` (not its foreign key): a row costs
 * PostgreSQL the same here as in the real table. Run after the server migrated the database.
 */
export async function createCopyTable(client) {
  await client.query(`DROP TABLE IF EXISTS ${COPY_TABLE}`);
  await client.query(`CREATE TABLE ${COPY_TABLE} (LIKE calls INCLUDING ALL)`);
}

// COPY text format: backslash, tab and line breaks must be escaped inside a value.
const escapeCopy = (s) =>
  s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]);

/**
 * The COPY payload of one batch's rows, built before timing starts: ids, E.164 numbers and the
 * variables JSON are what the API stores for the same CSV.
 */
export function copyPayload({ e164, cells, columns, workspaceId, now }) {
  const batchId = newId('batch', now);
  const chunks = [];
  let chunk = '';
  for (let i = 0; i < e164.length; i++) {
    const vars = {};
    for (let c = 0; c < columns.length; c++) vars[columns[c]] = cells[i][c];
    chunk +=
      `${newId('call', now)}\t${batchId}\t${workspaceId}\t${i}\t${i + 2}\t${e164[i]}\t` +
      `${escapeCopy(JSON.stringify(vars))}\t\\N\t${now}\n`;
    if (chunk.length > 64 * 1024) {
      chunks.push(chunk);
      chunk = '';
    }
  }
  if (chunk) chunks.push(chunk);
  return chunks;
}

/** Streams the payload through COPY FROM STDIN; resolves when PostgreSQL has stored it. */
export async function copyRows(client, chunks) {
  const sql = `COPY ${COPY_TABLE} (id, batch_id, workspace_id, seq, line, phone_number, variables,
    time_zone, run_at) FROM STDIN`;
  await pipeline(Readable.from(chunks), client.query(copyStreams.from(sql)));
}
