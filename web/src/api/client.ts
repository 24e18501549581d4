import type { Session } from '../session';

/** An answer of the API other than 2xx, with the API's own words for it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

/** Thrown when the server cannot be reached at all (stopped, network down). */
export class NetworkError extends Error {}

type Query = Record<string, string | number | undefined>;

function url(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  return `/v1/api${path}${qs ? `?${qs}` : ''}`;
}

/** The API's error body in one sentence: `{"error","message"}`, or the 429 object. */
async function toError(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const b = (body ?? {}) as { error?: unknown; message?: unknown };
  if (b.error && typeof b.error === 'object') {
    const inner = b.error as { message?: string; code?: string };
    return new ApiError(res.status, inner.code ?? 'Error', inner.message ?? res.statusText, body);
  }
  const error = typeof b.error === 'string' ? b.error : `HTTP ${res.status}`;
  const message =
    typeof b.message === 'string' && b.message !== '' ? `${error}: ${b.message}` : error;
  return new ApiError(res.status, error, message, body);
}

/**
 * The API as the signed-in user: every request carries the two headers from the session (never
 * the URL). `onUnauthorized` lets the app sign out when the key stops working.
 */
export class Api {
  constructor(
    private readonly session: Session,
    private readonly onUnauthorized: (err: ApiError) => void = () => {},
  ) {}

  async request(method: string, path: string, opts: { query?: Query; body?: unknown } = {}) {
    const headers: Record<string, string> = {
      'x-api-key': this.session.apiKey,
      'x-workspace-id': this.session.workspaceId,
    };
    let body: BodyInit | undefined;
    if (opts.body instanceof FormData) body = opts.body;
    else if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    let res: Response;
    try {
      res = await fetch(url(path, opts.query), { method, headers, body, cache: 'no-store' });
    } catch {
      throw new NetworkError('The Outdial server cannot be reached. Is it running?');
    }
    if (!res.ok) {
      const err = await toError(res);
      if (res.status === 401) this.onUnauthorized(err);
      throw err;
    }
    return res;
  }

  async json<T>(method: string, path: string, opts: { query?: Query; body?: unknown } = {}) {
    const res = await this.request(method, path, opts);
    return (await res.json()) as T;
  }

  get<T>(path: string, query?: Query) {
    return this.json<T>('GET', path, query === undefined ? {} : { query });
  }
}
