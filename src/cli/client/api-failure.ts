// One clear line for each way a request can fail, naming what to fix: the address and whether a
// server runs there, the variable or flag holding the key or workspace, the API's own message,
// when to retry. Pure: the HTTP client hands in what it saw. Nothing here ever quotes the key.
import type { RowIssue } from './api-types.js';
import { RequestError } from './client-error.js';
import type { Connection } from './connection.js';
import { KEY_HINT } from './connection.js';
import { issueLines } from './row-issues-view.js';

export interface FailedAnswer {
  status: number;
  statusText: string;
  contentType: string;
  text: string;
  /** The Retry-After header (seconds), if any. */
  retryAfter?: string | null;
  /** The Location header of a redirect, if any. */
  location?: string | null;
}

type Where = Pick<Connection, 'baseUrl' | 'urlSource' | 'keySource' | 'workspaceSource'>;

interface ErrorFields {
  error?: string;
  message?: string;
  errors?: RowIssue[];
  errorCount?: number;
}

function parseBody(answer: FailedAnswer): unknown {
  if (!answer.contentType.toLowerCase().includes('json')) return undefined;
  try {
    return JSON.parse(answer.text);
  } catch {
    return undefined;
  }
}

/** The flat `{error, message}` body, or the 429's nested `{error: {code, message}}`. */
function errorFields(body: unknown): ErrorFields | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b['error'] === 'object' && b['error'] !== null) {
    const nested = b['error'] as Record<string, unknown>;
    const message = typeof nested['message'] === 'string' ? nested['message'] : undefined;
    return { error: String(nested['code'] ?? 'error'), ...(message && { message }) };
  }
  if (typeof b['error'] !== 'string') return undefined;
  return b as ErrorFields;
}

/** How to point the client at the right server, given where its address came from. */
function urlHint(where: Where): string {
  return where.urlSource === 'default'
    ? 'set OUTDIAL_URL (or --url) to its address'
    : `correct ${where.urlSource}`;
}

const statusLabel = (a: FailedAnswer) => `${a.status}${a.statusText ? ` ${a.statusText}` : ''}`;

/** "Error: message", or just one of them when the other is absent or the same. */
function apiText(f: ErrorFields): string {
  if (!f.message || f.message === f.error) return f.error ?? '';
  return f.error ? `${f.error}: ${f.message}` : f.message;
}

/** Retry-After in seconds (the API sends seconds, never a date), if usable. */
function retryAfterSeconds(answer: FailedAnswer): number | undefined {
  const seconds = Number(answer.retryAfter);
  return answer.retryAfter && Number.isFinite(seconds) && seconds >= 0
    ? Math.ceil(seconds)
    : undefined;
}

/** The error a failed answer is reported as. */
export function answerFailure(answer: FailedAnswer, where: Where): RequestError {
  const body = parseBody(answer);
  const fields = errorFields(body);
  const retryAfter = retryAfterSeconds(answer);
  const fail = (message: string, details: readonly string[] = []) =>
    new RequestError(message, answer.status, {
      details,
      ...(fields && { apiBody: answer.text }),
      ...(retryAfter !== undefined && { retryAfterSeconds: retryAfter }),
    });

  if (answer.status >= 300 && answer.status < 400) {
    return fail(
      `${where.baseUrl} answered with a redirect (${statusLabel(answer)}) to ` +
        `${answer.location ?? 'an unnamed address'}; the key is not sent there: ${urlHint(where)}`,
    );
  }
  if (!fields) {
    return fail(
      `unexpected answer from ${where.baseUrl} (${statusLabel(answer)}, ` +
        `${answer.contentType || 'no content type'}): is it an Outdial server? If not, ` +
        urlHint(where),
    );
  }
  const text = apiText(fields);
  switch (answer.status) {
    case 401:
      return fail(
        `the server refused the API key (401: ${fields.message ?? fields.error}): check ` +
          `${where.keySource} (${KEY_HINT})`,
      );
    case 403:
      return fail(
        `the API key is not for this workspace (403: ${fields.message ?? fields.error}): check ` +
          `${where.workspaceSource} and ${where.keySource}`,
      );
    case 429:
      return fail(
        `too many requests (429: ${fields.message ?? fields.error})` +
          (retryAfter !== undefined ? `; retry in ${retryAfter} s` : ''),
      );
  }
  if (answer.status >= 500) {
    return fail(`the server failed (${statusLabel(answer)}: ${text}); see its log`);
  }
  const details = fields.errors
    ? issueLines(fields.errors, fields.errorCount ?? fields.errors.length)
    : [];
  return fail(`${text} (${answer.status})`, details);
}

/** Node's network error codes, as a person reads them. */
const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'the answer stalled',
  EPROTO: 'TLS handshake failed',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS handshake failed (is it http, not https?)',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  CERT_HAS_EXPIRED: 'certificate expired',
  BAD_PORT: 'fetch refuses to connect to this port, which browsers block: use another one',
};

/** The code of a fetch failure: on the error, its cause, or the cause's first sub-error. */
export function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const o = e as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown[] };
    if (o.name === 'TimeoutError') return 'UND_ERR_HEADERS_TIMEOUT';
    // The fetch standard's blocked ports (6000, 6665–6669, …) fail with this text and no code.
    if ((e as Error).message === 'bad port') return 'BAD_PORT';
    if (typeof o.code === 'string' && o.code !== 'ERR_INVALID_STATE') return o.code;
    e = o.cause ?? (Array.isArray(o.errors) ? o.errors[0] : undefined);
  }
  return undefined;
}

/**
 * A request that got no answer. Only the code is used, never the error's text, which may quote
 * request details.
 */
export function unreachable(err: unknown, where: Where): RequestError {
  const code = networkCode(err);
  const reason = (code && NETWORK_REASONS[code]) ?? (code ? `error ${code}` : 'no answer');
  return new RequestError(
    `cannot reach the Outdial server at ${where.baseUrl} (${reason}): is it running? Start it ` +
      `with \`npx outdial serve\`, or ${urlHint(where)}`,
    undefined,
  );
}
