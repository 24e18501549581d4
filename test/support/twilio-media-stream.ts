import { WebSocket } from 'ws';

// The Media Streams half of the Twilio stand-in: when a call whose TwiML says
// `<Connect><Stream url>` is answered, Twilio opens a websocket to that URL and speaks the
// protocol of https://www.twilio.com/docs/voice/media-streams/websocket-messages — `connected`,
// `start` (the stream's and call's sids, the `<Parameter>`s as `customParameters`, the media
// format), the caller's audio as `media` frames of 20 ms of base64 μ-law at 8 kHz, and `stop`
// when the caller hangs up. The agent may answer with `media`, `mark` and `clear`; anything else
// is a protocol error on Twilio's side (31924), recorded here as a violation. When the agent's
// server cannot be reached or refuses the upgrade, Twilio reports the stream failed (31902,
// 31920) to the `<Stream statusCallback>`, and the call goes on with the TwiML after `<Connect>`.

/** How the stand-in plays the stream of one answered call. */
export interface MediaScenario {
  /** The stream fails without reaching the agent, as if its server refused the connection. */
  refuse?: boolean;
  /** Frames of the caller's audio before the caller hangs up (default 50: one second). */
  frames?: number;
  /** Real time between frames (default 20, Twilio's pace; 0 sends them back to back). */
  frameIntervalMs?: number;
}

/** The `<Connect><Stream>` of a TwiML document, as Twilio reads it. */
export interface StreamTwiml {
  url: string;
  name?: string;
  statusCallback?: string;
  /** `<Parameter>`s in document order, as the agent receives them in `customParameters`. */
  parameters: Record<string, string>;
}

/** One stream as it was played. */
export interface StreamSession {
  callSid: string;
  streamSid: string;
  /** The URL of the `<Stream>` (before routing). */
  url: string;
  customParameters: Record<string, string>;
  /** How it ended: the caller hung up (`stop`), the agent closed it, or it never started. */
  ended: 'stop' | 'agent-closed' | 'failed';
  /** Twilio's error when it failed, e.g. `31920 Stream - WebSocket - Handshake Error`. */
  error?: string;
  /** Every message sent to the agent, in order. */
  sent: Array<Record<string, unknown>>;
  /** Every message the agent sent back. */
  received: Array<Record<string, unknown>>;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const unescapeXml = (s: string) =>
  s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|\w+);/g, (whole, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(Number.parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    return ENTITIES[e] ?? whole;
  });

const attributes = (tag: string) =>
  Object.fromEntries(
    [...tag.matchAll(/([A-Za-z_][\w.-]*)\s*=\s*"([^"]*)"/g)].map((m) => [
      m[1]!,
      unescapeXml(m[2]!),
    ]),
  );

/** A tag's attributes as a pattern: a `>` may stand unescaped inside a quoted value. */
const ATTRS = String.raw`((?:\s+[A-Za-z_][\w.:-]*\s*=\s*"[^"]*")*)\s*`;
const CONNECT = new RegExp(String.raw`<Connect${ATTRS}>([\s\S]*?)</Connect>`);
const STREAM = new RegExp(String.raw`<Stream${ATTRS}(?:/>|>([\s\S]*?)</Stream>)`);
const PARAMETER = new RegExp(`<Parameter${ATTRS}/?>`, 'g');

/** The stream a TwiML document connects the call to; undefined when it has no `<Connect><Stream>`. */
export function streamOfTwiml(twiml: string): StreamTwiml | undefined {
  const connect = CONNECT.exec(twiml);
  if (!connect) return undefined;
  const stream = STREAM.exec(connect[2]!);
  if (!stream) return undefined;
  const attrs = attributes(stream[1] ?? '');
  if (attrs['url'] === undefined) return undefined;
  const parameters: Record<string, string> = {};
  for (const p of (stream[2] ?? '').matchAll(PARAMETER)) {
    const a = attributes(p[1] ?? '');
    if (a['name'] !== undefined) parameters[a['name']] = a['value'] ?? '';
  }
  return {
    url: attrs['url'],
    ...(attrs['name'] === undefined ? {} : { name: attrs['name'] }),
    ...(attrs['statusCallback'] === undefined ? {} : { statusCallback: attrs['statusCallback'] }),
    parameters,
  };
}

