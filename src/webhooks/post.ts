import http from 'node:http';
import https from 'node:https';
import { checkedLookup, literalHostRefused } from './target-address.js';

// One POST of a webhook: no redirects (a 3xx is an answer like any other, and not a success), at
// most `timeoutMs` for the whole exchange, the answer's body read up to a small cap (it is only
// kept for the log). With a keep-alive agent (the delivery workers'), a connection whose answer
// was read to its end is used again; one cut short (cap, timeout) is destroyed. Without one, each
// POST has a connection of its own.

/** What is kept of a receiver's answer body. */
export const RESPONSE_BODY_CAP = 4 * 1024;
export const WEBHOOK_TIMEOUT_MS = 10_000;

export interface WebhookAgents {
  http: http.Agent;
  https: https.Agent;
}

/** Keep-alive agents for a delivery worker: at most `perOrigin` connections to one host and port. */
export function webhookAgents(perOrigin: number): WebhookAgents {
  const options = { keepAlive: true, maxSockets: perOrigin, maxFreeSockets: perOrigin };
  return { http: new http.Agent(options), https: new https.Agent(options) };
}

export interface PostResult {
  statusCode?: number;
  /** Why no answer was had (timeout, refused target, connection error). */
  error?: string;
  bodyPreview?: string;
}

export function postWebhook(opts: {
  url: string;
  headers: Record<string, string>;
  body: string;
  allowPrivate: boolean;
  timeoutMs?: number;
  agents?: WebhookAgents;
}): Promise<PostResult> {
  const url = new URL(opts.url);
  const refused = literalHostRefused(url.hostname, opts.allowPrivate);
  if (refused) return Promise.resolve({ error: refused.message });
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const agent = opts.agents?.[url.protocol === 'https:' ? 'https' : 'http'];
    const req = client.request(url, {
      method: 'POST',
      agent: agent ?? false,
      lookup: checkedLookup(opts.allowPrivate),
      headers: {
        ...opts.headers,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(opts.body).toString(),
        'user-agent': 'Outdial-Webhooks/1',
        ...(agent ? {} : { connection: 'close' }),
      },
    });
    const timeoutMs = opts.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
    const timer = setTimeout(() => {
      done({ error: `No answer within ${timeoutMs / 1000} s` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (err) => done({ error: err.message || String(err) }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = (cut: boolean) => {
        done({
          statusCode: res.statusCode ?? 0,
          bodyPreview: Buffer.concat(chunks).toString('utf8'),
        });
        if (cut) res.destroy();
      };
      res.on('data', (chunk: Buffer) => {
        if (size < RESPONSE_BODY_CAP) chunks.push(chunk.subarray(0, RESPONSE_BODY_CAP - size));
        size += chunk.length;
        if (size >= RESPONSE_BODY_CAP) finish(true);
      });
      res.on('end', () => finish(false));
      res.on('error', () => finish(true));
    });
    req.end(opts.body);
  });
}
