import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { operations } from './twilio-api-description.js';
import { playOut, rfc2822 } from './twilio-call-lifecycle.js';
import { type MediaScenario, playMediaStream, type StreamSession } from './twilio-media-stream.js';
import { formOf, json, page, proseViolations, readBody, sid, twilioError } from './twilio-wire.js';

// A Twilio stand-in: a real listening HTTP server that answers the REST requests Outdial makes
// the way api.twilio.com does (Basic auth with AccountSid and AuthToken, Twilio's error bodies),
// and checks every request against Twilio's own API description (test/fixtures/twilio, Twilio's
// published OpenAPI, MIT) with a real JSON-Schema validator. A request Twilio would refuse is
// answered as Twilio would (400) and recorded in `violations`, which tests expect to stay empty.

export interface StandInRequest {
  method: string;
  /** The description's path template, e.g. /2010-04-01/Accounts/{AccountSid}/Calls.json. */
  template: string;
  path: Record<string, string>;
  query: Record<string, string>;
  /** Form fields; a repeated key (StatusCallbackEvent) gives an array. */
  form: Record<string, string | string[]>;
}

/** Twilio's final call statuses. */
export type FinalStatus = 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';

/** How the stand-in plays the call to one number. */
export interface Scenario {
  /** The create is refused with this Twilio error (no call exists)… */
  refuse?: { status: number; code: number; message: string };
  /** …this many times (default: every time), then the call is taken. */
  refuseTimes?: number;
  /** How the call ends (default completed: answered, then hung up). */
  outcome?: FinalStatus;
  /** Answering machine detection's verdict (human, machine_start, fax…) when it was asked for. */
  answeredBy?: string;
  sipResponseCode?: number;
  /** Seconds of conversation of an answered call (default 30). */
  durationSec?: number;
  /** How its status callbacks arrive: in order (default), reversed, each twice, or never. */
  delivery?: 'in-order' | 'reversed' | 'duplicated' | 'none';
  /** The call is created but the answer to its create never leaves (the request hangs). */
  holdAnswer?: boolean;
  /** How the Media Stream of an answered `<Connect><Stream>` call goes (twilio-media-stream.ts). */
  media?: MediaScenario;
  /**
   * What the answered call's bridge to the agent reports, when its TwiML asks (a `<Stream
   * statusCallback>`, a `<Dial action>`): it reached the agent (default), it failed (a stream
   * error, a SIP leg that did not connect), or nothing at all (the stream never started).
   */
  bridge?: 'reached' | 'failed' | 'silent';
  /** How the next call to the number goes, once this one is taken (e.g. busy, then answered). */
  next?: Scenario;
}

/** A call as the stand-in keeps it (its resource, in Twilio's field names). */
export interface StandInCall {
  sid: string;
  to: string;
  from: string;
  status: string;
  answeredBy: string | null;
  durationSec: number | null;
  createdAt: Date;
  /** What the create asked for. */
  form: Record<string, string | string[]>;
  scenario: Scenario;
  /** Callbacks not delivered yet, in the order they will be sent. */
  pending: Array<{ url: string; params: Record<string, string> }>;
}

/** A callback as it was sent, with the answer it got. */
export interface SentCallback {
  callSid: string;
  url: string;
  params: Record<string, string>;
  signature: string;
  status: number;
  /** What the callback's answer said (TwiML, for a `<Dial>` action). */
  body: string;
}

export interface TwilioStandIn {
  /** Base URL for OUTDIAL_TWILIO_API_BASE_URL. */
  url: string;
  accountSid: string;
  authToken: string;
  /** Numbers the account owns (IncomingPhoneNumbers) and verified caller IDs. */
  incomingNumbers: Set<string>;
  callerIds: Set<string>;
  /** Every request that passed authentication, in order. */
  requests: StandInRequest[];
  /** Requests Twilio would refuse, and why. */
  violations: string[];
  /** Calls by sid, in creation order. */
  calls: Map<string, StandInCall>;
  /** Callbacks sent, in order. */
  sent: SentCallback[];
  /** Media Streams played to agents, in order. */
  streams: StreamSession[];
  /** The scenario of each number (others: answered, in order). */
  scenarios: Map<string, Scenario>;
  /** Answers the next requests with Twilio's error `code` at HTTP `status`. */
  failNext(status: number, code: number, message: string, times?: number): void;
  /** Sends every pending callback of every call (of `sid` only, when given); resolves when answered. */
  play(sid?: string): Promise<void>;
  close(): Promise<void>;
}

const FINAL_CALLBACK = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);

