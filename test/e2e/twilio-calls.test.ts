import twilio from 'twilio';
import { afterEach, expect, it } from 'vitest';
import { telephonyProviders } from '../../src/http/telephony-providers.js';
import { type Harness, T0 } from '../engine/harness.js';
import { describeEachDb } from '../support/databases.js';
import { attemptsOf, callsOf } from '../support/engine-fixtures.js';
import type { Tenant, TestApp } from '../support/http.js';
import {
  PUBLIC_URL as PUBLIC,
  startTwilioRig,
  stopTwilioRig,
  until,
} from '../support/twilio-rig.js';
import type { TwilioStandIn } from '../support/twilio-stand-in.js';

// §21 end to end: a workspace connects Twilio (the stand-in, which checks every request against
// Twilio's API description), an agent bridges to a media stream, a batch is dialed by the engine
// through the `twilio` provider, and Twilio's signed callbacks come back through the public route
// to the one recording path — in order, reversed, twice, never (then a lookup settles the call),
// or forged (403, nothing recorded). No number is called more often than its attempts allow.

const FROM = '+14155550100';
/** A second number of the account, in another area code: local presence keeps it for 212. */
const NYC_FROM = '+12125550100';
const N = {
  answered: '+14155550001',
  busy: '+14155550002',
  unreachable: '+14155550003',
  sip404: '+14155550004',
  blocked: '+14155550005',
  rateLimited: '+14155550006',
  duplicated: '+14155550007',
  reversed: '+14155550008',
  lost: '+14155550009',
  machine: '+14155550010',
  busyThenAnswered: '+14155550011',
};

