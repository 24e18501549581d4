import { afterEach, expect, it } from 'vitest';
import { txWithRetry } from '../../src/storage/transaction-retry.js';
import { guard, keyedGuard } from '../../src/storage/transitions/table.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { seedTenant } from '../support/http.js';

// The transitions' transactions plan with indexes whatever the statistics say: a table analyzed
// while every attempt had ended makes a transition's from-state guard look as if it matched no
// row, and a whole-table scan then looks cheapest, read again for every group of attempts.
// Likewise a statement that changes a list of calls by id: statistics taken before a large
// upload make its from-state look rare, and its guard must then not lead the planner to read
// every call of that state (the state's partial index) to meet the list.

const ATTEMPTS = 3_000;

describeEachDb('transactions of the transitions', (backend) => {
  let t: TestDb;
  afterEach(() => t?.close());

  const seqscan = async (q: { query: TestDb['db']['query'] }) =>
    (await q.query<{ enable_seqscan: string }>('SHOW enable_seqscan'))[0]!.enable_seqscan;

  it('turn whole-table scans off for themselves only', async () => {
    t = await createTestDb(backend);
    expect(await txWithRetry(t.db, seqscan)).toBe('off');
    expect(await t.db.tx(seqscan)).toBe('on');
    expect(await t.db.tx(seqscan, { keyedPlans: true })).toBe('off');
    expect(await seqscan(t.db)).toBe('on');
  });

  it('set both planner settings in one transaction when both are asked for', async () => {
    t = await createTestDb(backend);
    const both = async (q: { query: TestDb['db']['query'] }) => [
      await seqscan(q),
      (await q.query<{ enable_bitmapscan: string }>('SHOW enable_bitmapscan'))[0]!
        .enable_bitmapscan,
    ];
    expect(await t.db.tx(both, { orderedScans: true })).toEqual(['on', 'off']);
    expect(await t.db.tx(both, { keyedPlans: true, orderedScans: true })).toEqual(['off', 'off']);
    expect(await both(t.db)).toEqual(['on', 'on']);
  });

  it('start a claim’s calls through the primary key when statistics predate a large upload', async () => {
    t = await createTestDb(backend);
    const { workspaceId, agentId } = await seedTenant(t.db, 1);
    await t.db.query(
      `INSERT INTO batches (id, workspace_id, agent_id, total_calls, columns, created_at)
       VALUES ('batch_p', $1, $2, 0, '[]', 1)`,
      [workspaceId, agentId],
    );
    const insertCalls = (from: number, count: number, state: string) =>
      t.db.query(
        `INSERT INTO calls (id, batch_id, workspace_id, seq, line, phone_number, variables, state,
           run_at)
         SELECT 'call_' || n, 'batch_p', $1, n, n + 2, '+1415' || (2000000 + n), '{}', $4, 1
           FROM generate_series($2::int, $2::int + $3::int - 1) AS n`,
        [workspaceId, from, count, state],
      );
    // Analyzed while a few calls waited among many finished ones; then a large upload.
    await insertCalls(0, 5_000, 'completed');
    await insertCalls(5_000, 20, 'waiting');
    await t.db.query('ANALYZE calls');
    await insertCalls(5_020, 40_000, 'waiting');
    const ids = Array.from({ length: 1_000 }, (_, n) => `call_${5_020 + n * 13}`);
    const plan = async (q: { query: TestDb['db']['query'] }, guarded: typeof guard = keyedGuard) =>
      (
        await q.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN UPDATE calls c SET state = 'active', current_attempt_id = t.att
             FROM unnest($1::text[], $1::text[]) AS t(id, att)
            WHERE c.id = t.id AND ${guarded('claimCall', 'c.state')}`,
          [ids],
        )
      )
        .map((r) => r['QUERY PLAN'])
        .join('\n');
    // The guard written plainly: every waiting call read to meet the thousand ids.
    expect(await txWithRetry(t.db, (q) => plan(q, guard))).not.toMatch(
      /Index Scan using calls_pkey/,
    );
    const keyed = await txWithRetry(t.db, plan);
    expect(keyed).toMatch(/Nested Loop/);
    expect(keyed).toMatch(/Index Scan using calls_pkey/);
  });

  it('end a group of attempts through the primary key when every attempt seen so far had ended', async () => {
    t = await createTestDb(backend);
    const { workspaceId, agentId } = await seedTenant(t.db, 1);
    await t.db.query(
      `INSERT INTO batches (id, workspace_id, agent_id, total_calls, columns, created_at)
       VALUES ('batch_p', $1, $2, $3, '[]', 1)`,
      [workspaceId, agentId, ATTEMPTS],
    );
    await t.db.query(
      `INSERT INTO calls (id, batch_id, workspace_id, seq, line, phone_number, variables, state,
         run_at)
       SELECT 'call_' || n, 'batch_p', $1, n, n + 2, '+1415555' || lpad(n::text, 4, '0'), '{}',
              'completed', 1
         FROM generate_series(0, $2 - 1) AS n`,
      [workspaceId, ATTEMPTS],
    );
    await t.db.query(
      `INSERT INTO call_attempts (id, call_id, batch_id, workspace_id, attempt_no, worker_id,
         provider, started_at, ended_at, state)
       SELECT 'att_' || n, 'call_' || n, 'batch_p', $1, 1, 'wrk', 'simulator', 1, 2, 'ended'
         FROM generate_series(0, $2 - 1) AS n`,
      [workspaceId, ATTEMPTS],
    );
    await t.db.query('ANALYZE call_attempts');
    const ids = Array.from({ length: 250 }, (_, n) => `att_${n * 7}`);
    const plan = async (q: { query: TestDb['db']['query'] }) =>
      (
        await q.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN UPDATE call_attempts a SET ended_at = 3 FROM unnest($1::text[]) AS t(id)
            WHERE a.id = t.id AND a.state IN ('claimed', 'placing', 'in_call')`,
          [ids],
        )
      )
        .map((r) => r['QUERY PLAN'])
        .join('\n');
    // What the planner does on its own here: a whole-table scan.
    expect(await t.db.tx(plan)).toMatch(/Seq Scan on call_attempts/);
    expect(await txWithRetry(t.db, plan)).not.toMatch(/Seq Scan on call_attempts/);
    expect(await txWithRetry(t.db, plan)).toMatch(/Index Scan using call_attempts_pkey/);
  });
});
