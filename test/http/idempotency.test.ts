import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { beforeEach, describe, expect, it } from 'vitest';
import { uploadIdentity } from '../../src/ingest/upload.js';
import { claimIdempotencyKey, IDEMPOTENCY_TTL_MS } from '../../src/storage/idempotency-repo.js';
import { orderedMultipart, useUploadSuite } from '../ingest/upload-harness.js';
import { describeEachDb } from '../support/databases.js';
import { createTestApp, multipart, seedTenant, type Tenant } from '../support/http.js';

// §1 ext: the Idempotency-Key header of `POST /batch-calls`. The JSON-body variant is also
// covered in recipients.test.ts; the exact bodies are pinned in test/contract/01-start-batch.

const CSV = 'phone_number,first_name\n+15005550001,Ann\n+15005550002,Bo\n';
const REUSED = {
  error: 'Idempotency key reused',
  message:
    'This Idempotency-Key was used in the last 24 hours for a different request; send a new key for a new request',
};

describeEachDb('Idempotency-Key on POST /batch-calls (§1 ext)', (backend) => {
  const s = useUploadSuite(backend);
  beforeEach(async () => {
    await s.t.db.query('DELETE FROM idempotency_keys');
  });

  const send = (
    key: string | undefined,
    fields: Record<string, string> = { agentId: s.tenant.agentId },
    csv: string = CSV,
    who: Tenant = s.tenant,
  ) => {
    const body = multipart(fields, { content: csv });
    return s.h.app.inject({
      method: 'POST',
      url: '/v1/api/batch-calls',
      payload: body.payload,
      headers: {
        ...who.headers,
        ...body.headers,
        ...(key === undefined ? {} : { 'idempotency-key': key }),
      },
    });
  };
  const sendJson = (key: string, payload: object) =>
    s.h.app.inject({
      method: 'POST',
      url: '/v1/api/batch-calls',
      payload,
      headers: { ...s.tenant.headers, 'idempotency-key': key },
    });

  const batchIds = async () =>
    (await s.t.db.query<{ id: string }>('SELECT id FROM batches ORDER BY created_at, id')).map(
      (r) => r.id,
    );
  const outcome = (res: LightMyRequestResponse) => ({
    status: res.statusCode,
    body: res.json(),
    replayed: res.headers['idempotent-replayed'],
  });

  it('the same key and request answers the first response and creates nothing new', async () => {
    const first = await send('order-42');
    expect(first.statusCode).toBe(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await send('order-42');
    expect(outcome(again)).toEqual({ status: 200, body: first.json(), replayed: 'true' });
    // Another multipart boundary and another part order are still the same request.
    const reordered = orderedMultipart([{ file: CSV }, ['agentId', s.tenant.agentId]]);
    const third = await s.h.app.inject({
      method: 'POST',
      url: '/v1/batch-calls',
      payload: reordered.payload,
      headers: { ...s.tenant.headers, ...reordered.headers, 'idempotency-key': 'order-42' },
    });
    expect(outcome(third)).toEqual({ status: 200, body: first.json(), replayed: 'true' });
    expect(await batchIds()).toEqual([first.json().batchId]);
    expect(s.h.wakes).toBe(1);
  });

  it('the first response is replayed whole, skipped rows and warnings included', async () => {
    const csv = `${CSV}nope,Cy\n+1234567890,Di\n`;
    const fields = { agentId: s.tenant.agentId, skipInvalidRows: 'true' };
    const first = await send('k', fields, csv);
    expect(first.json()).toMatchObject({ totalCalls: 3, skippedCount: 1 });
    // The agent's missing variables (row 1) and the invalid number.
    expect(first.json().warnings.map((w: { row: number }) => w.row)).toEqual([1, 5]);
    expect(outcome(await send('k', fields, csv))).toEqual({
      status: 200,
      body: first.json(),
      replayed: 'true',
    });
  });

  it('the same key with another file, field or body kind is a 409 and creates nothing', async () => {
    const first = await send('k1');
    for (const res of [
      await send('k1', { agentId: s.tenant.agentId }, `${CSV}+15005550003,Cy\n`),
      await send('k1', { agentId: s.tenant.agentId, name: 'Renamed' }),
      await sendJson('k1', {
        agentId: s.tenant.agentId,
        recipients: [
          { phone_number: '+15005550001', first_name: 'Ann' },
          { phone_number: '+15005550002', first_name: 'Bo' },
        ],
      }),
    ]) {
      expect(outcome(res)).toEqual({ status: 409, body: REUSED, replayed: undefined });
    }
    expect(await batchIds()).toEqual([first.json().batchId]);
  });

  it('another key, or the same key in another workspace, is another batch', async () => {
    const other = await seedTenant(s.t.db, s.h.clock.now(), 'Other');
    const a = (await send('k')).json().batchId;
    const b = (await send('k2')).json().batchId;
    const c = (await send('k', { agentId: other.agentId }, CSV, other)).json().batchId;
    expect(new Set([a, b, c]).size).toBe(3);
    expect((await batchIds()).sort()).toEqual([a, b, c].sort());
  });

  it('a rejected request is not remembered: the fixed request can reuse its key', async () => {
    const bad = await send('k', { agentId: s.tenant.agentId }, 'phone_number\nnope\n');
    expect(bad.statusCode).toBe(400);
    const missingAgent = await send('k', {});
    expect(missingAgent.json()).toEqual({
      error: 'Missing agentId',
      message: 'The agentId field is required',
    });
    const fixed = await send('k');
    expect(fixed.statusCode).toBe(200);
    // From now on the key belongs to the fixed request.
    expect(
      (await send('k', { agentId: s.tenant.agentId }, 'phone_number\nnope\n')).statusCode,
    ).toBe(409);
    expect(await batchIds()).toEqual([fixed.json().batchId]);
  });

  it('a key is remembered for 24 hours, then forgotten and reusable', async () => {
    const first = (await send('daily')).json();
    await s.h.clock.advance(IDEMPOTENCY_TTL_MS - 1);
    expect((await send('daily')).json()).toEqual(first);
    await s.h.clock.advance(1);
    const next = await send('daily');
    expect(outcome(next)).toMatchObject({ status: 200, replayed: undefined });
    expect(next.json().batchId).not.toBe(first.batchId);
    // The expired row was replaced: the key now answers with the new batch.
    expect((await send('daily')).json()).toEqual(next.json());
    expect(await batchIds()).toEqual([first.batchId, next.json().batchId]);
  });

  it('400 for a key that is empty or longer than 255 characters; 255 is fine', async () => {
    const invalid = {
      error: 'Invalid Idempotency-Key',
      message: 'The Idempotency-Key header must be 1 to 255 characters long',
    };
    for (const key of ['', 'x'.repeat(256)]) {
      await s.expectRejected(await send(key), 400, invalid);
    }
    expect((await send('x'.repeat(255))).statusCode).toBe(200);
  });

  it('a hashed upload still streams: size limit and malformed file answer as without a key', async () => {
    const small = await createTestApp(s.t.db, { maxUploadBytes: 1024 });
    try {
      const rows = Array.from(
        { length: 60 },
        (_, i) => `+1500555${String(i).padStart(4, '0')},hello`,
      );
      expect(rows.join('\n').length).toBeGreaterThan(1024);
      const body = multipart(
        { agentId: s.tenant.agentId },
        { content: `phone_number,n\n${rows.join('\n')}` },
      );
      const res = await small.app.inject({
        method: 'POST',
        url: '/v1/api/batch-calls',
        payload: body.payload,
        headers: { ...s.tenant.headers, ...body.headers, 'idempotency-key': 'big' },
      });
      await s.expectRejected(res, 413, {
        error: 'File too large',
        message: 'The file is larger than the upload limit of 1024 bytes',
      });
    } finally {
      await small.app.close();
    }
    await s.expectRejected(
      await send('k', { agentId: s.tenant.agentId }, 'phone_number\n"+15005550001\n'),
      400,
      { error: 'Malformed CSV', message: 'Unclosed quote in the row starting at line 2' },
    );
  });

  it('works the same for a JSON recipients body', async () => {
    const body = {
      agentId: s.tenant.agentId,
      recipients: [{ phone_number: '+15005550001', plan: 'gold' }],
      maxConcurrency: 2,
    };
    const first = await sendJson('j', body);
    expect(first.statusCode).toBe(200);
    expect(outcome(await sendJson('j', body))).toEqual({
      status: 200,
      body: first.json(),
      replayed: 'true',
    });
    expect((await sendJson('j', { ...body, maxConcurrency: 3 })).json()).toEqual(REUSED);
    expect(await batchIds()).toEqual([first.json().batchId]);
  });

  it('concurrent requests with one key create exactly one batch and all answer it', async () => {
    // Enough rows that every request is still being read when the others look their key up.
    const rows = Array.from(
      { length: 3000 },
      (_, i) => `+1415555${String(i).padStart(4, '0')},N${i}`,
    );
    const csv = `phone_number,first_name\n${rows.join('\n')}\n`;
    const fields = { agentId: s.tenant.agentId };
    const results = await Promise.all(Array.from({ length: 4 }, () => send('race', fields, csv)));
    const bodies = results.map((r) => ({ status: r.statusCode, body: r.json() }));
    const ids = await batchIds();
    expect(ids).toHaveLength(1);
    for (const b of bodies) expect(b).toEqual({ status: 200, body: bodies[0]!.body });
    expect(bodies[0]!.body.batchId).toBe(ids[0]);
    expect(results.filter((r) => r.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
    const keys = await s.t.db.query('SELECT key FROM idempotency_keys');
    expect(keys).toEqual([{ key: 'race' }]);
  });

  // Only PostgreSQL has truly concurrent transactions: a request must wait for another open
  // transaction holding its key, then answer with what that one committed.
  (backend === 'postgres' ? describe : describe.skip)(
    'while another transaction holds the key',
    () => {
      const fileHash = createHash('sha256').update(CSV).digest('hex');
      const identity = () =>
        uploadIdentity({ fields: { agentId: s.tenant.agentId }, fileSha256: fileHash });

      async function holdKey(requestHash: string, response: object) {
        let finish!: (commit: boolean) => void;
        let claimed!: () => void;
        const isClaimed = new Promise<void>((r) => {
          claimed = r;
        });
        const held = s.t.db
          .tx(async (q) => {
            const ok = await claimIdempotencyKey(q, {
              workspaceId: s.tenant.workspaceId,
              key: 'held',
              requestHash,
              statusCode: 200,
              response,
              now: s.h.clock.now(),
            });
            expect(ok).toBe(true);
            claimed();
            if (!(await new Promise<boolean>((r) => (finish = r)))) throw new Error('roll back');
          })
          .catch((err: Error) => {
            if (err.message !== 'roll back') throw err;
          });
        await isClaimed;
        return { held, finish: (commit: boolean) => finish(commit) };
      }

      /** Until the request is blocked on the held key's row lock. */
      async function blockedOnLock() {
        for (let i = 0; i < 200; i++) {
          const [row] = await s.t.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          if (row!.n > 0) return;
          await new Promise((r) => setTimeout(r, 25));
        }
        throw new Error('the request never waited for the key');
      }

      it('answers what the holder commits, creating nothing', async () => {
        const stored = { batchId: 'batch_held', totalCalls: 2, status: 'queued', message: 'm' };
        const { held, finish } = await holdKey(identity(), stored);
        const pending = send('held');
        await blockedOnLock();
        finish(true);
        await held;
        expect(outcome(await pending)).toEqual({ status: 200, body: stored, replayed: 'true' });
        expect(await batchIds()).toEqual([]);
      });

      it('409 when the holder commits another request under the key', async () => {
        const { held, finish } = await holdKey('another-request', { batchId: 'batch_other' });
        const pending = send('held');
        await blockedOnLock();
        finish(true);
        await held;
        expect(outcome(await pending)).toEqual({ status: 409, body: REUSED, replayed: undefined });
        expect(await batchIds()).toEqual([]);
      });

      it('creates its own batch when the holder rolls back', async () => {
        const { held, finish } = await holdKey(identity(), { batchId: 'batch_rolled_back' });
        const pending = send('held');
        await blockedOnLock();
        finish(false);
        await held;
        const res = await pending;
        expect(outcome(res)).toMatchObject({ status: 200, replayed: undefined });
        expect(await batchIds()).toEqual([res.json().batchId]);
      });
    },
  );
});
