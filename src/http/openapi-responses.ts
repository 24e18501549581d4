import { isDeepStrictEqual } from 'node:util';
import type { ResponseDoc, RouteDoc } from './openapi-routes.js';
import { ErrorBody, RateLimitedBody } from './schemas/error-bodies.js';

// The responses of each operation in the OpenAPI document: those its route schema declares (JSON
// unless the schema names its own media types), what every route of its kind can answer besides
// (auth, rate limit, body limits, a lost database, shutdown), and what the route docs add.

type Schema = Record<string, unknown>;

const json = (description: string, schema: object, headers?: Record<string, object>) => ({
  description,
  content: { 'application/json': { schema } },
  ...(headers ? { headers } : {}),
});

const RETRY_AFTER = {
  'Retry-After': { type: 'string', pattern: '^[0-9]+$', description: 'seconds to wait' },
};

const SHUTTING_DOWN = 'The server is shutting down (try another instance)';

/** Every operation under the API prefixes: the auth hook, the rate limit, the database. */
const API_ANSWERS: Record<string, ResponseDoc> = {
  400: json(
    'The x-workspace-id header is missing: {"error":"Missing x-workspace-id header"}',
    ErrorBody,
  ),
  401: json('x-api-key missing, unknown or revoked', ErrorBody),
  403: json('The API key is not for the workspace named in x-workspace-id', ErrorBody),
  429: json(
    "Too many requests: the workspace's rate limit (x-ratelimit-* headers), or too many wrong " +
      'API keys from this address',
    RateLimitedBody,
    RETRY_AFTER,
  ),
  503: json(
    'The database is unavailable (retry after Retry-After), or the server is shutting down',
    ErrorBody,
    RETRY_AFTER,
  ),
  507: json(
    'The database server is out of disk space (PostgreSQL disk_full): ' +
      '{"error":"Insufficient storage",…}; nothing of the request was stored',
    ErrorBody,
  ),
};

/** Operations that take a JSON body (not the uploads, which answer other bodies with 400). */
const JSON_BODY_ANSWERS: Record<string, ResponseDoc> = {
  413: json('The body is larger than the limit (1 MB)', ErrorBody),
  415: json('The body is not application/json', ErrorBody),
};

/** The operations outside the API prefixes. */
const PUBLIC_ANSWERS: Record<string, ResponseDoc> = {
  503: json(SHUTTING_DOWN, ErrorBody),
};

const DEFAULT_MEANING: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  400: 'Invalid input (the message says what)',
  404: 'Not found',
  409: 'Conflicts with the current state',
  413: 'The body is larger than the limit',
  507:
    "Not enough free space on the embedded database's disk for this upload: " +
    '{"error":"Insufficient storage","message":"… needs about N MB, M MB free in …"} ' +
    '(OUTDIAL_MIN_FREE_DISK_MB); nothing stored',
};

/** A route schema's response as a documented response: its own `content`, else JSON. */
function fromRoute(status: string, schema: Schema, doc: RouteDoc | undefined): ResponseDoc {
  const description = doc?.answers?.[status] ?? DEFAULT_MEANING[status] ?? `HTTP ${status}`;
  const headers = doc?.responseHeaders?.[status];
  const given = schema['content'] as ResponseDoc['content'] | undefined;
  const base: ResponseDoc = given ? { description, content: given } : json(description, schema);
  return headers ? { ...base, headers } : base;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** Both answers under one status: the route's meaning first, bodies of either shape. */
function merge(route: ResponseDoc, common: ResponseDoc): ResponseDoc {
  const content = { ...common.content };
  for (const [type, media] of Object.entries(route.content ?? {})) {
    const other = content[type];
    content[type] =
      other === undefined || isDeepStrictEqual(other.schema, media.schema)
        ? media
        : { schema: { anyOf: [media.schema, other.schema] } };
  }
  const headers = { ...common.headers, ...route.headers };
  return {
    description: `${route.description}; or ${lowerFirst(common.description)}`,
    content,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
  };
}

export interface OperationKind {
  /** Under an API prefix (authenticated, rate limited). */
  api: boolean;
  /** Takes a JSON body that Fastify parses (not a streamed upload). */
  jsonBody: boolean;
}

/** The documented responses of one operation, by status. */
export function operationResponses(
  routeResponses: Record<string, Schema> | undefined,
  doc: RouteDoc | undefined,
  kind: OperationKind,
): Record<string, ResponseDoc> {
  const common: Record<string, ResponseDoc> = kind.api
    ? { ...API_ANSWERS, ...(kind.jsonBody ? JSON_BODY_ANSWERS : {}) }
    : PUBLIC_ANSWERS;
  const own: Record<string, ResponseDoc> = { ...doc?.responses };
  for (const [status, schema] of Object.entries(routeResponses ?? {})) {
    own[status] ??= fromRoute(status, schema, doc);
  }
  const out: Record<string, ResponseDoc> = { ...common };
  for (const [status, response] of Object.entries(own)) {
    const shared = common[status];
    out[status] = shared ? merge(response, shared) : response;
  }
  return out;
}
