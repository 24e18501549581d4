// Figures `status_get`, `status_get_p99` and `status_get_vs_bare`: one call's status (§5) under
// 50 keep-alive connections, requests rotating over the 10,000 jobs of one batch, against a bare
// Fastify + pg.Pool process doing one primary-key SELECT of the same rows, and a constant route.
import path from 'node:path';
import { listJobIds, uploadCsv } from './api-client.js';
import { ROOT, startNodeServer } from './child-process.js';
import { contactsCsv } from './contacts-csv.js';
import { emitFigure, note } from './figures.js';
import { interleavedLoad } from './load.js';
import { benchCredentials, startOutdial } from './outdial-server.js';

const CONNECTIONS = 50;
const JOBS = 10_000;

/**
 * `outdial serve --workers 0` on the run database with a batch of JOBS calls uploaded: the server
 * (the caller stops it), the batch id, its job ids, and the load target reading them one by one.
 */
export async function startStatusTarget(database) {
  const outdial = await startOutdial(database.url, benchCredentials());
  try {
    const file = contactsCsv({ rows: JOBS, offset: 20_000_000 });
    const { body } = await uploadCsv(outdial, file.csv, { defaultCountry: 'US' });
    const ids = await listJobIds(outdial, body.batchId);
    if (ids.length !== JOBS) throw new Error(`listed ${ids.length} jobs of ${JOBS}`);
    const target = {
      baseUrl: outdial.baseUrl,
      headers: outdial.headers,
      paths: ids.map((id) => `/v1/api/batch-calls/${body.batchId}/calls/${id}`),
    };
    return { outdial, batchId: body.batchId, ids, target };
  } catch (err) {
    await outdial.stop();
    throw err;
  }
}

export async function runStatusGet({ quick, database }) {
  const seconds = quick ? 3 : 10;
  const warmup = quick ? 1 : 2;
  // Interleaved slices of 2 s (quick: 1 s) per target; see interleavedLoad.
  const rounds = quick ? 3 : 5;
  const { outdial, batchId, ids, target } = await startStatusTarget(database);
  let bare;
  try {
    note(
      `status_get: batch ${batchId} with ${ids.length} jobs; ${CONNECTIONS} connections, ` +
        `${seconds} s per target in ${rounds} interleaved slice(s)`,
    );

    bare = await startNodeServer({
      label: 'bare server',
      args: [path.join(ROOT, 'bench/bare-server.js')],
      env: { DATABASE_URL: database.url },
      readyPath: '/healthz',
    });

    const targets = {
      outdial: target,
      bareDb: { baseUrl: bare.baseUrl, paths: ids.map((id) => `/calls/${id}`) },
      bareConst: { baseUrl: bare.baseUrl, paths: ids.map((id) => `/const/${id}`) },
    };
    const results = await interleavedLoad(targets, {
      connections: CONNECTIONS,
      seconds,
      rounds,
      warmupSeconds: warmup,
    });
    for (const [name, r] of Object.entries(results)) {
      note(
        `status_get ${name}: ${Math.round(r.rps)} req/s, p50 ${r.p50.toFixed(1)} ms, ` +
          `p99 ${r.p99.toFixed(1)} ms (${r.total} requests)`,
      );
    }
    const { outdial: o, bareDb, bareConst } = results;
    emitFigure({ bench: 'status_get', value: o.rps, unit: 'req/s', baseline: bareDb.rps });
    emitFigure({ bench: 'status_get_p99', value: o.p99, unit: 'ms', baseline: bareDb.p99 });
    emitFigure({
      bench: 'status_get_vs_bare',
      value: o.rps,
      unit: 'req/s',
      baseline: bareConst.rps,
    });
  } finally {
    await bare?.stop();
    await outdial.stop();
  }
}
