// Baseline for status_get, run as its own process: the least a Fastify + pg service can do per
// request. GET /calls/:jobId answers with one primary-key SELECT of the same calls row Outdial
// reads, through a pg.Pool of Outdial's size; GET /const/:jobId answers a constant object.
// Env: DATABASE_URL, PORT, HOST.
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

await pool.query('SELECT 1');
await app.listen({ host: process.env.HOST || '127.0.0.1', port: Number(process.env.PORT) });

const stop = async () => {
  await app.close();
  await pool.end();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