export async function startTwilioStandIn(
  opts: {
    accountSid?: string;
    authToken?: string;
    incomingNumbers?: string[];
    callerIds?: string[];
    /**
     * Where a callback to `url` is actually sent (a tunnel): the signature is computed over `url`
     * as given in the request, as Twilio signs it. Default: `url` itself.
     */
    route?: (url: string) => string;
    /**
     * Opens the agent's websocket for answered `<Connect><Stream>` calls (routed by `route`).
     * Off by default: a test without an agent would otherwise reach for the network.
     */
    mediaStreams?: boolean;
    /** The stand-in's time, for call resources (default: the real time). */
    now?: () => number;
  } = {},
): Promise<TwilioStandIn> {
  const ops = operations();
  const accountSid = opts.accountSid ?? `AC${'a1'.repeat(16)}`;
  const authToken = opts.authToken ?? 'stand-in-auth-token-0123456789abcdef';
  const route = opts.route ?? ((u: string) => u);
  const now = opts.now ?? Date.now;
  const failures: Array<{ status: number; code: number; message: string }> = [];
  const state = {
    incomingNumbers: new Set(opts.incomingNumbers ?? []),
    callerIds: new Set(opts.callerIds ?? []),
    requests: [] as StandInRequest[],
    violations: [] as string[],
    calls: new Map<string, StandInCall>(),
    sent: [] as SentCallback[],
    streams: [] as StreamSession[],
    scenarios: new Map<string, Scenario>(),
  };
  let sequence = 0;
  const streamed = new Set<string>();

  const resource = (c: StandInCall) => ({
    sid: c.sid,
    account_sid: accountSid,
    api_version: '2010-04-01',
    date_created: rfc2822(c.createdAt),
    date_updated: rfc2822(c.createdAt),
    direction: 'outbound-api',
    from: c.from,
    from_formatted: c.from,
    to: c.to,
    to_formatted: c.to,
    status: c.status,
    answered_by: c.answeredBy,
    duration: c.durationSec === null ? null : String(c.durationSec),
    start_time: c.status === 'queued' ? null : rfc2822(c.createdAt),
    end_time:
      c.durationSec === null
        ? null
        : rfc2822(new Date(c.createdAt.getTime() + c.durationSec * 1_000)),
    parent_call_sid: null,
    phone_number_sid: null,
    price: null,
    price_unit: 'USD',
    queue_time: '0',
    trunk_sid: null,
    uri: `/2010-04-01/Accounts/${accountSid}/Calls/${c.sid}.json`,
    subresource_uris: {},
  });

  /** The call's whole life at once: its final state, and the callbacks it subscribed to. */
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const auth = req.headers.authorization ?? '';
    const expected = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
    if (auth !== expected) {
      return twilioError(res, 401, 20003, 'Authenticate');
    }
    const method = req.method ?? 'GET';
    const op = ops.find((o) => o.method === method && o.pattern.test(url.pathname));
    if (!op) return twilioError(res, 404, 20404, 'The requested resource was not found');
    const match = op.pattern.exec(url.pathname)!;
    const path = Object.fromEntries(
      op.pathNames.map((n, i) => [n, decodeURIComponent(match[i + 1]!)]),
    );
    const query = Object.fromEntries(url.searchParams);
    const where = `${method} ${op.template}`;
    const form = formOf(await readBody(req), op.arrayFields, state.violations, where);
    // Coercion rewrites its input: validate copies, keep what was sent.
    if (!op.params({ ...path, ...query })) {
      state.violations.push(`${where}: ${JSON.stringify(op.params.errors)}`);
      return twilioError(res, 400, 20001, 'Invalid parameter');
    }
    if (method === 'POST' && op.body && !op.body({ ...form })) {
      state.violations.push(`${where} body: ${JSON.stringify(op.body.errors)}`);
      return twilioError(res, 400, 20001, 'Invalid parameter');
    }
    if (path['AccountSid'] !== undefined && path['AccountSid'] !== accountSid) {
      // Twilio answers another account's resources as forbidden to these credentials.
      return twilioError(res, 403, 20003, 'Authenticate');
    }
    state.requests.push({ method, template: op.template, path, query, form });
    const failure = failures.shift();
    if (failure) return twilioError(res, failure.status, failure.code, failure.message);

    const pageSize = Number(query['PageSize'] ?? 50);
    const listOf = (numbers: Set<string>, prefix: string) =>
      [...numbers]
        .filter((n) => query['PhoneNumber'] === undefined || n === query['PhoneNumber'])
        .map((n, i) => ({
          sid: sid(prefix, i + 1),
          account_sid: accountSid,
          phone_number: n,
          friendly_name: n,
        }));
    switch (`${method} ${op.template}`) {
      case 'GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json':
        return json(
          res,
          200,
          page(
            url.pathname,
            'incoming_phone_numbers',
            listOf(state.incomingNumbers, 'PN'),
            pageSize,
          ),
        );
      case 'GET /2010-04-01/Accounts/{AccountSid}/OutgoingCallerIds.json':
        return json(
          res,
          200,
          page(url.pathname, 'outgoing_caller_ids', listOf(state.callerIds, 'PN'), pageSize),
        );
      case 'POST /2010-04-01/Accounts/{AccountSid}/Calls.json': {
        const prose = proseViolations(form);
        if (prose.length > 0) {
          state.violations.push(...prose.map((p) => `${where}: ${p}`));
          return twilioError(res, 400, 21205, 'Invalid Twiml or Url');
        }
        const to = form['To'] as string;
        const from = form['From'] as string;
        if (!state.incomingNumbers.has(from) && !state.callerIds.has(from)) {
          return twilioError(
            res,
            400,
            21210,
            `The source phone number provided, ${from}, is not yet verified for your account.`,
          );
        }
        const scenario = state.scenarios.get(to) ?? {};
        if (scenario.refuse && (scenario.refuseTimes ?? Number.POSITIVE_INFINITY) > 0) {
          if (scenario.refuseTimes !== undefined) scenario.refuseTimes--;
          const r = scenario.refuse;
          return twilioError(res, r.status, r.code, r.message);
        }
        const call: StandInCall = {
          sid: sid('CA', ++sequence),
          to,
          from,
          status: 'queued',
          answeredBy: null,
          durationSec: null,
          createdAt: new Date(now()),
          form,
          scenario,
          pending: [],
        };
        const answer = resource(call);
        playOut(call, { accountSid, mediaStreams: opts.mediaStreams === true, sequence });
        state.calls.set(call.sid, call);
        if (scenario.next) state.scenarios.set(to, scenario.next);
        // Twilio has the call; its answer never reaches the caller (lost on the way).
        if (scenario.holdAnswer) return;
        return json(res, 201, answer);
      }
      case 'GET /2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json': {
        const call = state.calls.get(path['Sid']!);
        if (!call) return twilioError(res, 404, 20404, 'The requested resource was not found');
        return json(res, 200, resource(call));
      }
      case 'GET /2010-04-01/Accounts/{AccountSid}/Calls.json': {
        const since = query['StartTime>'];
        const found = [...state.calls.values()]
          .filter((c) => query['To'] === undefined || c.to === query['To'])
          .filter((c) => query['From'] === undefined || c.from === query['From'])
          .filter((c) => since === undefined || c.createdAt >= new Date(since))
          .reverse()
          .map(resource);
        return json(res, 200, page(url.pathname, 'calls', found, pageSize));
      }
      default:
        return twilioError(res, 404, 20404, 'The requested resource was not found');
    }
  };

  /** Sends one callback as Twilio does: form-encoded, signed over the URL it was given. */
  async function send(c: StandInCall, cb: { url: string; params: Record<string, string> }) {
    const signature = twilio.getExpectedTwilioSignature(authToken, cb.url, cb.params);
    const res = await fetch(route(cb.url), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signature,
        'user-agent': 'TwilioProxy/1.1',
      },
      body: new URLSearchParams(cb.params).toString(),
    });
    const body = await res.text();
    state.sent.push({
      callSid: c.sid,
      url: cb.url,
      params: cb.params,
      signature,
      status: res.status,
      body,
    });
  }

  /** An answered call bridged by `<Connect><Stream>` opens the agent's websocket, once. */
  async function stream(c: StandInCall) {
    const twiml = c.form['Twiml'];
    if (!opts.mediaStreams || c.status !== 'completed' || typeof twiml !== 'string') return;
    if (streamed.has(c.sid)) return;
    streamed.add(c.sid);
    const session = await playMediaStream({
      callSid: c.sid,
      accountSid,
      twiml,
      route,
      violations: state.violations,
      streamSid: sid('MZ', streamed.size),
      callback: (cb) => send(c, cb),
      ...(c.scenario.media ? { scenario: c.scenario.media } : {}),
    });
    if (session) state.streams.push(session);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      state.violations.push(`stand-in failed: ${String(err)}`);
      if (!res.headersSent) twilioError(res, 500, 20500, 'Internal Server Error');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    ...state,
    failNext(status, code, message, times = 1) {
      for (let i = 0; i < times; i++) failures.push({ status, code, message });
    },
    async play(only) {
      for (const c of state.calls.values()) {
        if (only !== undefined && c.sid !== only) continue;
        while (c.pending.length > 0) {
          // The conversation happens while the call is up: before Twilio reports its end.
          if (FINAL_CALLBACK.has(c.pending[0]!.params['CallStatus'] ?? '')) await stream(c);
          await send(c, c.pending.shift()!);
        }
        await stream(c);
      }
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
