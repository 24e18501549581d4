// Figures `embedded_memory` and `embedded_memory_first_start`: the resident memory of `npm start`
// (the embedded default, PGlite in a data directory) idle after a restart, and at its peak during
// the first start (cluster created, migrated, credentials made). Baseline of both: a bare PGlite
// with the same settings on the same data, idle as long.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, startNodeServer, supervise } from './child-process.js';
import { onCleanup, trackChild } from './cleanup.js';
import { emitFigure, note } from './figures.js';
import { benchCredentials } from './outdial-server.js';
import { sampleRss, statusMb } from './proc-memory.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function serve(dir, creds) {
  return startNodeServer({
    label: 'outdial serve (embedded)',
    args: ['bin/outdial.js', 'serve'],
    env: {
      OUTDIAL_DATA_DIR: dir,
      OUTDIAL_BOOTSTRAP_WORKSPACE_ID: creds.workspaceId,
      OUTDIAL_BOOTSTRAP_API_KEY: creds.apiKey,
      OUTDIAL_BOOTSTRAP_AGENT_ID: creds.agentId,
      LOG_LEVEL: 'warn',
    },
    readyPath: '/readyz',
    timeoutMs: 120_000,
  });
}

/** RSS (MB) of a bare PGlite on `pgdata` after `idleMs`. */
async function barePglite(pgdata, idleMs) {
  const proc = spawn(process.execPath, ['bench/bare-pglite.js', pgdata], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  trackChild(proc);
  const { stop, unregister } = supervise(proc);
  try {
    await new Promise((resolve, reject) => {
      proc.stdout.on('data', (d) => String(d).includes('ready') && resolve());
      proc.once('exit', (c) => reject(new Error(`bare PGlite exited (${c}) before it was ready`)));
    });
    await sleep(idleMs);
    return statusMb(proc.pid, 'VmRSS');
  } finally {
    unregister();
    await stop();
  }
}

export async function runEmbeddedMemory({ quick }) {
  // Idle long enough for V8's memory reducer to give back what start-up used (it acts after
  // some seconds without allocation); a user's idle server is idle for much longer.
  const idleMs = quick ? 20_000 : 60_000;
  const dir = mkdtempSync(path.join(tmpdir(), 'outdial-bench-memory-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const creds = benchCredentials();

  const first = await serve(dir, creds);
  let firstPeak;
  try {
    const stopSampling = sampleRss(first.pid);
    await sleep(2_000);
    firstPeak = Math.max(statusMb(first.pid, 'VmHWM'), stopSampling());
  } finally {
    await first.stop();
  }

  const again = await serve(dir, creds);
  let idle;
  let restartPeak;
  try {
    await fetch(`${again.baseUrl}/readyz`).then((r) => r.arrayBuffer());
    await sleep(idleMs);
    idle = statusMb(again.pid, 'VmRSS');
    restartPeak = statusMb(again.pid, 'VmHWM');
  } finally {
    await again.stop();
  }

  const bare = await barePglite(path.join(dir, 'pgdata'), idleMs);
  note(
    `embedded_memory: first start peak ${firstPeak.toFixed(1)} MB; after a restart ` +
      `${idle.toFixed(1)} MB idle ${idleMs / 1000} s (peak ${restartPeak.toFixed(1)} MB); bare ` +
      `PGlite ${bare.toFixed(1)} MB; the server beyond PGlite ${(idle - bare).toFixed(1)} MB`,
  );
  emitFigure({ bench: 'embedded_memory', value: idle, unit: 'MB', baseline: bare });
  emitFigure({
    bench: 'embedded_memory_first_start',
    value: firstPeak,
    unit: 'MB',
    baseline: bare,
  });
}