/** G.711 μ-law of one 16-bit linear sample (ITU-T G.711, the bias-and-segment form). */
function mulaw(sample: number): number {
  const BIAS = 0x84;
  const sign = sample < 0 ? 0x80 : 0;
  const magnitude = Math.min(Math.abs(sample), 32_635) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** 20 ms of the caller's audio (a quiet 440 Hz tone): 160 μ-law bytes at 8 kHz, base64. */
function audioChunk(chunk: number): string {
  const bytes = Buffer.alloc(160);
  for (let i = 0; i < 160; i++) {
    const t = ((chunk - 1) * 160 + i) / 8_000;
    bytes[i] = mulaw(Math.round(3_000 * Math.sin(2 * Math.PI * 440 * t)));
  }
  return bytes.toString('base64');
}

const AGENT_EVENTS = new Set(['media', 'mark', 'clear']);

export interface PlayStreamInput {
  callSid: string;
  accountSid: string;
  /** The TwiML the call was created with. */
  twiml: string;
  scenario?: MediaScenario;
  /** Where a URL is actually reached (the stand-in's route: a public wss:// to a local ws://). */
  route: (url: string) => string;
  /** Sends a signed callback as the stand-in does (for the `<Stream statusCallback>`). */
  callback: (cb: { url: string; params: Record<string, string> }) => Promise<void>;
  /** Protocol breaches by the agent, as Twilio would log them. */
  violations: string[];
  streamSid: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Connects to the agent; resolves with the open socket or Twilio's error for the failure. */
function connect(url: string): Promise<WebSocket | { error: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { handshakeTimeout: 5_000 });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      ws.terminate();
      resolve({ error: `31920 Stream - WebSocket - Handshake Error (HTTP ${res.statusCode})` });
    });
    ws.once('error', (err: NodeJS.ErrnoException) => {
      resolve({
        error:
          err.code === 'ECONNREFUSED'
            ? '31902 Stream - WebSocket - Connection Refused'
            : `31901 Stream - WebSocket - Connection Timeout (${err.message})`,
      });
    });
  });
}

/**
 * Plays the stream of an answered call to its end: until the caller hangs up (the scenario's
 * frames are sent, then `stop`) or the agent closes the websocket. Undefined when the TwiML
 * does not connect the call to a stream.
 */
export async function playMediaStream(input: PlayStreamInput): Promise<StreamSession | undefined> {
  const twiml = streamOfTwiml(input.twiml);
  if (!twiml) return undefined;
  const sc = input.scenario ?? {};
  const session: StreamSession = {
    callSid: input.callSid,
    streamSid: input.streamSid,
    url: twiml.url,
    customParameters: twiml.parameters,
    ended: 'failed',
    sent: [],
    received: [],
  };
  const streamEvent = async (event: string, extra: Record<string, string> = {}) => {
    if (twiml.statusCallback === undefined) return;
    await input.callback({
      url: twiml.statusCallback,
      params: {
        AccountSid: input.accountSid,
        CallSid: input.callSid,
        StreamSid: input.streamSid,
        StreamName: twiml.name ?? input.streamSid,
        StreamEvent: event,
        Timestamp: new Date().toISOString(),
        ...extra,
      },
    });
  };
  const opened = sc.refuse
    ? { error: '31920 Stream - WebSocket - Handshake Error (HTTP 403)' }
    : await connect(input.route(twiml.url));
  if (!(opened instanceof WebSocket)) {
    session.error = opened.error;
    await streamEvent('stream-error', { StreamError: opened.error });
    return session;
  }
  const ws = opened;
  let closed = false;
  const closedNow = new Promise<void>((resolve) => {
    ws.once('close', () => {
      closed = true;
      resolve();
    });
  });
  let sequence = 0;
  let stopped = false;
  const send = async (message: Record<string, unknown>) => {
    if (closed || stopped) return;
    session.sent.push(message);
    await new Promise<void>((resolve) => ws.send(JSON.stringify(message), () => resolve()));
  };
  ws.on('message', (data) => {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(String(data)) as Record<string, unknown>;
    } catch {
      input.violations.push(`stream ${input.streamSid}: 31924 a message that is not JSON`);
      return;
    }
    session.received.push(message);
    if (!AGENT_EVENTS.has(String(message['event'])) || message['streamSid'] !== input.streamSid) {
      input.violations.push(`stream ${input.streamSid}: 31924 ${JSON.stringify(message)}`);
      return;
    }
    // Twilio answers a mark once the audio sent before it has played: at once, here.
    if (message['event'] === 'mark') {
      void send({
        event: 'mark',
        sequenceNumber: String(++sequence),
        streamSid: input.streamSid,
        mark: message['mark'],
      });
    }
  });
  await streamEvent('stream-started');
  await send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
  await send({
    event: 'start',
    sequenceNumber: String(++sequence),
    start: {
      accountSid: input.accountSid,
      streamSid: input.streamSid,
      callSid: input.callSid,
      tracks: ['inbound'],
      customParameters: twiml.parameters,
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
    },
    streamSid: input.streamSid,
  });
  const frames = sc.frames ?? 50;
  const interval = sc.frameIntervalMs ?? 20;
  for (let chunk = 1; chunk <= frames && !closed; chunk++) {
    await send({
      event: 'media',
      sequenceNumber: String(++sequence),
      media: {
        track: 'inbound',
        chunk: String(chunk),
        timestamp: String((chunk - 1) * 20),
        payload: audioChunk(chunk),
      },
      streamSid: input.streamSid,
    });
    if (interval > 0) await sleep(interval);
  }
  if (closed) {
    session.ended = 'agent-closed';
  } else {
    session.ended = 'stop';
    await send({
      event: 'stop',
      sequenceNumber: String(++sequence),
      stop: { accountSid: input.accountSid, callSid: input.callSid },
      streamSid: input.streamSid,
    });
    stopped = true;
    ws.close(1000);
  }
  await Promise.race([closedNow, sleep(2_000)]);
  if (!closed) ws.terminate();
  await streamEvent('stream-stopped');
  return session;
}
