// Memory of a child process as the kernel counts it (Linux /proc).
import { readFileSync, writeFileSync } from 'node:fs';

/** A `Vm…:` line of /proc/<pid>/status in MB (the kernel reports kB). */
export function statusMb(pid, field) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text);
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

/**
 * Resets VmHWM (peak RSS) to the current RSS, so a later VmHWM is the peak of what followed and
 * not of start-up (migrations, module loading). Returns false where the kernel does not allow it.
 */
export function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples VmRSS every `everyMs` until stopped; a cross-check of VmHWM (which misses nothing). */
export function sampleRss(pid, everyMs = 20) {
  let peak = 0;
  const take = () => {
    try {
      peak = Math.max(peak, statusMb(pid, 'VmRSS'));
    } catch {
      // the process ended
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return () => {
    clearInterval(timer);
    take();
    return peak;
  };
}
