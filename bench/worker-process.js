// Worker processes (no HTTP port to probe): started as a user starts them, ready once they print
// a line that says so, killed when the run ends however it ends.
import { spawn } from 'node:child_process';
import { BENCH_KEY_SECRET, nodeArgs, ROOT, supervise } from './child-process.js';
import { trackChild } from './cleanup.js';

/** Our environment minus anything that would change the child's database or identity. */
function workerEnv(extra) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (k.startsWith('OUTDIAL_') || ['DATABASE_URL', 'PORT', 'HOST', 'LOG_LEVEL'].includes(k)) {
      delete env[k];
    }
  }
  return { ...env, OUTDIAL_KEY_SECRET: BENCH_KEY_SECRET, ...extra };
}

/**
 * Spawns `node <args>` and resolves once a line of its stdout matches `ready`. `stop()` sends
 * SIGTERM, then SIGKILL after `graceMs`.
 */
export async function startNodeWorker({ label, args, env, ready, timeoutMs = 60_000 }) {
  const proc = spawn(process.execPath, nodeArgs(args), {
    cwd: ROOT,
    env: workerEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(proc);
  let tail = '';
  let line = '';
  let onReady;
  const isReady = new Promise((resolve) => {
    onReady = resolve;
  });
  // Keep the tail for error messages and scan lines for the ready mark; never let a full pipe
  // block the child.
  proc.stdout.on('data', (d) => {
    tail = (tail + d).slice(-8000);
    line += d;
    const lines = line.split('\n');
    line = lines.pop() ?? '';
    if (lines.some((l) => ready.test(l))) onReady();
  });
  proc.stderr.on('data', (d) => {
    tail = (tail + d).slice(-8000);
  });
  const { exited, stop, unregister } = supervise(proc);

  let timer;
  const outcome = await Promise.race([
    isReady.then(() => 'ready'),
    exited.then((how) => `exited (${how})`),
    new Promise((resolve) => {
      timer = setTimeout(() => resolve(`not ready after ${timeoutMs} ms`), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (outcome !== 'ready') {
    await stop(0);
    unregister();
    throw new Error(`${label} ${outcome}:\n${tail}`);
  }
  return {
    label,
    pid: proc.pid,
    output: () => tail,
    exited: () => proc.exitCode !== null || proc.signalCode !== null,
    stop: async () => {
      unregister();
      await stop();
    },
  };
}
