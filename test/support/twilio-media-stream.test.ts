import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { bridgeTwiml } from '../../src/providers/twilio/bridge-twiml.js';
import { playMediaStream, streamOfTwiml } from './twilio-media-stream.js';

// The stand-in's Media Streams player, against real websocket servers: the messages, their
// numbering and audio as Twilio documents them, the `<Parameter>`s read back out of the TwiML the
// provider builds, and the failures Twilio reports to the `<Stream statusCallback>`.

const ACCOUNT = `AC${'a1'.repeat(16)}`;
const CALL = `CA${'0'.repeat(31)}1`;
const STREAM = `MZ${'0'.repeat(31)}1`;
const IDS = { jobId: 'job_1', batchId: 'batch_1', attemptId: 'att_1', reportToken: 'tok.en' };

const twimlFor = (url: string, bridgeCallbackUrl?: string) =>
  bridgeTwiml({
    transport: { type: 'stream', url },
    ids: IDS,
    variables: [
      ['first_name', 'Ann & "Bo" <Jr>'],
      ['note', "it's"],
    ],
    fallbackMessage: 'Sorry.',
    ...(bridgeCallbackUrl === undefined ? {} : { bridgeCallbackUrl }),
  }).twiml;

const servers: Array<{ close(cb?: () => void): void }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

/** A websocket server that records what it receives; `onMessage` may answer or hang up. */
async function agentServer(
  onMessage?: (msg: Record<string, unknown>, ws: import('ws').WebSocket) => void,
  verifyClient?: () => boolean,
) {
  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    ...(verifyClient ? { verifyClient } : {}),
  });
  servers.push({
    close: (cb) => {
      for (const c of wss.clients) c.terminate();
      wss.close(cb);
    },
  });
  await new Promise((r) => wss.once('listening', r));
  const got: Array<Record<string, unknown>> = [];
  const paths: string[] = [];
  wss.on('connection', (ws, req) => {
    paths.push(req.url ?? '');
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as Record<string, unknown>;
      got.push(msg);
      onMessage?.(msg, ws);
    });
  });
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, got, paths };
}

function input(twiml: string, route: (u: string) => string, frames = 3, frameIntervalMs = 0) {
  const callbacks: Array<{ url: string; params: Record<string, string> }> = [];
  const violations: string[] = [];
  return {
    callbacks,
    violations,
    run: (refuse = false) =>
      playMediaStream({
        callSid: CALL,
        accountSid: ACCOUNT,
        twiml,
        route,
        streamSid: STREAM,
        violations,
        scenario: { frames, frameIntervalMs, ...(refuse ? { refuse } : {}) },
        callback: async (cb) => {
          callbacks.push(cb);
        },
      }),
  };
}

