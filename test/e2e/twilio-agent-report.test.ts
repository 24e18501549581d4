import { afterEach, expect, it } from 'vitest';
import { telephonyProviders } from '../../src/http/telephony-providers.js';
import type { Harness } from '../engine/harness.js';
import { describeEachDb } from '../support/databases.js';
import { attemptsOf, callsOf } from '../support/engine-fixtures.js';
import type { Tenant, TestApp } from '../support/http.js';
import { startTwilioRig, stopTwilioRig, until } from '../support/twilio-rig.js';
import type { TwilioStandIn } from '../support/twilio-stand-in.js';

// §21, what becomes of an answered call through Twilio (the stand-in): it completes when Twilio
// reported its end and the agent's report is in, or OUTDIAL_AGENT_REPORT_GRACE_MS after the end
// without one (outcome `unknown`); until then the job is active and holds its slot. A call that
// never reached the agent (the stream failed or never started, the SIP leg did not connect) ends
// as agent_unreachable, the callee hears the fallback, and three in a row pause the batch. Time
// is the stepping clock's; the stand-in and the API are real servers.

const FROM = '+14155550100';
const GRACE = 30_000;
const FALLBACK = 'Sorry, our assistant is away. We will call you back.';

describeEachDb('the agent-report grace rule and agent_unreachable (§21)', (backend) => {
  let h: Harness;
  let api: TestApp;
  let standIn: TwilioStandIn;
  let a: Tenant;
  afterEach(async () => {
    await stopTwilioRig({ standIn, api, h });
  });

  async function setup() {
    ({ h, api, standIn, a } = await startTwilioRig(
      backend,
      { agentReportGraceMs: GRACE, webhookAllowPrivate: true, recoveryMarginMs: 30_000 },
      { incomingNumbers: [FROM] },
    ));
  }

  const post = async (url: string, payload: object) => {
    const res = await api.app.inject({ method: 'POST', url, headers: a.headers, payload });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json();
  };

  async function startBatch(transport: object, numbers: string[]) {
    const conn = await post('/v1/api/telephony/connections', {
      provider: 'twilio',
      name: 'Main',
      credentials: { accountSid: standIn.accountSid, authToken: standIn.authToken },
      fromNumbers: [FROM],
      callsPerSecond: 10,
    });
    const agent = await post('/v1/api/agents', {
      name: 'Ava',
      connectionId: conn.id,
      transport,
      fallbackMessage: FALLBACK,
    });
    await post('/v1/api/webhooks', {
      url: 'http://127.0.0.1:9/hooks',
      events: ['batch.paused', 'call.result_updated'],
    });
    const batch = await post('/v1/api/batch-calls', {
      agentId: agent.id,
      recipients: numbers.map((p) => ({ phone_number: p, first_name: 'Ann' })),
    });
    await h.start({ providers: telephonyProviders(h.rt) });
    await h.clock.runTo(h.clock.now() + 1_000);
    await until(() => standIn.calls.size === numbers.length, 'every call placed');
    return batch.batchId as string;
  }

  /** The report token and attempt id the agent got in the call's bridge. */
  function bridgeIds(phone: string) {
    const create = standIn.requests.find((r) => r.form['To'] === phone)!.form;
    const twiml = create['Twiml'] as string;
    const param = (name: string) =>
      new RegExp(`(?:name="${name}" value=|X-Outdial-${name}=)"?([^"&<]+)`, 'i').exec(twiml)![1]!;
    return { attemptId: param('attemptId'), token: decodeURIComponent(param('reportToken')) };
  }

  const report = (phone: string, body: object) => {
    const { attemptId, token } = bridgeIds(phone);
    return api.app.inject({
      method: 'POST',
      url: `/v1/agent/attempts/${attemptId}/report`,
      headers: { authorization: `Bearer ${token}` },
      payload: body,
    });
  };

  const byPhone = async (batchId: string) =>
    new Map((await callsOf(h.db, batchId)).map((c) => [c.phone_number, c]));

  const deliveries = async (type: string) =>
    (
      await h.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM webhook_deliveries WHERE event_type = $1',
        [type],
      )
    )[0]!.n;

  it('waits for the report: completes with it, or with outcome unknown after the grace period', async () => {
    await setup();
    const N = {
      noReport: '+14155550001',
      inGrace: '+14155550002',
      late: '+14155550003',
      silent: '+14155550004',
      early: '+14155550005',
    };
    standIn.scenarios.set(N.silent, { bridge: 'silent' });
    const batchId = await startBatch(
      { type: 'stream', url: 'wss://agent.example.com/media' },
      Object.values(N),
    );
    // The usual order: the agent reports, then hangs up; its report waits for Twilio's end.
    const early = await report(N.early, {
      outcome: 'successful',
      transcript: 'Agent: Hello Ann.\nCustomer: Monday is fine.',
    });
    expect(early.statusCode, early.body).toBe(202);

    await standIn.play();
    const ended = h.clock.now();
    let calls = await byPhone(batchId);
    expect(calls.get(N.early)).toMatchObject({ state: 'completed', outcome: 'successful' });
    // Twilio's end is in, the reports are not: the jobs stay active and keep their slots.
    for (const p of [N.noReport, N.inGrace, N.late, N.silent]) {
      expect(calls.get(p)!.state, p).toBe('active');
    }
    const active = await h.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM calls WHERE workspace_id = $1 AND state = 'active'`,
      [a.workspaceId],
    );
    expect(active[0]!.n).toBe(4);

    // A report within the grace period completes its job at once, with its result.
    await h.clock.runTo(h.clock.now() + GRACE / 2);
    const transcript = 'Agent: Hello Ann.\nCustomer: Please never call again.';
    const inGrace = await report(N.inGrace, { outcome: 'opted_out', transcript });
    expect(inGrace.statusCode, inGrace.body).toBe(202);
    calls = await byPhone(batchId);
    expect(calls.get(N.inGrace)).toMatchObject({
      state: 'completed',
      outcome: 'opted_out',
      transcript,
    });
    const dnc = await h.db.query('SELECT 1 FROM dnc_entries WHERE phone_number = $1', [N.inGrace]);
    expect(dnc).toHaveLength(1);
    expect(calls.get(N.noReport)!.state).toBe('active');

    // Just before the grace period is over, nothing has changed yet.
    await h.clock.runTo(ended + GRACE - 1_000);
    expect((await byPhone(batchId)).get(N.noReport)!.state).toBe('active');
    // The grace period passes (the task looks every sixth of it): no report means outcome unknown
    // and no transcript; a stream that never started means the call never reached the agent.
    await h.clock.runTo(ended + GRACE + GRACE / 6 + 1_000);
    calls = await byPhone(batchId);
    for (const p of [N.noReport, N.late]) {
      expect(calls.get(p), p).toMatchObject({
        state: 'completed',
        outcome: 'unknown',
        transcript: null,
      });
    }
    expect(calls.get(N.silent)).toMatchObject({ state: 'failed', outcome: null });
    const detail = await api.app.inject({
      method: 'GET',
      url: `/v1/api/batch-calls/${batchId}/calls/${calls.get(N.noReport)!.id}?include=attempts`,
      headers: a.headers,
    });
    expect(detail.statusCode, detail.body).toBe(200);
    expect(detail.json()).toMatchObject({
      status: 'completed',
      result: { outcome: 'unknown', transcript: '' },
      attemptHistory: [expect.objectContaining({ reason: 'answered', outcome: 'unknown' })],
    });
    const silent = await attemptsOf(h.db, batchId);
    expect(silent.find((x) => x.call_id === calls.get(N.silent)!.id)!.reason).toBe(
      'agent_unreachable',
    );

    // A late report updates the result and says so, but never reopens the job.
    const late = await report(N.late, {
      outcome: 'successful',
      transcript: 'Agent: Hello Ann.\nCustomer: Yes.',
    });
    expect(late.statusCode, late.body).toBe(202);
    calls = await byPhone(batchId);
    expect(calls.get(N.late)).toMatchObject({ state: 'completed', outcome: 'successful' });
    expect(await deliveries('call.result_updated')).toBe(1);
    // One dial per number; the batch did not pause for a single unreachable agent.
    expect(standIn.calls.size).toBe(5);
    const batch = await api.app.inject({
      method: 'GET',
      url: `/v1/api/batch-calls/${batchId}`,
      headers: a.headers,
    });
    expect(batch.json().status).toBe('completed');
    expect(standIn.violations).toEqual([]);
  }, 240_000);

  it('the wait is on the row: a new engine ends it after the first stopped', async () => {
    await setup();
    const phone = '+14155550031';
    const batchId = await startBatch({ type: 'stream', url: 'wss://agent.example.com/media' }, [
      phone,
    ]);
    await standIn.play();
    const ended = h.clock.now();
    await h.engines[0]!.stop(0);
    // Nobody leads: the deadline passes unattended, the job waits on.
    await h.clock.runTo(ended + 2 * GRACE);
    expect((await byPhone(batchId)).get(phone)!.state).toBe('active');
    await h.start({ providers: telephonyProviders(h.rt) });
    await h.clock.runTo(h.clock.now() + GRACE / 6 + 1_000);
    expect((await byPhone(batchId)).get(phone)).toMatchObject({
      state: 'completed',
      outcome: 'unknown',
    });
    expect(standIn.calls.size).toBe(1);
  }, 240_000);

  it('a stream that fails is agent_unreachable at once, and three in a row pause the batch', async () => {
    await setup();
    const numbers = ['+14155550011', '+14155550012', '+14155550013', '+14155550014'];
    for (const p of numbers.slice(0, 3)) standIn.scenarios.set(p, { bridge: 'failed' });
    const batchId = await startBatch(
      { type: 'stream', url: 'wss://agent.example.com/media' },
      numbers,
    );
    // The callee hears the fallback after the failed <Connect>.
    const twiml = standIn.requests.find((r) => r.form['To'] === numbers[0])!.form['Twiml'];
    expect(twiml).toMatch(/<\/Connect><Say>Sorry, our assistant is away/);
    expect(twiml).toMatch(/<Stream [^>]*statusCallback="https:\/\/outdial\.example\.com\//);

    // The fourth reaches its agent first: the streak is of the three that follow.
    await standIn.play([...standIn.calls.values()].find((c) => c.to === numbers[3])!.sid);
    for (const p of numbers.slice(0, 3)) {
      await standIn.play([...standIn.calls.values()].find((c) => c.to === p)!.sid);
    }
    const calls = await byPhone(batchId);
    const attempts = await attemptsOf(h.db, batchId);
    for (const p of numbers.slice(0, 3)) {
      expect(calls.get(p), p).toMatchObject({ state: 'failed' });
      const attempt = attempts.find((x) => x.call_id === calls.get(p)!.id)!;
      expect(attempt.reason).toBe('agent_unreachable');
    }
    expect(calls.get(numbers[3]!)!.state).toBe('active');
    const batch = await api.app.inject({
      method: 'GET',
      url: `/v1/api/batch-calls/${batchId}`,
      headers: a.headers,
    });
    expect(batch.json()).toMatchObject({ status: 'paused', pausedReason: 'agent unreachable' });
    expect(await deliveries('batch.paused')).toBe(1);
    // Not retried: nobody is called again while the agent is unreachable.
    await h.clock.runTo(h.clock.now() + 10 * 60_000);
    expect(standIn.calls.size).toBe(4);
    expect(standIn.sent.every((s) => s.status === 204)).toBe(true);
    expect(standIn.violations).toEqual([]);
  }, 240_000);

  it('a SIP leg that does not connect gets the fallback in the answer to its dial action', async () => {
    await setup();
    const [down, up] = ['+14155550021', '+14155550022'];
    standIn.scenarios.set(down!, { bridge: 'failed' });
    const batchId = await startBatch({ type: 'sip', uri: 'sip:agent@sip.example.com' }, [
      down!,
      up!,
    ]);
    const accepted = await report(up!, { outcome: 'successful', transcript: 'Agent: Hi.' });
    expect(accepted.statusCode, accepted.body).toBe(202);
    await standIn.play();
    const actions = standIn.sent.filter((s) => s.params['DialCallStatus'] !== undefined);
    expect(actions).toHaveLength(2);
    const answer = (phone: string) => actions.find((s) => s.params['To'] === phone)!;
    expect(answer(down!).status).toBe(200);
    expect(answer(down!).body).toContain(`<Say>${FALLBACK}</Say><Hangup/>`);
    expect(answer(up!).status).toBe(200);
    expect(answer(up!).body).not.toContain('<Say>');
    expect(answer(up!).body).toContain('<Hangup/>');
    const calls = await byPhone(batchId);
    expect(calls.get(down!)).toMatchObject({ state: 'failed' });
    expect(calls.get(up!)).toMatchObject({ state: 'completed', outcome: 'successful' });
    const attempts = await attemptsOf(h.db, batchId);
    expect(attempts.find((x) => x.call_id === calls.get(down!)!.id)).toMatchObject({
      reason: 'agent_unreachable',
      error: expect.stringContaining('SIP leg did not connect'),
    });
    expect(standIn.violations).toEqual([]);
  }, 240_000);
});
