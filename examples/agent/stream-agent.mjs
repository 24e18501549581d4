#!/usr/bin/env node
// An example voice agent for Outdial's `stream` transport: a websocket server that accepts the
// Twilio Media Stream of each answered call, reads the ids Outdial passed as the stream's custom
// parameters, fetches the call's context with the report token, and reports an outcome and a
// transcript when the conversation is over. It holds no conversation (no speech recognition or
// synthesis): that is where a real agent — Pipecat, LiveKit, your own — does its work.
//
//   node examples/agent/stream-agent.mjs --port 8765 --outdial-url http://127.0.0.1:3000
//
// Options (flags, or the environment): --port / AGENT_PORT (default 8765; 0 picks a free one),
// --host / AGENT_HOST (default 127.0.0.1), --outdial-url / OUTDIAL_URL (where to report; default
// http://127.0.0.1:3000), --hangup-after-frames / AGENT_HANGUP_AFTER_FRAMES (report and hang up
// after that many media frames, 20 ms each; default 0: wait for the caller to hang up),
// --outcome / AGENT_OUTCOME (default successful).
//
// The report token is a credential for one call: it is used, never logged.

import { parseArgs } from 'node:util';
import { WebSocketServer } from 'ws';

const { values: flags } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'outdial-url': { type: 'string' },
    'hangup-after-frames': { type: 'string' },
    outcome: { type: 'string' },
  },
});

const config = {
  port: Number(flags.port ?? process.env.AGENT_PORT ?? 8765),
  host: flags.host ?? process.env.AGENT_HOST ?? '127.0.0.1',
  outdialUrl: (flags['outdial-url'] ?? process.env.OUTDIAL_URL ?? 'http://127.0.0.1:3000').replace(
    /\/+$/,
    '',
  ),
  hangupAfterFrames: Number(
    flags['hangup-after-frames'] ?? process.env.AGENT_HANGUP_AFTER_FRAMES ?? 0,
  ),
  outcome: flags.outcome ?? process.env.AGENT_OUTCOME ?? 'successful',
};

/** One line of JSON per event, so the output can be read by people and by tests alike. */
const log = (event, fields = {}) => console.log(JSON.stringify({ event, ...fields }));

/** The ids Outdial sends with every call; the rest of the parameters are the row's variables. */
const ID_PARAMETERS = ['jobId', 'batchId', 'attemptId', 'reportToken'];

/** 20 ms of μ-law silence (0xFF) at 8 kHz, base64: what a real agent would send as speech. */
const SILENCE = Buffer.alloc(160, 0xff).toString('base64');

/**
 * Reads the call's context: the row's variables, whatever did not fit in the stream's
 * parameters, and the agent's greeting and prompt rendered with them.
 * @param {string} attemptId
 * @param {string} token
 */
async function fetchContext(attemptId, token) {
  const res = await fetch(
    `${config.outdialUrl}/v1/agent/attempts/${encodeURIComponent(attemptId)}`,
    {
      headers: { authorization: `Bearer ${token}` },
    },
  );
  if (!res.ok) {
    log('context-failed', { attemptId, status: res.status });
    return undefined;
  }
  return /** @type {{greeting?: string, prompt?: string, variables?: object}} */ (await res.json());
}

/**
 * Posts the call's result, once.
 * @param {string} attemptId
 * @param {string} token
 * @param {{outcome: string, transcript: string, summary?: string}} report
 */
async function postReport(attemptId, token, report) {
  const res = await fetch(
    `${config.outdialUrl}/v1/agent/attempts/${encodeURIComponent(attemptId)}/report`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(report),
    },
  );
  log('reported', { attemptId, outcome: report.outcome, status: res.status });
}

/** One Media Stream: one answered call. */
function handleStream(ws) {
  /** @type {{streamSid: string, callSid: string, params: Record<string,string>} | undefined} */
  let call;
  let frames = 0;
  /** @type {Promise<{greeting?: string} | undefined> | undefined} */
  let context;
  /** @type {Promise<void> | undefined} */
  let reported;

  const report = (why) => {
    if (!call || reported) return reported;
    const { attemptId, reportToken } = call.params;
    // What was heard up to now: frames that arrive while the report is sent are not in it.
    const heard = `${(frames * 20) / 1000} s of audio`;
    reported = (async () => {
      const ctx = await context;
      await postReport(attemptId, reportToken, {
        outcome: config.outcome,
        transcript: `Agent: ${ctx?.greeting ?? 'Hello.'}\nCustomer: (${heard})`,
        summary: `Example agent; ended by ${why}`,
      });
    })().catch((err) => log('report-failed', { attemptId, error: String(err) }));
    return reported;
  };

  ws.on('message', async (data) => {
    /** @type {any} */
    let msg;
    try {
      msg = JSON.parse(String(data));
    } catch {
      return;
    }
    switch (msg.event) {
      case 'connected':
        log('connected', { protocol: msg.protocol, version: msg.version });
        break;
      case 'start': {
        const params = msg.start.customParameters ?? {};
        call = { streamSid: msg.streamSid, callSid: msg.start.callSid, params };
        const variables = Object.fromEntries(
          Object.entries(params).filter(([k]) => !ID_PARAMETERS.includes(k)),
        );
        log('start', {
          streamSid: msg.streamSid,
          callSid: msg.start.callSid,
          mediaFormat: msg.start.mediaFormat,
          jobId: params.jobId,
          batchId: params.batchId,
          attemptId: params.attemptId,
          variables,
        });
        context = params.reportToken
          ? fetchContext(params.attemptId, params.reportToken).catch(() => undefined)
          : Promise.resolve(undefined);
        const ctx = await context;
        if (ctx) log('context', { attemptId: params.attemptId, greeting: ctx.greeting });
        // A real agent speaks here: audio back to the caller, then a mark to know when it played.
        ws.send(
          JSON.stringify({ event: 'media', streamSid: msg.streamSid, media: { payload: SILENCE } }),
        );
        ws.send(
          JSON.stringify({ event: 'mark', streamSid: msg.streamSid, mark: { name: 'greeting' } }),
        );
        break;
      }
      case 'media':
        frames++;
        if (config.hangupAfterFrames > 0 && frames === config.hangupAfterFrames) {
          // The agent ends the conversation: report first, then hang up the stream.
          await report('the agent');
          ws.close(1000);
        }
        break;
      case 'stop':
        log('stop', { streamSid: msg.streamSid, frames });
        await report('the caller');
        break;
      default:
        break;
    }
  });
  ws.on('close', () => {
    if (call && !reported) void report('a closed stream');
  });
}

const server = new WebSocketServer({ port: config.port, host: config.host });
server.on('connection', handleStream);
server.on('listening', () => {
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  log('listening', { url: `ws://${config.host}:${port}`, outdialUrl: config.outdialUrl });
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const client of server.clients) client.terminate();
    server.close(() => process.exit(0));
  });
}
