// Figures `batch_status_scaling` and `batch_status_scaling_p99`: latency of GET
// /v1/api/batch-calls/{id} on a 100,000-call batch divided by the same on a 100-call batch, under
// the load of the status_get bench (autocannon, 50 keep-alive connections, interleaved slices).
// Flat is the goal: progress must not cost a count over the batch's calls per request.
import { openDatabase } from '../dist/storage/open-database.js';
import { PROGRESS_SHARDS } from '../dist/storage/progress-repo.js';
import { benchSessionUrl, commitBatch } from './dispatch-setup.js';
import { emitFigure, note } from './figures.js';
import { interleavedLoad } from './load.js';
import { benchCredentials, startOutdial } from './outdial-server.js';

const CONNECTIONS = 50;

/**
 * Gives a fresh batch the states of one part-way through its run, written directly: the first
 * 3/4 of its calls finished one attempt each (one in 7 failed, the rest completed, finishing 7 ms
 * apart), the rest still waiting. Its progress shards are rebuilt from the rows, spread over every
 * shard as the engine's finishes spread them, so they agree with the calls table.
 */
async function settlePart(db, batchId, now) {
  await db.query(
    `UPDATE calls c SET attempts = 1, start_time = $2::bigint + seq * 7,
            end_time = $2::bigint + seq * 7 + 60000, terminal_at = $2::bigint + seq * 7 + 60000,
            state = CASE WHEN seq % 7 = 3 THEN 'failed' ELSE 'completed' END,
            last_reason = CASE WHEN seq % 7 = 3 THEN 'no_answer' ELSE 'answered' END,
            error = CASE WHEN seq % 7 = 3 THEN 'No answer after 1 attempt(s)' END,
            outcome = CASE WHEN seq % 7 = 3 THEN NULL ELSE 'successful' END,
            duration = CASE WHEN seq % 7 = 3 THEN NULL ELSE 60 END
      WHERE batch_id = $1 AND seq < (SELECT total_calls * 3 / 4 FROM batches WHERE id = $1)`,
    [batchId, now],
  );
  await db.query('DELETE FROM batch_progress WHERE batch_id = $1', [batchId]);
  await db.query(
    `INSERT INTO batch_progress (batch_id, shard, waiting, active, completed, failed, cancelled,
       duration_sum)
     SELECT $1, (seq % $2)::smallint, count(*) FILTER (WHERE state = 'waiting'),
            count(*) FILTER (WHERE state = 'active'), count(*) FILTER (WHERE state = 'completed'),
            count(*) FILTER (WHERE state = 'failed'), count(*) FILTER (WHERE state = 'cancelled'),
            COALESCE(sum(duration) FILTER (WHERE state = 'completed'), 0)
       FROM calls WHERE batch_id = $1 GROUP BY seq % $2`,
    [batchId, PROGRESS_SHARDS],
  );
  await db.query(`UPDATE batches SET status = 'processing', start_time = $2 WHERE id = $1`, [
    batchId,
    now,
  ]);
}

export async function runBatchStatusScaling({ quick, database }) {
  const bigCalls = quick ? 20_000 : 100_000;
  const smallCalls = 100;
  const seconds = quick ? 3 : 10;
  const rounds = quick ? 3 : 5;
  const warmup = quick ? 1 : 2;
  const creds = benchCredentials();
  const server = await startOutdial(database.url, creds);
  const db = await openDatabase(
    { kind: 'postgres', url: benchSessionUrl(database.url) },
    { poolSize: 2, migrate: false },
  );
  try {
    const owner = { workspaceId: creds.workspaceId, agentId: creds.agentId };
    const now = Date.now();
    const big = await commitBatch(db, owner, bigCalls, now);
    const small = await commitBatch(db, owner, smallCalls, now);
    await settlePart(db, big, now);
    await settlePart(db, small, now);
    // As autovacuum would have by now: the rewritten rows' old versions gone, statistics fresh.
    await db.query('VACUUM (ANALYZE) calls, batch_progress, batches');
    note(
      `batch_status_scaling: batches of ${bigCalls} and ${smallCalls} calls, 3/4 finished; ` +
        `${CONNECTIONS} connections, ${seconds} s per target in ${rounds} interleaved slice(s)`,
    );
    const target = (id) => ({
      baseUrl: server.baseUrl,
      headers: server.headers,
      paths: [`/v1/api/batch-calls/${id}`],
    });
    const r = await interleavedLoad(
      { big: target(big), small: target(small) },
      { connections: CONNECTIONS, seconds, rounds, warmupSeconds: warmup },
    );
    // Closed loop with no think time: mean latency = connections ÷ throughput (Little's law).
    const mean = (x) => (1000 * CONNECTIONS) / x.rps;
    for (const [name, x] of Object.entries(r)) {
      note(
        `batch_status_scaling ${name}: ${Math.round(x.rps)} req/s, mean ${mean(x).toFixed(1)} ms, ` +
          `p50 ${x.p50.toFixed(1)} ms, p99 ${x.p99.toFixed(1)} ms (${x.total} requests)`,
      );
    }
    emitFigure({
      bench: 'batch_status_scaling',
      value: mean(r.big),
      unit: 'ms',
      baseline: mean(r.small),
    });
    emitFigure({
      bench: 'batch_status_scaling_p99',
      value: r.big.p99,
      unit: 'ms',
      baseline: r.small.p99,
    });
  } finally {
    await db.close();
    await server.stop();
  }
}
