import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import type { Db } from '../../src/storage/db.js';
import { updateWorkspaceSettings } from '../../src/storage/workspaces-repo.js';
import { type Backend, createTestDb, type TestDb } from '../support/databases.js';
import {
  createTestApp,
  multipart,
  seedTenant,
  type Tenant,
  type TestApp,
} from '../support/http.js';

// Shared by the §1 upload suites. One database and app per backend (a fresh PGlite costs
// seconds); every test starts with no batches, so "nothing stored" is checked by counting every
// table a batch writes.

export interface UploadSuite {
  t: TestDb;
  h: TestApp;
  tenant: Tenant;
  post(
    fields: Record<string, string>,
    file?: string | Buffer,
    url?: string,
  ): Promise<LightMyRequestResponse>;
  /** Asserts the exact error response and that nothing at all was stored. */
  expectRejected(
    res: LightMyRequestResponse,
    status: number,
    body: Record<string, unknown>,
  ): Promise<void>;
}

/** Registers the suite's hooks; the returned object is filled in before the first test. */
export function useUploadSuite(backend: Backend): UploadSuite {
  const s = {} as UploadSuite;
  beforeAll(async () => {
    s.t = await createTestDb(backend);
    s.h = await createTestApp(s.t.db);
    s.tenant = await seedTenant(s.t.db, s.h.clock.now());
  });
  afterAll(async () => {
    await s.h?.app.close();
    await s.t?.close();
  });
  beforeEach(async () => {
    await s.t.db.query('DELETE FROM batches');
    await updateWorkspaceSettings(s.t.db, s.tenant.workspaceId, { timezone: 'UTC' });
    s.h.wakes = 0;
  });
  s.post = (fields, file, url = '/v1/api/batch-calls') => {
    const body = multipart(fields, file === undefined ? undefined : { content: file });
    return s.h.app.inject({
      method: 'POST',
      url,
      payload: body.payload,
      headers: { ...s.tenant.headers, ...body.headers },
    });
  };
  s.expectRejected = async (res, status, body) => {
    expect({ status: res.statusCode, body: res.json() }).toEqual({ status, body });
    expect(await countRows(s.t.db)).toEqual({ batches: 0, calls: 0, progress: 0 });
    expect(s.h.wakes).toBe(0);
  };
  return s;
}

/** A multipart body whose parts keep the given order (the file may come before the fields). */
export function orderedMultipart(parts: Array<[string, string] | { file: string | Buffer }>) {
  const boundary = '----outdialorder';
  const chunks: Buffer[] = [];
  for (const p of parts) {
    if (Array.isArray(p)) {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${p[0]}"\r\n\r\n${p[1]}\r\n`,
        ),
      );
    } else {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\n` +
            'Content-Type: text/csv\r\n\r\n',
        ),
        Buffer.isBuffer(p.file) ? p.file : Buffer.from(p.file),
        Buffer.from('\r\n'),
      );
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

export async function countRows(db: Db) {
  const [r] = await db.query<{ batches: number; calls: number; progress: number }>(
    `SELECT (SELECT count(*)::int FROM batches) AS batches, (SELECT count(*)::int FROM calls) AS calls,
            (SELECT count(*)::int FROM batch_progress) AS progress`,
  );
  return r!;
}

export interface StoredCall {
  seq: number;
  line: number;
  phone_number: string;
  variables: Record<string, string>;
  time_zone: string | null;
  run_at: number;
  state: string;
  attempts: number;
  workspace_id: string;
}

export function storedCalls(db: Db, batchId: string): Promise<StoredCall[]> {
  return db.query<StoredCall>(
    `SELECT seq, line, phone_number, variables, time_zone, run_at, state, attempts, workspace_id
       FROM calls WHERE batch_id = $1 ORDER BY seq`,
    [batchId],
  );
}
