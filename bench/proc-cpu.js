// CPU time of processes as the kernel counts it (Linux /proc): where a run's seconds went.
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux this runs on

/** User and system CPU seconds of a process so far; zeros once it is gone or unreadable. */
export function cpuTimes(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      user: Number(fields[11]) / TICKS_PER_SECOND,
      sys: Number(fields[12]) / TICKS_PER_SECOND,
    };
  } catch {
    return { user: 0, sys: 0 };
  }
}

/** CPU used by each pid between this call and the returned function's call: { user, sys }. */
export function cpuMeter(pids) {
  const start = new Map(pids.map((p) => [p, cpuTimes(p)]));
  return () => {
    const used = { user: 0, sys: 0 };
    for (const [pid, s] of start) {
      const now = cpuTimes(pid);
      used.user += Math.max(0, now.user - s.user);
      used.sys += Math.max(0, now.sys - s.sys);
    }
    return used;
  };
}

/** "3.2 s (user 2.0, sys 1.2)" */
export const formatCpu = (c) =>
  `${(c.user + c.sys).toFixed(1)} s (user ${c.user.toFixed(1)}, sys ${c.sys.toFixed(1)})`;