describeEachDb('real calls through Twilio (§21, the stand-in)', (backend) => {
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
      {
        maxAttempts: 3,
        retryDelaysMs: [60_000],
        ringTimeoutMs: 60_000,
        maxCallMs: 3_600_000,
        recoveryMarginMs: 30_000,
      },
      { incomingNumbers: [FROM, NYC_FROM] },
    ));
  }

  const post = async (url: string, payload: object) => {
    const res = await api.app.inject({ method: 'POST', url, headers: a.headers, payload });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json();
  };

  it('dials a batch: every call ends as §21 maps it, callbacks in any order or none', async () => {
    await setup();
    standIn.scenarios.set(N.busy, { outcome: 'busy' });
    standIn.scenarios.set(N.unreachable, {
      refuse: { status: 400, code: 21211, message: "The 'To' number is not a valid phone number." },
    });
    standIn.scenarios.set(N.sip404, { outcome: 'failed', sipResponseCode: 404 });
    standIn.scenarios.set(N.blocked, { outcome: 'failed', sipResponseCode: 603 });
    standIn.scenarios.set(N.rateLimited, {
      refuse: { status: 429, code: 20429, message: 'Too Many Requests' },
      refuseTimes: 1,
    });
    standIn.scenarios.set(N.duplicated, { delivery: 'duplicated' });
    standIn.scenarios.set(N.reversed, { outcome: 'no-answer', delivery: 'reversed' });
    standIn.scenarios.set(N.lost, { delivery: 'none', durationSec: 50 });
    standIn.scenarios.set(N.machine, { answeredBy: 'machine_end_beep' });
    standIn.scenarios.set(N.busyThenAnswered, { outcome: 'busy', next: {} });

    const conn = await post('/v1/api/telephony/connections', {
      provider: 'twilio',
      name: 'Main',
      credentials: { accountSid: standIn.accountSid, authToken: standIn.authToken },
      fromNumbers: [NYC_FROM, FROM],
      callsPerSecond: 5,
    });
    const agent = await post('/v1/api/agents', {
      name: 'Ava',
      connectionId: conn.id,
      transport: { type: 'stream', url: 'wss://agent.example.com/media' },
      machineDetection: 'detect',
      ringTimeoutSec: 20,
      variables: ['first_name'],
    });
    const batch = await post('/v1/api/batch-calls', {
      agentId: agent.id,
      recipients: Object.values(N).map((p) => ({ phone_number: p, first_name: 'Ann' })),
    });
    await h.start({ providers: telephonyProviders(h.rt) });

    // Every number is asked for at once (5 a second); the refused ones are no call.
    await h.clock.runTo(T0 + 3_000);
    await until(() => standIn.calls.size === 9, 'the first calls');

    // A forged callback about a real attempt is refused and records nothing.
    const [first] = [...standIn.calls.values()];
    const callback = first!.form['StatusCallback'] as string;
    const forged = { CallSid: first!.sid, CallStatus: 'busy', CallDuration: '0' };
    const res = await api.app.inject({
      method: 'POST',
      url: callback.replace(PUBLIC, ''),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature('not-the-token', callback, forged),
      },
      payload: new URLSearchParams(forged).toString(),
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ error: 'Forbidden', message: expect.any(String) });

    await standIn.play();
    await h.clock.runTo(h.clock.now() + 1_000);
    // Busy is retried after a minute; the rate-limited number is released by recovery (no call
    // found) and dialed again; the lost callbacks are settled by asking Twilio.
    for (let i = 0; i < 12; i++) {
      await h.clock.runTo(h.clock.now() + 60_000);
      await standIn.play();
    }
    await h.clock.runTo(h.clock.now() + 2 * 3_600_000);

    const calls = new Map((await callsOf(h.db, batch.batchId)).map((c) => [c.phone_number, c]));
    const attempts = await attemptsOf(h.db, batch.batchId);
    const reasonsOf = (phone: string) =>
      attempts.filter((x) => x.call_id === calls.get(phone)!.id).map((x) => x.reason);
    // No agent reports in this batch: each answered call completes, its grace period over, with
    // outcome unknown (the reports themselves: twilio-agent-report.test.ts).
    const summary = Object.fromEntries(
      Object.entries(N).map(([k, p]) => [
        k,
        { state: calls.get(p)!.state, outcome: calls.get(p)!.outcome, reasons: reasonsOf(p) },
      ]),
    );
    expect(summary).toEqual({
      answered: { state: 'completed', outcome: 'unknown', reasons: ['answered'] },
      busy: {
        state: 'failed',
        outcome: null,
        reasons: ['busy', 'busy', 'busy'],
      },
      unreachable: { state: 'failed', outcome: null, reasons: ['unreachable'] },
      sip404: { state: 'failed', outcome: null, reasons: ['unreachable'] },
      blocked: { state: 'failed', outcome: null, reasons: ['carrier_blocked'] },
      rateLimited: { state: 'completed', outcome: 'unknown', reasons: ['answered'] },
      duplicated: { state: 'completed', outcome: 'unknown', reasons: ['answered'] },
      reversed: {
        state: 'failed',
        outcome: null,
        reasons: ['no_answer', 'no_answer', 'no_answer'],
      },
      lost: { state: 'completed', outcome: 'unknown', reasons: ['answered'] },
      machine: { state: 'completed', outcome: 'voicemail', reasons: ['voicemail'] },
      busyThenAnswered: { state: 'completed', outcome: 'unknown', reasons: ['busy', 'answered'] },
    });
    // Every callee is in area code 415: local presence picked the 415 number of the pool.
    expect(new Set([...standIn.calls.values()].map((c) => c.from))).toEqual(new Set([FROM]));
    // The caller ID is on each attempt of the call status.
    const status = await api.app.inject({
      method: 'GET',
      url: `/v1/api/batch-calls/${batch.batchId}/calls/${calls.get(N.answered)!.id}?include=attempts`,
      headers: a.headers,
    });
    expect(status.json().attemptHistory).toEqual([
      expect.objectContaining({ reason: 'answered', fromNumber: FROM }),
    ]);
    // No number was called more often than its attempts allow.
    const dialed = new Map<string, number>();
    for (const c of standIn.calls.values()) dialed.set(c.to, (dialed.get(c.to) ?? 0) + 1);
    for (const [phone, n] of dialed) expect(n, phone).toBeLessThanOrEqual(3);
    expect(dialed.get(N.rateLimited)).toBe(1);
    // Every create carried the bridge, the callbacks and the limits Twilio was asked for.
    const create = standIn.requests.find((r) => r.form['To'] === N.answered)!.form;
    expect(create).toMatchObject({
      From: FROM,
      Timeout: '20',
      TimeLimit: '900',
      MachineDetection: 'Enable',
      AsyncAmd: 'true',
      StatusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    });
    expect(create['Twiml']).toContain('<Parameter name="first_name" value="Ann"/>');
    // The agent reads its call with the report token it received in the stream's parameters.
    const param = (name: string) =>
      new RegExp(`<Parameter name="${name}" value="([^"]+)"/>`).exec(
        create['Twiml'] as string,
      )![1]!;
    const context = await api.app.inject({
      method: 'GET',
      url: `/v1/agent/attempts/${param('attemptId')}`,
      headers: { authorization: `Bearer ${param('reportToken')}` },
    });
    expect(context.statusCode, context.body).toBe(200);
    expect(context.json()).toMatchObject({
      jobId: param('jobId'),
      batchId: batch.batchId,
      phone_number: N.answered,
      variables: { first_name: 'Ann' },
    });
    expect(standIn.sent.every((s) => s.status === 204)).toBe(true);
    expect(standIn.violations).toEqual([]);
  }, 240_000);
});
