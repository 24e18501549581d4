// `outdial export-db` / `outdial import-db` run as a user would: an embedded install with a finished
// batch and a scheduled one is exported (refused while its server runs), then imported into a
// second embedded data directory through a pipe and into PostgreSQL from a gzip file; servers on
// the copies answer every read of the API exactly as the original did, to the original API key.
import { spawn } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_FILE } from '../../src/config.js';
import { ApiClient } from '../support/api-client.js';
import {
  BIN,
  ROOT,
  runCli,
  type Server,
  startServer,
  stopServer,
  tempDir,
} from '../support/cli.js';
import { createPostgresDatabase, postgresReachable } from '../support/databases.js';

const WS = 'ws_e2edump';
const KEY = 'od_e2e_dump_key_0123456789abcdef';
const AGENT = 'agent_e2edump';
const headers = { 'x-api-key': KEY, 'x-workspace-id': WS };

const pgOk = await postgresReachable();

/** The deployment secret an embedded install keeps in its key file, beside its database. */
const keySecretOf = (dataDir: string) => readFileSync(path.join(dataDir, KEY_FILE), 'utf8').trim();

function writeCsv(dir: string, rows: number): string {
  const lines = ['phone_number,first_name,plan'];
  for (let i = 0; i < rows; i++) {
    lines.push(`+15005550${i % 9}${10 + Math.floor(i / 9)},Person ${i},"gold, ""vip"""`);
  }
  const file = path.join(dir, 'contacts.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Everything the API shows of the workspace and its batches, minus the response time stamps. */
async function snapshot(baseUrl: string, batchIds: string[]): Promise<Record<string, unknown>> {
  const api = new ApiClient(baseUrl, headers);
  const get = async (url: string) => {
    const res = await api.get(url);
    expect(res.status, url).toBe(200);
    const { timestamp: _, ...rest } = res.body;
    return rest;
  };
  const out: Record<string, unknown> = {
    workspace: await get('/v1/api/workspace'),
    agents: await get('/v1/api/agents'),
    batches: await get('/v1/api/batch-calls?limit=100'),
  };
  for (const id of batchIds) {
    const calls = await api.allCalls(id);
    const csv = await fetch(`${baseUrl}/v1/api/batch-calls/${id}/export-results`, { headers });
    expect(csv.status).toBe(200);
    out[id] = {
      batch: await get(`/v1/api/batch-calls/${id}`),
      status: await get(`/v1/api/batch-calls/${id}/status`),
      calls,
      jobs: await Promise.all(calls.map((c) => get(`/v1/api/batch-calls/${id}/calls/${c.jobId}`))),
      csv: await csv.text(),
    };
  }
  return out;
}

async function cli(args: string[], env: Record<string, string>, code = 0) {
  const run = runCli(args, env);
  expect(await run.exited, run.output()).toBe(code);
  return run.output();
}

describe('export-db and import-db', () => {
  const tmp = tempDir('outdial-dump-');
  const source = path.join(tmp.dir, 'source');
  const dumpFile = path.join(tmp.dir, 'backup.ndjson.gz');
  let server: Server | undefined;
  let batchIds: string[] = [];
  let original: Record<string, unknown>;
  let exported: { tables: Record<string, number>; rows: number };

  afterAll(async () => {
    if (server) await stopServer(server, 'SIGKILL');
    tmp.remove();
  });

  beforeAll(async () => {
    server = await startServer({
      OUTDIAL_DATA_DIR: source,
      OUTDIAL_SIM_SPEED: '30',
      OUTDIAL_RETRY_DELAYS_MS: '300,600',
      OUTDIAL_BOOTSTRAP_WORKSPACE_ID: WS,
      OUTDIAL_BOOTSTRAP_API_KEY: KEY,
      OUTDIAL_BOOTSTRAP_AGENT_ID: AGENT,
    });
    const api = new ApiClient(server.baseUrl, headers);
    const created = await api.uploadCsv(writeCsv(tmp.dir, 27), { agentId: AGENT, name: 'Run' });
    expect(created.status).toBe(200);
    const later = await fetch(`${server.baseUrl}/v1/api/batch-calls`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': 'once' },
      body: JSON.stringify({
        agentId: AGENT,
        scheduledAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
        recipients: [
          { phone_number: '+15005550001', note: 'line\nbreak' },
          { phone_number: '+15005550002', visits: 12 },
        ],
      }),
    });
    expect(later.status).toBe(200);
    batchIds = [created.body.batchId, ((await later.json()) as { batchId: string }).batchId];
    const done = await api.waitForBatch(batchIds[0]!, 90_000);
    expect(done.status).toBe('completed');
    const [first] = await api.allCalls(batchIds[1]!);
    const cancel = await fetch(
      `${server.baseUrl}/v1/api/batch-calls/${batchIds[1]}/calls/${first.jobId}`,
      { method: 'DELETE', headers },
    );
    expect(cancel.status).toBe(200);
    original = await snapshot(server.baseUrl, batchIds);

    // A running server's data directory is not read from outside.
    const refused = await cli(['export-db', '--out', dumpFile], { OUTDIAL_DATA_DIR: source }, 2);
    expect(refused).toContain('stop the server first');
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('backup'))).toEqual([]);
    expect(await stopServer(server)).toBe(0);
    server = undefined;
  }, 240_000);

  it('exports to a gzip file only its owner can read, atomically', async () => {
    const out = await cli(['export-db', '--out', dumpFile], { OUTDIAL_DATA_DIR: source });
    exported = JSON.parse(out);
    expect(exported).toMatchObject({ out: dumpFile, bytes: statSync(dumpFile).size });
    expect(exported.tables['calls']).toBe(29);
    expect(exported.tables['call_attempts']).toBeGreaterThan(27);
    expect(exported.rows).toBe(Object.values(exported.tables).reduce((a, b) => a + b));
    expect(statSync(dumpFile).mode & 0o777).toBe(0o600);
    expect([...readFileSync(dumpFile).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect(readdirSync(tmp.dir).filter((f) => f.includes('partial'))).toEqual([]);
  }, 120_000);

  it('refuses a cut-short file and a target that has data, importing nothing', async () => {
    const target = path.join(tmp.dir, 'refusals');
    const cut = path.join(tmp.dir, 'cut.ndjson.gz');
    const bytes = readFileSync(dumpFile);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.8)));
    const truncated = await cli(['import-db', '--in', cut], { OUTDIAL_DATA_DIR: target }, 2);
    expect(truncated).toMatch(/cut short.*Nothing was imported/);

    // Still empty: the whole file then loads.
    const loaded = JSON.parse(
      await cli(['import-db', '--in', dumpFile], { OUTDIAL_DATA_DIR: target }),
    );
    expect(loaded).toMatchObject({ tables: exported.tables, rows: exported.rows });

    const again = await cli(['import-db', '--in', dumpFile], { OUTDIAL_DATA_DIR: target }, 2);
    expect(again).toMatch(/table workspaces has rows.*Nothing was imported/);
    const missing = await cli(
      ['export-db', '--out', '-'],
      { OUTDIAL_DATA_DIR: path.join(tmp.dir, 'none') },
      2,
    );
    expect(missing).toContain('No embedded database in');
  }, 180_000);

  it('pipes export-db --out - into import-db --in - on another data directory', async () => {
    const copy = path.join(tmp.dir, 'copy');
    const env = (dataDir: string): NodeJS.ProcessEnv => {
      const e = { ...process.env };
      for (const k of Object.keys(e)) {
        if (k.startsWith('OUTDIAL_') || k === 'DATABASE_URL') delete e[k];
      }
      return { ...e, OUTDIAL_DATA_DIR: dataDir };
    };
    const exporter = spawn(process.execPath, [BIN, 'export-db', '--out', '-'], {
      cwd: ROOT,
      env: env(source),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const importer = spawn(process.execPath, [BIN, 'import-db', '--in', '-'], {
      cwd: ROOT,
      env: env(copy),
      stdio: [exporter.stdout, 'pipe', 'pipe'],
    });
    const collect = (s: NodeJS.ReadableStream | null) => {
      let text = '';
      s?.on('data', (d) => {
        text += d;
      });
      return () => text;
    };
    const exportLog = collect(exporter.stderr);
    const importOut = collect(importer.stdout);
    const importErr = collect(importer.stderr);
    const exit = (p: typeof exporter) => new Promise((r) => p.on('exit', r));
    const [e, i] = await Promise.all([exit(exporter), exit(importer)]);
    expect(e, exportLog()).toBe(0);
    expect(i, importErr()).toBe(0);
    expect(JSON.parse(exportLog())).toMatchObject({ out: '-', tables: exported.tables });
    expect(JSON.parse(importOut())).toMatchObject({ in: '-', tables: exported.tables });

    // The deployment secret stays out of the export: without the source's key file the copy's
    // API keys cannot be checked, and the start says what to copy.
    await expect(startServer({ OUTDIAL_DATA_DIR: copy })).rejects.toThrow(
      /copy outdial\.key from the data directory this database came from/,
    );
    expect(gunzipSync(readFileSync(dumpFile)).includes(keySecretOf(source))).toBe(false);
    copyFileSync(path.join(source, KEY_FILE), path.join(copy, KEY_FILE));
    server = await startServer({ OUTDIAL_DATA_DIR: copy });
    expect(server.output()).not.toContain('Outdial created your workspace');
    expect(await snapshot(server.baseUrl, batchIds)).toEqual(original);
    expect(await stopServer(server)).toBe(0);
    server = undefined;
  }, 180_000);

  it.skipIf(!pgOk)(
    'moves to PostgreSQL: the API answers the same to the old key',
    async () => {
      const pg = await createPostgresDatabase();
      try {
        const out = await cli(['import-db', '--in', dumpFile], { DATABASE_URL: pg.url });
        expect(JSON.parse(out)).toMatchObject({ tables: exported.tables, rows: exported.rows });
        expect(out).not.toContain(pg.url);

        // As docs/backup.md says: the embedded install's key file becomes OUTDIAL_KEY_SECRET.
        server = await startServer({
          DATABASE_URL: pg.url,
          OUTDIAL_KEY_SECRET: keySecretOf(source),
        });
        expect(server.output()).not.toContain('Outdial created your workspace');
        expect(await snapshot(server.baseUrl, batchIds)).toEqual(original);
        expect(await stopServer(server)).toBe(0);
        server = undefined;
      } finally {
        await pg.drop();
      }
    },
    180_000,
  );
});
