// Figures `ingest` and `ingest_phone_parse`: a realistic CSV uploaded through the HTTP API until
// the 200 (the batch and all its calls exist), against COPY of the same rows into the same
// database; and the phone normalisation alone over the same numbers.
import { normalisePhone } from '../dist/domain/phone.js';
import { uploadCsv } from './api-client.js';
import { contactsCsv, VARIABLE_COLUMNS } from './contacts-csv.js';
import { COPY_TABLE, copyPayload, copyRows, createCopyTable } from './copy-baseline.js';
import { emitFigure, median, note } from './figures.js';
import { benchCredentials, startOutdial } from './outdial-server.js';
import { connect } from './postgres.js';

const FIELDS = { defaultCountry: 'US' };

function phoneParseRate(phones) {
  // Warm-up: libphonenumber loads its metadata and the JIT settles on the first thousands.
  for (let i = 0; i < Math.min(phones.length, 20_000); i++) normalisePhone(phones[i], 'US');
  const rates = [];
  for (let pass = 0; pass < 3; pass++) {
    const started = performance.now();
    let ok = 0;
    for (const p of phones) if (normalisePhone(p, 'US').ok) ok++;
    const ms = performance.now() - started;
    if (ok !== phones.length) throw new Error(`${phones.length - ok} numbers did not normalise`);
    rates.push(phones.length / (ms / 1000));
  }
  return median(rates);
}

export async function runIngest({ quick, database }) {
  const rows = quick ? 20_000 : 100_000;
  const reps = 3;
  const file = contactsCsv({ rows, keepCells: true });
  note(`ingest: ${rows} rows, ${(file.bytes / 1e6).toFixed(1)} MB CSV, ${reps} repetition(s)`);

  const e164 = file.phones.map((p) => normalisePhone(p, 'US').e164);
  const creds = benchCredentials();
  const server = await startOutdial(database.url, creds);
  const client = await connect(database.url);
  try {
    await createCopyTable(client);
    // Warm-up of both paths, so neither pays first-use costs inside the timing.
    await uploadCsv(server, contactsCsv({ rows: 2000, offset: 5_000_000 }).csv, FIELDS);
    await copyRows(
      client,
      copyPayload({
        e164: e164.slice(0, 2000),
        cells: file.cells,
        columns: VARIABLE_COLUMNS,
        workspaceId: creds.workspaceId,
        now: Date.now(),
      }),
    );

    const api = [];
    const copy = [];
    for (let r = 0; r < reps; r++) {
      // A checkpoint first, so no run pays for the previous run's dirty pages.
      await client.query('CHECKPOINT');
      const { body, ms } = await uploadCsv(server, file.csv, FIELDS);
      if (body.totalCalls !== rows) {
        throw new Error(`upload stored ${body.totalCalls} calls of ${rows} rows`);
      }
      api.push(rows / (ms / 1000));

      const payload = copyPayload({
        e164,
        cells: file.cells,
        columns: VARIABLE_COLUMNS,
        workspaceId: creds.workspaceId,
        now: Date.now(),
      });
      await client.query('CHECKPOINT');
      const started = performance.now();
      await copyRows(client, payload);
      copy.push(rows / ((performance.now() - started) / 1000));
      note(
        `ingest run ${r + 1}: API ${Math.round(api[r])} rows/s (${Math.round(ms)} ms), ` +
          `COPY ${Math.round(copy[r])} rows/s`,
      );
    }
    const apiRate = median(api);
    emitFigure({ bench: 'ingest', value: apiRate, unit: 'rows/s', baseline: median(copy) });

    const parseRate = phoneParseRate(file.phones);
    note(
      `ingest: phone normalisation alone would take ${((100 * apiRate) / parseRate).toFixed(1)}% of the API ingest time`,
    );
    emitFigure({
      bench: 'ingest_phone_parse',
      value: parseRate,
      unit: 'rows/s',
      baseline: apiRate,
    });
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${COPY_TABLE}`).catch(() => {});
    await client.end().catch(() => {});
    await server.stop();
  }
}
