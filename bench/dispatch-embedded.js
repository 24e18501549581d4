// Figure `dispatch_embedded`: the dispatch of bench/dispatch.js on embedded PGlite. The embedded
// database belongs to one process, so this is `outdial serve --workers 1` (API and one engine, as a
// single-machine user runs it); the batch arrives as a CSV upload and progress is read through the
// API, timed from the upload's 200 (the batch is committed) until nothing waits or runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../dist/storage/open-database.js';
import { getJson, uploadCsv } from './api-client.js';
import { startNodeServer } from './child-process.js';
import { onCleanup } from './cleanup.js';
import { workerEnvironment } from './dispatch-run.js';
import { contactsCsvOf, createDispatchWorkspace } from './dispatch-setup.js';
import { emitFigure, note } from './figures.js';
import { benchCredentials } from './outdial-server.js';
import { cpuMeter, formatCpu } from './proc-cpu.js';
import { resetPeakRss, statusMb } from './proc-memory.js';

const POLL_MS = 50;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A data directory with the bench workspace (limits that never bind) and its agent. */
async function prepareDataDir() {
  const dir = mkdtempSync(path.join(tmpdir(), 'outdial-bench-embedded-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const db = await openDatabase({ kind: 'pglite-dir', dataDir: dir });
  try {
    return { dir, ...(await createDispatchWorkspace(db)) };
  } finally {
    await db.close();
  }
}

async function countAttempts(dir, batchId) {
  const db = await openDatabase({ kind: 'pglite-dir', dataDir: dir }, { migrate: false });
  try {
    const [r] = await db.query('SELECT count(*)::int AS n FROM call_attempts WHERE batch_id = $1', [
      batchId,
    ]);
    return r.n;
  } finally {
    await db.close();
  }
}

export async function runDispatchEmbedded({ quick }) {
  const calls = quick ? 5_000 : 20_000;
  const { dir, workspaceId, agentId } = await prepareDataDir();
  const creds = { ...benchCredentials(), workspaceId, agentId };
  const server = await startNodeServer({
    label: 'outdial serve (embedded)',
    args: ['bin/outdial.js', 'serve', '--workers', '1'],
    env: {
      ...workerEnvironment(`file://${dir}`),
      OUTDIAL_BOOTSTRAP_WORKSPACE_ID: workspaceId,
      OUTDIAL_BOOTSTRAP_API_KEY: creds.apiKey,
      OUTDIAL_BOOTSTRAP_AGENT_ID: agentId,
      OUTDIAL_RATE_LIMIT_PER_MIN: '100000000',
      LOG_LEVEL: 'warn',
    },
    readyPath: '/readyz',
  });
  const api = {
    ...server,
    headers: { 'x-api-key': creds.apiKey, 'x-workspace-id': workspaceId },
    agentId,
  };
  let batchId;
  let seconds;
  try {
    await sleep(1000);
    const idleRss = statusMb(server.pid, 'VmRSS');
    resetPeakRss(server.pid);
    const csv = contactsCsvOf(calls);
    note(
      `dispatch_embedded: ${calls} calls on PGlite in ${dir}; progress polled every ${POLL_MS} ms`,
    );
    const { body } = await uploadCsv(api, csv);
    const started = performance.now();
    const cpu = cpuMeter([server.pid]);
    batchId = body.batchId;
    for (;;) {
      const s = await getJson(api, `/v1/api/batch-calls/${batchId}`);
      if (s.progress.waiting + s.progress.active === 0) break;
      if (performance.now() - started > 30 * 60_000) throw new Error('batch not settled in 30 min');
      await sleep(POLL_MS);
    }
    seconds = (performance.now() - started) / 1000;
    note(
      `dispatch_embedded: ${calls} calls in ${seconds.toFixed(2)} s; CPU of the process ` +
        `${formatCpu(cpu())}; RSS idle ${idleRss.toFixed(1)} MB, peak ` +
        `${statusMb(server.pid, 'VmHWM').toFixed(1)} MB`,
    );
  } finally {
    await server.stop();
  }
  const attempts = await countAttempts(dir, batchId);
  note(`dispatch_embedded: ${attempts} attempts (${Math.round(attempts / seconds)}/s)`);
  emitFigure({ bench: 'dispatch_embedded', value: calls / seconds, unit: 'calls/s' });
}
