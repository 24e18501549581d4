// Whatever a bench run starts it must undo, however the run ends (success, error, Ctrl-C):
// child processes are killed and temporary databases dropped.
const tasks = [];
const children = new Set();
let cleaning;
let interrupted = false;

/** Whether SIGINT/SIGTERM arrived: errors after that are the interruption, not failures. */
export const wasInterrupted = () => interrupted;

/** Registers an async undo step; steps run newest first. Returns a function that unregisters it. */
export function onCleanup(fn) {
  tasks.push(fn);
  return () => {
    const i = tasks.indexOf(fn);
    if (i !== -1) tasks.splice(i, 1);
  };
}

/** Tracks a child process so it is killed even when the run dies abruptly. */
export function trackChild(proc) {
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
}

export function cleanupAll() {
  cleaning ??= (async () => {
    while (tasks.length > 0) {
      const fn = tasks.pop();
      try {
        await fn();
      } catch (err) {
        process.stderr.write(`bench: cleanup step failed: ${err?.message ?? err}\n`);
      }
    }
  })();
  return cleaning;
}

function killChildrenNow() {
  for (const proc of children) {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  }
}

/** SIGINT/SIGTERM: clean up, then exit 130. A second signal exits at once (children still die). */
export function installSignalHandlers() {
  const handler = (signal) => {
    if (interrupted) {
      killChildrenNow();
      process.exit(130);
    }
    interrupted = true;
    process.stderr.write(`bench: ${signal}: stopping servers and dropping temporary databases\n`);
    cleanupAll().finally(() => {
      killChildrenNow();
      process.exit(130);
    });
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  // Last resort: an exit that skipped cleanup (process.exit elsewhere, fatal error) still must not
  // leave servers running. Databases cannot be dropped synchronously here.
  process.on('exit', killChildrenNow);
}
