import { Worker } from 'node:worker_threads';

// A test whose code blocks the event loop cannot time out: vitest's timers never fire. PGlite runs
// PostgreSQL in this thread, so a regression that makes it spin (as it did on a full disk) would
// hang the run instead of failing it. This watchdog runs in a thread of its own and ends the
// process, saying why, when the event loop has not turned for `maxBlockMs`.

const WATCHDOG = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const beat = new Int32Array(workerData.beat);
let last = Atomics.load(beat, 0);
let since = Date.now();
setInterval(() => {
  const now = Atomics.load(beat, 0);
  if (now !== last) { last = now; since = Date.now(); return; }
  if (Date.now() - since < workerData.maxBlockMs) return;
  writeSync(2, 'event loop blocked for ' + workerData.maxBlockMs + ' ms (' + workerData.what + '): ending the test process\\n');
  process.kill(process.pid, 'SIGKILL');
}, 250);
`;

/** Starts watching; returns the function that stops it. */
export function watchEventLoop(what: string, maxBlockMs = 30_000): () => Promise<void> {
  const beat = new SharedArrayBuffer(4);
  const counter = new Int32Array(beat);
  const worker = new Worker(WATCHDOG, { eval: true, workerData: { beat, maxBlockMs, what } });
  worker.unref();
  const timer = setInterval(() => Atomics.add(counter, 0, 1), 100);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await worker.terminate();
  };
}
