// HTTP load through autocannon's programmatic API.
import autocannon from 'autocannon';

/**
 * Starts autocannon: `connections` keep-alive connections against `baseUrl` for `seconds`, each
 * request taking the next path of `paths` (a shared rotation, so consecutive requests read
 * different rows). Returns its tracker (awaitable, `stop()`able).
 */
function startLoad({ baseUrl, paths, headers = {} }, { connections, seconds }) {
  let next = 0;
  return autocannon({
    url: baseUrl,
    connections,
    duration: seconds,
    headers,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => {
          req.path = paths[next];
          next = (next + 1) % paths.length;
          return req;
        },
      },
    ],
  });
}

/** One run of startLoad to its end. Every response's latency (ms) is appended to `latencies`. */
async function runOnce({ connections, seconds, ...target }, latencies) {
  const tracker = startLoad(target, { connections, seconds });
  tracker.on('response', (_client, _status, _bytes, ms) => latencies?.push(ms));
  const r = await tracker;
  return {
    seconds: r.duration,
    total: r.requests.total,
    failures: r.non2xx + r.errors + r.timeouts,
  };
}

const percentile = (sorted, p) =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

/**
 * Loads every target in turn, `rounds` times, `seconds / rounds` each, after a warm-up of each:
 * on a shared, noisy machine interleaving gives every target the same mix of quiet and busy
 * moments, so their ratios mean something. Throws if any answer was not 2xx (that would measure
 * an error path). Returns per target: requests/s over all rounds, p50 and p99 latency (ms).
 */
export async function interleavedLoad(targets, { connections, seconds, rounds, warmupSeconds }) {
  const acc = {};
  for (const [name, t] of Object.entries(targets)) {
    acc[name] = { seconds: 0, total: 0, failures: 0, latencies: [] };
    const w = await runOnce({ ...t, connections, seconds: warmupSeconds });
    acc[name].failures += w.failures;
  }
  const slice = Math.max(1, Math.round(seconds / rounds));
  for (let round = 0; round < rounds; round++) {
    for (const [name, t] of Object.entries(targets)) {
      const r = await runOnce({ ...t, connections, seconds: slice }, acc[name].latencies);
      acc[name].seconds += r.seconds;
      acc[name].total += r.total;
      acc[name].failures += r.failures;
    }
  }
  const out = {};
  for (const [name, a] of Object.entries(acc)) {
    if (a.failures > 0 || a.total === 0) {
      throw new Error(`${name}: ${a.failures} failed requests (non-2xx, errors, timeouts)`);
    }
    const sorted = Float64Array.from(a.latencies).sort();
    out[name] = {
      rps: a.total / a.seconds,
      total: a.total,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
    };
  }
  return out;
}

/**
 * Loads one target (as startLoad does) from now until `until` resolves. Counts the answers that
 * arrive in that span only: autocannon reports on a one-second tick, so its own totals would take
 * in up to a second after the span. Throws if any answer was not 2xx. Returns requests/s over the
 * span, the requests, the span in seconds, p50 and p99 latency (ms).
 */
export async function loadUntil(target, { connections, until }) {
  let stopped = false;
  let total = 0;
  let failures = 0;
  const latencies = [];
  // Stopped by `until`; the hour only bounds a run whose stop never comes.
  const tracker = startLoad(target, { connections, seconds: 3600 });
  const started = performance.now();
  tracker.on('response', (_client, status, _bytes, ms) => {
    if (stopped) return;
    total++;
    latencies.push(ms);
    if (status < 200 || status > 299) failures++;
  });
  await until;
  stopped = true;
  const seconds = (performance.now() - started) / 1000;
  tracker.stop();
  const r = await tracker;
  failures += r.errors + r.timeouts;
  if (failures > 0 || total === 0) {
    throw new Error(`${failures} failed requests (non-2xx, errors, timeouts) of ${total}`);
  }
  const sorted = Float64Array.from(latencies).sort();
  return {
    rps: total / seconds,
    total,
    seconds,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
  };
}
