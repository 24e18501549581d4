import { expect, it } from 'vitest';
import { useUploadSuite } from '../ingest/upload-harness.js';
import { describeEachDb } from '../support/databases.js';
import { createTestApp, multipart } from '../support/http.js';

// Contract §1 `POST /batch-calls`: the exact key sets, types and statuses of its answers, for the
// multipart upload and (ext) the JSON recipients body, with and without Idempotency-Key (ext).

const keys = (o: object) => Object.keys(o).sort();
const ISSUE_KEYS = ['column', 'message', 'row', 'value'];

describeEachDb('contract §1 start a batch', (backend) => {
  const s = useUploadSuite(backend);

  const postJson = (payload: object, headers: Record<string, string> = {}) =>
    s.h.app.inject({
      method: 'POST',
      url: '/v1/api/batch-calls',
      payload,
      headers: { ...s.tenant.headers, ...headers },
    });
  const postCsv = (fields: Record<string, string>, csv: string, key?: string) => {
    const body = multipart(fields, { content: csv });
    return s.h.app.inject({
      method: 'POST',
      url: '/v1/api/batch-calls',
      payload: body.payload,
      headers: { ...s.tenant.headers, ...body.headers, ...(key ? { 'idempotency-key': key } : {}) },
    });
  };

  // The seeded agent's variables, so that no warning about missing columns applies.
  const VARS = { first_name: 'Ann', last_name: 'Lee', appointment_date: 'Monday' };
  const HEADER = `phone_number,${Object.keys(VARS).join(',')}`;
  const row = (phone: string) => `${phone},${Object.values(VARS).join(',')}`;

  it('200: exactly batchId, totalCalls, status, message when nothing optional applies', async () => {
    for (const res of [
      await postCsv({ agentId: s.tenant.agentId }, `${HEADER}\n${row('+15005550001')}\n`),
      await postJson({
        agentId: s.tenant.agentId,
        recipients: [{ phone_number: '+15005550002', ...VARS }],
      }),
    ]) {
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(keys(body)).toEqual(['batchId', 'message', 'status', 'totalCalls']);
      expect(body).toEqual({
        batchId: expect.stringMatching(/^batch_[0-9a-z]{26}$/),
        totalCalls: 1,
        status: 'queued',
        message: 'Batch calls initiated successfully',
      });
    }
  });

  it('200 (ext): scheduledAt, skippedRows, skippedCount, warnings when they apply', async () => {
    const at = s.h.clock.now() + 60_000;
    const fields = {
      agentId: s.tenant.agentId,
      skipInvalidRows: 'true',
      scheduledAt: new Date(at).toISOString(),
    };
    const res = await postCsv(
      fields,
      `${HEADER}\n${row('+15005550001')}\n${row('nope')}\n${row('+1234567890')}\n`,
    );
    const body = res.json();
    expect(keys(body)).toEqual([
      'batchId',
      'message',
      'scheduledAt',
      'skippedCount',
      'skippedRows',
      'status',
      'totalCalls',
      'warnings',
    ]);
    expect(body).toMatchObject({ totalCalls: 2, scheduledAt: at, skippedCount: 1 });
    expect(keys(body.skippedRows[0])).toEqual(ISSUE_KEYS);
    expect(keys(body.warnings[0])).toEqual(ISSUE_KEYS);
    expect(body.skippedRows[0].row).toBe(3);
  });

  it('400 validation failure: error, message, errors[], errorCount; the same for JSON', async () => {
    const csv = await postCsv({ agentId: s.tenant.agentId }, 'phone_number\nnope\n');
    const json = await postJson({
      agentId: s.tenant.agentId,
      recipients: [{ phone_number: 'nope' }],
    });
    for (const res of [csv, json]) {
      expect(res.statusCode).toBe(400);
      const body = res.json();
      expect(keys(body)).toEqual(['error', 'errorCount', 'errors', 'message']);
      expect(body).toMatchObject({ error: 'CSV validation failed', errorCount: 1 });
      expect(body.errors).toEqual([
        { row: 2, column: 'phone_number', value: 'nope', message: expect.any(String) },
      ]);
    }
  });

  it('400 flat bodies: {error, message} for a structural problem of either body kind', async () => {
    for (const res of [
      await postCsv({ agentId: s.tenant.agentId }, 'name\nA\n'),
      await postJson({ agentId: s.tenant.agentId, recipients: 'x' }),
      await postJson({ agentId: s.tenant.agentId }, { 'idempotency-key': '' }),
    ]) {
      expect(res.statusCode).toBe(400);
      expect(keys(res.json())).toEqual(['error', 'message']);
      expect(typeof res.json().message).toBe('string');
    }
  });

  it('Idempotency-Key (ext): replay is 200 with the same body; reuse is 409 {error, message}', async () => {
    const csv = 'phone_number\n+15005550001\n';
    const first = await postCsv({ agentId: s.tenant.agentId }, csv, 'contract-key');
    const replay = await postCsv({ agentId: s.tenant.agentId }, csv, 'contract-key');
    expect(replay.statusCode).toBe(200);
    expect(replay.body).toBe(first.body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const reused = await postCsv(
      { agentId: s.tenant.agentId },
      `${csv}+15005550002\n`,
      'contract-key',
    );
    expect({ status: reused.statusCode, body: reused.json() }).toEqual({
      status: 409,
      body: {
        error: 'Idempotency key reused',
        message:
          'This Idempotency-Key was used in the last 24 hours for a different request; send a new key for a new request',
      },
    });
  });

  it('413 {"error":"File too large","message"} for a file or a JSON body over the limit; nothing stored', async () => {
    const small = await createTestApp(s.t.db, { maxUploadBytes: 1024 });
    try {
      const csv = `phone_number\n${'+15005550001\n'.repeat(200)}`;
      const form = multipart({ agentId: s.tenant.agentId }, { content: csv });
      const json = JSON.stringify({
        agentId: s.tenant.agentId,
        recipients: Array.from({ length: 100 }, () => ({ phone_number: '+15005550001' })),
      });
      const tooLarge = { error: 'File too large', message: expect.any(String) };
      const cases = [
        [form.payload, form.headers['content-type']!, tooLarge],
        [json, 'application/json', { ...tooLarge, code: 'payload_too_large' }],
      ] as const;
      for (const [payload, type, body] of cases) {
        const res = await small.app.inject({
          method: 'POST',
          url: '/v1/api/batch-calls',
          headers: { ...s.tenant.headers, 'content-type': type },
          payload,
        });
        await s.expectRejected(res, 413, body);
      }
    } finally {
      await small.app.close();
    }
  });
});
