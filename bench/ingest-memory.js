// Figure `ingest_memory`: how much the server's resident memory grows while it accepts the
// largest upload allowed (20 MB), on PostgreSQL. Baseline: the same server's idle RSS.
import { uploadCsv } from './api-client.js';
import { contactsCsv } from './contacts-csv.js';
import { emitFigure, note } from './figures.js';
import { benchCredentials, startOutdial } from './outdial-server.js';
import { resetPeakRss, sampleRss, statusMb } from './proc-memory.js';

// 20 MB: under the default 20 MiB upload limit with room for the multipart envelope. --quick
// halves it to stay within its minute; the < 150 MB target is about the full 20 MB.
const FILE_BYTES = 20_000_000;
const QUICK_FILE_BYTES = 10_000_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function runIngestMemory({ quick, database }) {
  const file = contactsCsv({ maxBytes: quick ? QUICK_FILE_BYTES : FILE_BYTES, offset: 10_000_000 });
  note(`ingest_memory: ${file.rows} rows, ${(file.bytes / 1e6).toFixed(1)} MB CSV`);
  // A fresh server: VmHWM counts from process start, so an earlier benchmark must not be in it.
  const server = await startOutdial(database.url, benchCredentials());
  try {
    // One authenticated request loads the route code paths, then the process is left to settle.
    await fetch(`${server.baseUrl}/v1/api/agents`, { headers: server.headers }).then((r) =>
      r.arrayBuffer(),
    );
    await sleep(500);
    const idle = statusMb(server.pid, 'VmRSS');
    const reset = resetPeakRss(server.pid);
    if (!reset) note('ingest_memory: cannot reset VmHWM here; the peak may include start-up');
    const stopSampling = sampleRss(server.pid);
    const { body, ms } = await uploadCsv(server, file.csv, { defaultCountry: 'US' });
    const peak = statusMb(server.pid, 'VmHWM');
    const sampledPeak = stopSampling();
    if (body.totalCalls !== file.rows) {
      throw new Error(`upload stored ${body.totalCalls} calls of ${file.rows} rows`);
    }
    const growth = peak - idle;
    note(
      `ingest_memory: idle RSS ${idle.toFixed(1)} MB, peak ${peak.toFixed(1)} MB ` +
        `(sampled every 20 ms: ${sampledPeak.toFixed(1)} MB), upload took ${Math.round(ms)} ms`,
    );
    emitFigure({ bench: 'ingest_memory', value: growth, unit: 'MB', baseline: idle });
  } finally {
    await server.stop();
  }
}
