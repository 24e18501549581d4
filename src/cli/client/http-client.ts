// The client's one way to the server: Node's fetch, the key and workspace in headers (never in a
// URL), redirects not followed (they would carry the key to another address), every failure turned
// into a RequestError with one clear line (api-failure.ts).
import { answerFailure, unreachable } from './api-failure.js';
import { RequestError, UsageError } from './client-error.js';
import type { Connection } from './connection.js';

/** Longest wait for a JSON answer; uploads and exports are bounded by fetch's own timeouts. */
export const REQUEST_TIMEOUT_MS = 30_000;

export type Query = Record<string, string | number | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: FormData;
  headers?: Record<string, string>;
  /** Aborts the request (Ctrl-C while following). */
  signal?: AbortSignal;
  /** false: no timeout (an upload, a streamed export). */
  timeout?: boolean;
}

export interface JsonAnswer<T> {
  body: T;
  /** The body exactly as the server sent it (what --json prints). */
  text: string;
  headers: Headers;
}

/**
 * One path segment from a user-given id. `.` and `..` would be resolved away by every URL parser
 * (even written as %2E), sending the request to another route, so they are refused.
 */
export function pathSegment(id: string, what: string): string {
  if (id === '' || id === '.' || id === '..') throw new UsageError(`"${id}" is not a ${what} id`);
  return encodeURIComponent(id);
}

export class ApiClient {
  constructor(readonly conn: Connection) {}

  url(path: string, query: Query = {}): string {
    const url = new URL(`${this.conn.baseUrl}${path}`);
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    return url.toString();
  }

  /** The answer of a request that succeeded (2xx); anything else throws a RequestError. */
  async send(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const signals = [
      ...(opts.signal ? [opts.signal] : []),
      ...(opts.timeout === false ? [] : [AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
    ];
    let res: Response;
    try {
      res = await fetch(this.url(path, opts.query), {
        method,
        headers: {
          'x-api-key': this.conn.apiKey,
          'x-workspace-id': this.conn.workspaceId,
          ...opts.headers,
        },
        ...(opts.body && { body: opts.body }),
        redirect: 'manual',
        ...(signals.length > 0 && { signal: AbortSignal.any(signals) }),
      });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw unreachable(err, this.conn);
    }
    if (res.status >= 200 && res.status < 300) return res;
    const text = await res.text().catch(() => '');
    throw answerFailure(
      {
        status: res.status,
        statusText: res.statusText,
        contentType: res.headers.get('content-type') ?? '',
        text,
        retryAfter: res.headers.get('retry-after'),
        location: res.headers.get('location'),
      },
      this.conn,
    );
  }

  /** A request whose answer is JSON. */
  async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<JsonAnswer<T>> {
    const res = await this.send(method, path, {
      ...opts,
      headers: { accept: 'application/json', ...opts.headers },
    });
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw unreachable(err, this.conn);
    }
    try {
      return { body: JSON.parse(text) as T, text, headers: res.headers };
    } catch {
      throw new RequestError(
        `unexpected answer from ${this.conn.baseUrl} (${res.status}, ` +
          `${res.headers.get('content-type') || 'no content type'}, not JSON): is it an Outdial server?`,
        res.status,
      );
    }
  }

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<JsonAnswer<T>> {
    return this.json<T>('GET', path, { ...(query && { query }), ...(signal && { signal }) });
  }
}

/** `/v1/api/batch-calls`, or one batch's path under it. */
export const batchesPath = (batchId?: string) =>
  `/v1/api/batch-calls${batchId === undefined ? '' : `/${pathSegment(batchId, 'batch')}`}`;
