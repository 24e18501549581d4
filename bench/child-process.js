// Servers under test run as child processes, exactly as a user starts them.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { onCleanup, trackChild } from './cleanup.js';

export const ROOT = path.resolve(import.meta.dirname, '..');

/**
 * Every child of a run holds this deployment secret from its first start, so webhook secrets can
 * be sealed (the webhook figures) and every process agrees on it.
 */
export const BENCH_KEY_SECRET = 'outdial-bench-key-secret-0123456789abcdef';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Our environment minus anything that would change the child's database or identity. */
function childEnv(extra) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (k.startsWith('OUTDIAL_') || ['DATABASE_URL', 'PORT', 'HOST', 'LOG_LEVEL'].includes(k)) {
      delete env[k];
    }
  }
  return { ...env, OUTDIAL_KEY_SECRET: BENCH_KEY_SECRET, ...extra };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Spawns `node <args>` and resolves once GET `readyPath` answers 200. The child is killed when the
 * run ends; `stop()` ends it earlier (SIGTERM, then SIGKILL after `graceMs`).
 */
/**
 * A child's exit as a promise, a stop (SIGTERM, then SIGKILL after `graceMs`) and its registration
 * with the bench's clean-up, so an interrupted run never leaves it behind.
 */
export function supervise(proc) {
  const exited = new Promise((resolve) => proc.once('exit', (code, sig) => resolve(code ?? sig)));
  const stop = async (graceMs = 10_000) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return { exited, stop, unregister: onCleanup(stop) };
}

/** `node` arguments for a child: BENCH_CPU_PROF=<dir> makes it write a V8 CPU profile there. */
export function nodeArgs(args) {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...args] : args;
}

export async function startNodeServer({ label, args, env, readyPath, timeoutMs = 60_000 }) {
  const port = await freePort();
  const proc = spawn(process.execPath, nodeArgs(args), {
    cwd: ROOT,
    env: childEnv({ HOST: '127.0.0.1', PORT: String(port), ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(proc);
  // Keep the tail of its output for error messages; never let a full pipe block the child.
  let tail = '';
  const keep = (d) => {
    tail = (tail + d).slice(-8000);
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const { exited, stop, unregister } = supervise(proc);

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`${label} exited (${await exited}) before it was ready:\n${tail}`);
    }
    try {
      const res = await fetch(`${baseUrl}${readyPath}`);
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop(0);
      throw new Error(`${label} not ready after ${timeoutMs} ms:\n${tail}`);
    }
    await sleep(100);
  }
  return {
    label,
    pid: proc.pid,
    baseUrl,
    output: () => tail,
    stop: async () => {
      unregister();
      await stop();
    },
  };
}
