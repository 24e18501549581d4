import { afterAll, beforeAll, expect, it } from 'vitest';
import { OUTCOMES } from '../../src/domain/types.js';
import {
  ATTEMPT_GAP_MS,
  type CallSpec,
  insertBatch,
  mixedCalls,
  phoneFor,
} from '../support/batch-fixtures.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';

// Contract §5 `GET /batch-calls/{batchId}/calls/{jobId}`: the "when present" table, field by
// field and state by state, the result object, and the 404 body.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const keysOf = (o: object) => Object.keys(o).sort();
const BASE = ['attempts', 'jobId', 'phone_number', 'status'];
const with_ = (...extra: string[]) => [...BASE, ...extra].sort();

// mixedCalls(T0), in CSV order.
const KEYS = [
  // Waiting jobs say when they are next tried and why (ext §19), first attempt included.
  with_('nextAttemptAt', 'waitReason'), // waiting, never dialed
  with_('startTime', 'nextAttemptAt', 'waitReason'), // waiting with a retry scheduled
  with_('startTime'), // active
  with_('startTime', 'endTime', 'duration', 'result'), // completed
  with_('startTime', 'endTime', 'error'), // failed
  with_('error'), // cancelled before any dial
  with_('startTime', 'endTime', 'error'), // cancelled after a start
];

type Body = Record<string, any>;

