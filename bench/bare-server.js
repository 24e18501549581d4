// Baseline for status_get, run as its own process: the least a Fastify + pg service can do per
// request. GET /calls/:jobId answers with one primary-key SELECT of the same calls row Outdial
// reads, through a pg.Pool of Outdial's size; GET /const/:jobId answers a constant object.
// GET /outdial-queries/:jobId (diagnostic) makes, one after the other, the three queries Outdial's
// §5 route makes (API key, batch, call), without the rest of Outdial around them.
// Env: DATABASE_URL, PORT, HOST; for the diagnostic BENCH_API_KEY, BENCH_WORKSPACE_ID, BENCH_BATCH_ID.
import { createHash } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';

const POOL_SIZE = 10; // Outdial's default (src/storage/pg-adapter.ts)

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: POOL_SIZE });
const app = Fastify({ logger: false });

const COLUMNS = `id, batch_id, seq, line, phone_number, variables, state, attempts, run_at,
  start_time, end_time, duration, error, outcome, transcript, result_attempt_id`;
const CONSTANT = { jobId: 'call_constant', status: 'waiting', phone_number: '+14155550100' };

app.get('/healthz', async () => ({ status: 'ok' }));

// A named (prepared) statement, as Outdial's adapter uses: the floor, not a handicapped baseline.
app.get('/calls/:jobId', async (req, reply) => {
  const { rows } = await pool.query({
    name: 'bare_call',
    text: `SELECT ${COLUMNS} FROM calls WHERE id = $1`,
    values: [req.params.jobId],
  });
  if (rows.length === 0) return reply.code(404).send({ error: 'Call not found' });
  return rows[0];
});

app.get('/const/:jobId', async () => CONSTANT);

const {
  BENCH_API_KEY: apiKey,
  BENCH_WORKSPACE_ID: workspaceId,
  BENCH_BATCH_ID: batchId,
} = process.env;

app.get('/outdial-queries/:jobId', async (req, reply) => {
  // As src/storage/api-keys-repo.ts findLiveKey, batch-read-repo.ts findWorkspaceBatch and
  // calls-read-repo.ts findBatchCall.
  const hash = createHash('sha256').update(apiKey, 'utf8').digest('hex');
  const keys = await pool.query('SELECT * FROM api_keys WHERE lookup = $1 AND revoked_at IS NULL', [
    hash.slice(0, 16),
  ]);
  if (keys.rows.length === 0) return reply.code(401).send({ error: 'Unauthorized' });
  const batches = await pool.query(
    `SELECT id, workspace_id, agent_id, name, status, total_calls, columns, config, scheduled_at,
            created_at, start_time, completed_time
       FROM batches WHERE id = $1 AND workspace_id = $2`,
    [batchId, workspaceId],
  );
  const calls = await pool.query(
    `SELECT ${COLUMNS} FROM calls WHERE id = $1 AND batch_id = $2 AND workspace_id = $3`,
    [req.params.jobId, batchId, workspaceId],
  );
  if (batches.rows.length === 0 || calls.rows.length === 0) {
    return reply.code(404).send({ error: 'Call not found' });
  }
  return calls.rows[0];
});

await pool.query('SELECT 1');
await app.listen({ host: process.env.HOST || '127.0.0.1', port: Number(process.env.PORT) });

const stop = async () => {
  await app.close();
  await pool.end();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
