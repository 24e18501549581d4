// Where a dispatch run's time goes, seen from PostgreSQL (pg_stat_statements is not available):
// pg_stat_activity sampled at a fixed interval, each sample of a session tallied by what it was
// doing (running on CPU, waiting for a lock or for I/O, or idle in a transaction = waiting for its
// client) and which statement; plus the CPU seconds its backends used (Linux /proc).
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { note } from './figures.js';
import { cpuTimes } from './proc-cpu.js';

/** application_name of the bench's own sessions, left out of every sample. */
export const BENCH_APP = 'outdial-bench';

const SAMPLE_SQL = `
  SELECT pid, backend_type, state, wait_event_type, wait_event, left(query, 400) AS query
    FROM pg_stat_activity
   WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name <> $2
     AND backend_type IN ('client backend', 'autovacuum worker')`;

const shorten = (sql) => sql.replace(/\s+/g, ' ').trim().slice(0, 90);

/** Busy and total jiffies of the whole machine (every process, other work included). */
function machineTicks() {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1);
  const n = cpu.map(Number);
  const idle = n[3] + n[4];
  const total = n.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/**
 * Starts sampling sessions of database `name` every `everyMs`. `stop()` resolves to the tallies:
 * `samples` (how many rounds), `busy` (session-samples not idle) and `rows` ({ label, n }, most
 * frequent first), `backendCpu` ({ user, sys } CPU seconds of the sessions seen) and `machineBusy` (share of
 * all cores busy over the interval).
 */
export async function sampleActivity(url, name, everyMs = 50) {
  const client = new pg.Client({ connectionString: url, application_name: BENCH_APP });
  client.on('error', () => {});
  await client.connect();
  const tally = new Map();
  const firstCpu = new Map();
  const machineStart = machineTicks();
  let samples = 0;
  let busy = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await client.query(SAMPLE_SQL, [name, BENCH_APP]);
      samples++;
      for (const r of rows) {
        if (!firstCpu.has(r.pid)) firstCpu.set(r.pid, cpuTimes(r.pid));
        if (r.state === 'idle' || r.state === null) continue;
        busy++;
        const what =
          r.state === 'active'
            ? r.wait_event_type
              ? `wait ${r.wait_event_type}:${r.wait_event}`
              : 'on CPU'
            : r.state;
        const who = r.backend_type === 'client backend' ? shorten(r.query ?? '') : r.backend_type;
        const label = `${what} | ${who}`;
        tally.set(label, (tally.get(label) ?? 0) + 1);
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return async () => {
    running = false;
    await loop.catch(() => {});
    const machineEnd = machineTicks();
    await client.end().catch(() => {});
    const backendCpu = { user: 0, sys: 0 };
    for (const [pid, s] of firstCpu) {
      const now = cpuTimes(pid);
      backendCpu.user += Math.max(0, now.user - s.user);
      backendCpu.sys += Math.max(0, now.sys - s.sys);
    }
    const rows = [...tally].map(([label, n]) => ({ label, n })).sort((a, b) => b.n - a.n);
    return {
      samples,
      busy,
      rows,
      backendCpu,
      machineBusy:
        (machineEnd.busy - machineStart.busy) / Math.max(1, machineEnd.total - machineStart.total),
    };
  };
}

/**
 * Prints the tallies: how many sessions were busy on average and on what; then the samples that
 * found a session running on CPU, by statement (where PostgreSQL's own CPU time goes).
 */
export function noteActivity(prefix, a, top = 8) {
  if (a.samples === 0) return;
  note(
    `${prefix}: ${(a.busy / a.samples).toFixed(2)} sessions busy on average ` +
      `(${a.samples} samples); what they were doing:`,
  );
  for (const r of a.rows.slice(0, top)) {
    note(`${prefix}:   ${((100 * r.n) / a.busy).toFixed(1).padStart(5)} %  ${r.label}`);
  }
  const onCpu = a.rows.filter((r) => r.label.startsWith('on CPU'));
  const cpuSamples = onCpu.reduce((n, r) => n + r.n, 0);
  if (cpuSamples === 0) return;
  note(`${prefix}: of the ${cpuSamples} samples on CPU:`);
  for (const r of onCpu.slice(0, Math.ceil(top / 2))) {
    note(
      `${prefix}:   ${((100 * r.n) / cpuSamples).toFixed(1).padStart(5)} %  ${r.label.slice(9)}`,
    );
  }
}