describeEachDb('contract §5: one call’s status', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let mixed: { id: string; callIds: string[] };
  let outcomes: { id: string; callIds: string[] };

  beforeAll(async () => {
    t = await createTestDb(backend);
    h = await createTestApp(t.db);
    a = await seedTenant(t.db, T0, 'A');
    mixed = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls: mixedCalls(T0),
    });
    const calls: CallSpec[] = OUTCOMES.map((outcome, i) => ({
      state: 'completed',
      startTime: T0,
      endTime: T0 + 60_000 + i,
      duration: 30 + i,
      outcome,
      transcript: `Agent: Hello Kim.\nCustomer: Reply ${i}.`,
      variables: { first_name: 'Kim', zip: '02134' },
    }));
    outcomes = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      calls,
    });
  });
  afterAll(() => closeApp(h, t));

  const call = async (batchId: string, jobId: string, prefix = '/v1/api') => {
    const res = await h.app.inject({
      method: 'GET',
      url: `${prefix}/batch-calls/${batchId}/calls/${jobId}`,
      headers: a.headers,
    });
    return { status: res.statusCode, body: res.json() as Body, type: res.headers['content-type'] };
  };

  it('each state has exactly the fields the table lists, with their types', async () => {
    for (const [i, jobId] of mixed.callIds.entries()) {
      const { status, body, type } = await call(mixed.id, jobId);
      const where = `call ${i} (${body.status})`;
      expect(status, where).toBe(200);
      expect(type).toBe('application/json; charset=utf-8');
      expect(keysOf(body), where).toEqual(KEYS[i]);
      expect(body.jobId, where).toBe(jobId);
      expect(body.phone_number, where).toBe(phoneFor(i));
      expect(Number.isInteger(body.attempts), where).toBe(true);
      for (const k of ['startTime', 'endTime', 'nextAttemptAt']) {
        if (k in body) expect(Number.isInteger(body[k]), `${where} ${k}`).toBe(true);
      }
      if ('duration' in body) expect(typeof body.duration).toBe('number');
      if ('error' in body) expect(typeof body.error).toBe('string');
      // The row's variables are in result.metadata only, never at the top level.
      expect(body, where).not.toHaveProperty('metadata');
    }
    const statuses = await Promise.all(mixed.callIds.map((id) => call(mixed.id, id)));
    expect(statuses.map((r) => [r.body.status, r.body.attempts])).toEqual([
      ['waiting', 0],
      ['waiting', 1],
      ['active', 1],
      ['completed', 1],
      ['failed', 3],
      ['cancelled', 0],
      ['cancelled', 1],
    ]);
    expect(statuses[1]!.body.nextAttemptAt).toBe(T0 + 1_000 + 30_000 + ATTEMPT_GAP_MS);
    expect(statuses[4]!.body.error).toBe('Number busy - unable to connect after 3 attempts');
    expect(statuses[5]!.body.error).toBe('Call cancelled');
    expect(statuses[6]!.body.error).toBe('Batch cancelled');
  });

  it('result: callId (att_…), one-string transcript, a documented outcome, the CSV row', async () => {
    const { body } = await call(mixed.id, mixed.callIds[3]!);
    expect(keysOf(body.result)).toEqual(['callId', 'metadata', 'outcome', 'transcript']);
    expect(body.result.callId).toMatch(/^att_[0-9a-z]{26}$/);
    expect(body.result.transcript).toBe('Agent: Hello Di.\nCustomer: Call me later.');
    expect(body.result.metadata).toEqual({ first_name: 'Di', last_name: 'Lee', plan: 'gold' });
    expect(Object.keys(body.result.metadata)).toEqual(['first_name', 'last_name', 'plan']);

    const seen: string[] = [];
    for (const [i, jobId] of outcomes.callIds.entries()) {
      const r = (await call(outcomes.id, jobId)).body;
      expect(r.status).toBe('completed');
      expect(r.duration).toBe(30 + i);
      expect(r.result.transcript).toBe(`Agent: Hello Kim.\nCustomer: Reply ${i}.`);
      expect(r.result.metadata).toEqual({ first_name: 'Kim', zip: '02134' });
      seen.push(r.result.outcome);
    }
    expect(seen).toEqual([...OUTCOMES]);
    // The contract's set, whatever order the domain lists it in.
    expect([...seen].sort()).toEqual([
      'callback_requested',
      'opted_out',
      'successful',
      'unsuccessful',
      'voicemail',
    ]);
  });

  it('both prefixes answer the same body', async () => {
    for (const jobId of mixed.callIds) {
      expect((await call(mixed.id, jobId, '/v1')).body).toEqual((await call(mixed.id, jobId)).body);
    }
  });

  it('404 {"status":"not_found","error":"Call not found"}: unknown job, unknown batch, wrong batch', async () => {
    for (const [batchId, jobId] of [
      [mixed.id, 'call_unknown'],
      ['batch_unknown', mixed.callIds[0]!],
      [outcomes.id, mixed.callIds[0]!],
    ]) {
      for (const prefix of ['/v1/api', '/v1']) {
        const res = await h.app.inject({
          method: 'GET',
          url: `${prefix}/batch-calls/${batchId}/calls/${jobId}`,
          headers: a.headers,
        });
        expect(res.statusCode).toBe(404);
        expect(res.body).toBe('{"status":"not_found","error":"Call not found"}');
      }
    }
  });

  it('ext §19: a job whose row recorded consent has `consent` {source, at?}, in any state', async () => {
    const [waiting, , , completed] = mixed.callIds;
    const before = {
      waiting: (await call(mixed.id, waiting!)).body,
      completed: (await call(mixed.id, completed!)).body,
    };
    const set = (id: string, source: string, at: number | null) =>
      t.db.query('UPDATE calls SET consent_source = $2, consent_at = $3 WHERE id = $1', [
        id,
        source,
        at,
      ]);
    try {
      await set(waiting!, 'web form', Date.UTC(2026, 0, 2, 9, 30));
      await set(completed!, 'paper', null);
      const w = (await call(mixed.id, waiting!)).body;
      expect(keysOf(w)).toEqual([...keysOf(before.waiting), 'consent'].sort());
      expect(w).toEqual({
        ...before.waiting,
        consent: { source: 'web form', at: '2026-01-02T09:30:00.000Z' },
      });
      const c = (await call(mixed.id, completed!)).body;
      expect(c).toEqual({ ...before.completed, consent: { source: 'paper' } });
    } finally {
      await t.db.query(
        'UPDATE calls SET consent_source = NULL, consent_at = NULL WHERE batch_id = $1',
        [mixed.id],
      );
    }
  });
});