describe('Media Streams, as the stand-in plays them', () => {
  it('reads the stream and its parameters out of the TwiML the provider sends', () => {
    const parsed = streamOfTwiml(
      twimlFor('wss://agent.example.com/m?a=1&b=2', 'https://o.example/cb'),
    );
    expect(parsed).toEqual({
      url: 'wss://agent.example.com/m?a=1&b=2',
      statusCallback: 'https://o.example/cb',
      parameters: { ...IDS, first_name: 'Ann & "Bo" <Jr>', note: "it's" },
    });
    expect(streamOfTwiml('<Response><Dial><Sip>sip:a@b</Sip></Dial></Response>')).toBeUndefined();
  });

  it('sends connected, start, numbered 20 ms μ-law frames and stop, and answers marks', async () => {
    const agent = await agentServer((msg, ws) => {
      if (msg['event'] === 'start') {
        ws.send(JSON.stringify({ event: 'mark', streamSid: STREAM, mark: { name: 'hi' } }));
      }
    });
    // Twenty frames 10 ms apart: time for the agent's mark to be answered before the stop.
    const run = input(
      twimlFor('wss://agent.example.com/media'),
      () => `${agent.url}/media`,
      20,
      10,
    );
    const session = await run.run();
    expect(agent.paths).toEqual(['/media']);
    expect(agent.got.map((m) => m['event']).filter((e) => e !== 'mark')).toEqual([
      'connected',
      'start',
      ...Array(20).fill('media'),
      'stop',
    ]);
    expect(agent.got[0]).toEqual({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    expect(agent.got[1]).toEqual({
      event: 'start',
      sequenceNumber: '1',
      start: {
        accountSid: ACCOUNT,
        streamSid: STREAM,
        callSid: CALL,
        tracks: ['inbound'],
        customParameters: { ...IDS, first_name: 'Ann & "Bo" <Jr>', note: "it's" },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
      streamSid: STREAM,
    });
    const media = agent.got.filter((m) => m['event'] === 'media') as Array<{
      sequenceNumber: string;
      media: { track: string; chunk: string; timestamp: string; payload: string };
    }>;
    expect(media.map((m) => [m.media.chunk, m.media.timestamp])).toEqual(
      media.map((_m, i) => [String(i + 1), String(i * 20)]),
    );
    expect(media.every((m) => Buffer.from(m.media.payload, 'base64').length === 160)).toBe(true);
    expect(media.every((m) => m.media.track === 'inbound')).toBe(true);
    // Every message after `connected` is numbered in order, the mark's answer included.
    const numbers = session!.sent.slice(1).map((m) => Number(m['sequenceNumber']));
    expect(numbers).toEqual(numbers.map((_n, i) => i + 1));
    expect(agent.got.at(-1)).toEqual({
      event: 'stop',
      sequenceNumber: String(numbers.length),
      stop: { accountSid: ACCOUNT, callSid: CALL },
      streamSid: STREAM,
    });
    expect(agent.got).toContainEqual({
      event: 'mark',
      sequenceNumber: expect.any(String),
      streamSid: STREAM,
      mark: { name: 'hi' },
    });
    expect(session!.ended).toBe('stop');
    expect(run.violations).toEqual([]);
  });

  it('records what Twilio would refuse from the agent (31924)', async () => {
    const agent = await agentServer((msg, ws) => {
      if (msg['event'] === 'start') ws.send(JSON.stringify({ event: 'speak', streamSid: STREAM }));
    });
    const run = input(twimlFor('wss://agent.example.com/media'), () => agent.url);
    await run.run();
    expect(run.violations).toEqual([expect.stringContaining('31924')]);
  });

  it('stops when the agent hangs up, and reports the stream to its status callback', async () => {
    const agent = await agentServer((msg, ws) => {
      if (msg['event'] === 'media') ws.close(1000);
    });
    const run = input(
      twimlFor('wss://a.example/m', 'https://o.example/cb'),
      () => agent.url,
      500,
      5,
    );
    const session = await run.run();
    expect(session!.ended).toBe('agent-closed');
    expect(agent.got.some((m) => m['event'] === 'stop')).toBe(false);
    expect(run.callbacks.map((c) => [c.url, c.params['StreamEvent']])).toEqual([
      ['https://o.example/cb', 'stream-started'],
      ['https://o.example/cb', 'stream-stopped'],
    ]);
    expect(run.callbacks[0]!.params).toMatchObject({
      AccountSid: ACCOUNT,
      CallSid: CALL,
      StreamSid: STREAM,
    });
  });

  it('reports a refused upgrade (31920) and a closed port (31902) as stream errors', async () => {
    const refusing = await agentServer(undefined, () => false);
    const refused = input(
      twimlFor('wss://a.example/m', 'https://o.example/cb'),
      () => refusing.url,
    );
    expect(await refused.run()).toMatchObject({
      ended: 'failed',
      sent: [],
      error: expect.stringMatching(/^31920 /),
    });
    expect(refused.callbacks.map((c) => c.params['StreamEvent'])).toEqual(['stream-error']);
    expect(refused.callbacks[0]!.params['StreamError']).toMatch(/^31920 /);

    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    const closed = input(twimlFor('wss://a.example/m'), () => `ws://127.0.0.1:${port}`);
    expect(await closed.run()).toMatchObject({
      ended: 'failed',
      error: expect.stringMatching(/^31902 /),
    });
    // Without a status callback in the TwiML Twilio has nobody to tell.
    expect(closed.callbacks).toEqual([]);

    const scenario = input(twimlFor('wss://a.example/m'), () => refusing.url);
    expect(await scenario.run(true)).toMatchObject({
      ended: 'failed',
      error: expect.stringMatching(/^31920 /),
    });
  });
});
