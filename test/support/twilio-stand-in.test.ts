import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { startTwilioStandIn, type TwilioStandIn } from './twilio-stand-in.js';
import { TWIML_MAX_CHARS } from './twilio-wire.js';

// The stand-in must be honest to Twilio: driven here by Twilio's own client, its callbacks
// checked with Twilio's own validator, its refusals those Twilio documents.

const OWNED = '+14155550100';
const PUBLIC = 'https://outdial.example.com';

interface Received {
  path: string;
  params: Record<string, string>;
  valid: boolean;
}

/** A callback receiver behind a "tunnel": Twilio signs the public URL, the request lands here. */
async function receiver(authToken: () => string) {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const signature = String(req.headers['x-twilio-signature'] ?? '');
      const valid = twilio.validateRequest(authToken(), signature, `${PUBLIC}${req.url}`, params);
      got.push({ path: req.url ?? '', params, valid });
      res.writeHead(valid ? 204 : 403).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { got, base, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('the Twilio stand-in', () => {
  let standIn: TwilioStandIn;
  let rx: Awaited<ReturnType<typeof receiver>>;
  afterEach(async () => {
    await standIn?.close();
    await rx?.close();
  });

  async function setup() {
    rx = await receiver(() => standIn.authToken);
    standIn = await startTwilioStandIn({
      incomingNumbers: [OWNED],
      route: (url) => url.replace(PUBLIC, rx.base),
    });
    const client = twilio(standIn.accountSid, standIn.authToken, { autoRetry: false });
    client.api.baseUrl = standIn.url;
    return client;
  }

  const create = (client: ReturnType<typeof twilio>, to: string, extra: object = {}) => {
    const twiml = new twilio.twiml.VoiceResponse();
    twiml.say('Hello');
    return client.calls.create({
      to,
      from: OWNED,
      twiml: twiml.toString(),
      statusCallback: `${PUBLIC}/v1/telephony/twilio/events/tok1`,
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      ...extra,
    });
  };

  it('takes a call from the official client and signs its callbacks as Twilio does', async () => {
    const client = await setup();
    const call = await create(client, '+14155550111', {
      machineDetection: 'Enable',
      timeout: 25,
      timeLimit: 600,
    });
    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(call.status).toBe('queued');
    await standIn.play();
    expect(rx.got.map((r) => [r.params['CallStatus'], r.valid])).toEqual([
      ['initiated', true],
      ['ringing', true],
      ['in-progress', true],
      ['completed', true],
    ]);
    expect(rx.got[3]!.params).toMatchObject({
      CallSid: call.sid,
      AnsweredBy: 'human',
      CallDuration: '30',
    });
    expect(rx.got[0]!.path).toBe('/v1/telephony/twilio/events/tok1');
    const fetched = await client.calls(call.sid).fetch();
    expect(fetched.status).toBe('completed');
    const listed = await client.calls.list({ to: '+14155550111', limit: 20 });
    expect(listed.map((c) => c.sid)).toEqual([call.sid]);
    expect(standIn.requests.at(0)?.form['StatusCallbackEvent']).toEqual([
      'initiated',
      'ringing',
      'answered',
      'completed',
    ]);
    expect(standIn.violations).toEqual([]);
  });

  it('plays scenarios: busy, reversed, duplicated, lost, asynchronous machine detection', async () => {
    const client = await setup();
    standIn.scenarios.set('+14155550201', { outcome: 'busy', delivery: 'reversed' });
    standIn.scenarios.set('+14155550202', { outcome: 'no-answer', delivery: 'duplicated' });
    standIn.scenarios.set('+14155550203', { delivery: 'none' });
    standIn.scenarios.set('+14155550204', { answeredBy: 'machine_end_beep' });
    standIn.scenarios.set('+14155550205', { outcome: 'failed', sipResponseCode: 404 });
    const busy = await create(client, '+14155550201');
    const noAnswer = await create(client, '+14155550202');
    const lost = await create(client, '+14155550203');
    const machine = await create(client, '+14155550204', {
      machineDetection: 'DetectMessageEnd',
      asyncAmd: 'true',
      asyncAmdStatusCallback: `${PUBLIC}/amd`,
    });
    const failed = await create(client, '+14155550205');
    await standIn.play();
    const of = (sid: string) =>
      rx.got
        .filter((r) => r.params['CallSid'] === sid)
        .map((r) => r.params['CallStatus'] ?? r.params['AnsweredBy']);
    expect(of(busy.sid)).toEqual(['busy', 'ringing', 'initiated']);
    expect(of(noAnswer.sid)).toEqual([
      'initiated',
      'initiated',
      'ringing',
      'ringing',
      'no-answer',
      'no-answer',
    ]);
    expect(of(lost.sid)).toEqual([]);
    expect((await client.calls(lost.sid).fetch()).status).toBe('completed');
    expect(of(machine.sid)).toEqual([
      'initiated',
      'ringing',
      'in-progress',
      'machine_end_beep',
      'completed',
    ]);
    expect(of(failed.sid)).toEqual(['initiated', 'failed']);
    expect(rx.got.find((r) => r.params['CallStatus'] === 'failed')?.params['SipResponseCode']).toBe(
      '404',
    );
    expect(rx.got.every((r) => r.valid)).toBe(true);
    expect(standIn.violations).toEqual([]);
  });

  it("answers with Twilio's errors: refused creates, numbers not the account's, wrong credentials", async () => {
    const client = await setup();
    standIn.scenarios.set('+14155550301', {
      refuse: { status: 429, code: 20429, message: 'Too Many Requests' },
    });
    await expect(create(client, '+14155550301')).rejects.toMatchObject({
      status: 429,
      code: 20429,
    });
    await expect(create(client, '+14155550302', { from: '+14155550999' })).rejects.toMatchObject({
      status: 400,
      code: 21210,
    });
    const wrong = twilio(standIn.accountSid, 'not-the-token', { autoRetry: false });
    wrong.api.baseUrl = standIn.url;
    await expect(wrong.calls.list({ limit: 1 })).rejects.toMatchObject({
      status: 401,
      code: 20003,
    });
    expect(standIn.calls.size).toBe(0);
    expect(standIn.violations).toEqual([]);
  });

  it('records every request Twilio would refuse', async () => {
    await setup();
    const post = (form: Record<string, string>) =>
      fetch(`${standIn.url}/2010-04-01/Accounts/${standIn.accountSid}/Calls.json`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${standIn.accountSid}:${standIn.authToken}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams(form).toString(),
      });
    const long = `<Response><Say>${'a'.repeat(TWIML_MAX_CHARS)}</Say></Response>`;
    expect((await post({ To: '+14155550401', From: OWNED, Twiml: long })).status).toBe(400);
    expect((await post({ From: OWNED, Url: 'https://example.com/t' })).status).toBe(400);
    expect((await post({ To: '+14155550401', From: OWNED })).status).toBe(400);
    expect(
      (await post({ To: '+14155550401', From: OWNED, Url: 'https://x', Timeout: 'soon' })).status,
    ).toBe(400);
    expect(standIn.violations).toHaveLength(4);
    expect(standIn.violations[0]).toMatch(/Twiml is 4032 characters/);
    expect(standIn.calls.size).toBe(0);
    standIn.violations.length = 0;
  });
});
