import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { ROUTE_DOCS, type RouteDoc, TAGS } from './openapi-routes.js';
import { ErrorBody, RateLimitedBody } from './schemas/error-bodies.js';

// The OpenAPI 3 document is generated from the routes' own schemas (@fastify/swagger collects
// them as routes are registered, so this must run before any route); the transform below only
// adds what a schema cannot say: tags, summaries, the auth headers and multipart form fields.

/** The prefixes the API is served under; the first is the contract's primary one. */
export interface OpenApiOptions {
  prefixes: readonly string[];
}

const packageVersion = (): string => {
  // src/http and dist/http are both two levels below package.json.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return String(pkg.version);
};

const WORKSPACE_HEADER = {
  type: 'object',
  required: ['x-workspace-id'],
  properties: {
    'x-workspace-id': {
      type: 'string',
      description: 'the workspace (ws_…) the API key belongs to',
    },
  },
};

// Explicit `content`, so a route that produces text/csv still documents its JSON errors as JSON.
const json = (description: string, schema: object) => ({
  description,
  content: { 'application/json': { schema } },
});

const AUTH_RESPONSES = {
  400: json('Bad request, e.g. {"error":"Missing x-workspace-id header"}', ErrorBody),
  401: json('x-api-key missing, unknown or revoked', ErrorBody),
  403: json('the key is not for the workspace named in x-workspace-id', ErrorBody),
  429: json(
    'Rate limit of the workspace exceeded; see Retry-After and x-ratelimit-*',
    RateLimitedBody,
  ),
  503: json('Database unavailable, retry shortly (see Retry-After)', ErrorBody),
};

/** The route's path without its API prefix, parameters as `{}`: the key of ROUTE_DOCS. */
export function routeDocKey(
  method: string,
  url: string,
  prefixes: readonly string[],
): { key: string; prefix?: string } {
  const prefix = prefixes.find((p) => url === p || url.startsWith(`${p}/`));
  let path = prefix === undefined ? url : url.slice(prefix.length);
  path = path.replace(/:[^/]+/g, '{}').replace(/\/+$/, '') || '/';
  return { key: `${method} ${path}`, ...(prefix === undefined ? {} : { prefix }) };
}

type Schema = FastifySchema & Record<string, unknown>;

function mergeHeaders(existing: unknown, extra: Record<string, unknown>): Record<string, unknown> {
  const base = (existing ?? { type: 'object', properties: {} }) as Record<string, unknown>;
  return {
    ...base,
    type: 'object',
    properties: { ...(base['properties'] as object), ...(extra['properties'] as object) },
    required: [
      ...((base['required'] as string[] | undefined) ?? []),
      ...((extra['required'] as string[] | undefined) ?? []),
    ],
  };
}

function documented(schema: Schema, doc: RouteDoc | undefined, authed: boolean): Schema {
  const out: Schema = { ...schema };
  if (doc) {
    out['tags'] ??= [doc.tag];
    out['summary'] ??= doc.summary;
    if (doc.bodies && out.body === undefined) {
      const types = (out['consumes'] as string[] | undefined) ?? Object.keys(doc.bodies);
      const content: Record<string, { schema: unknown }> = {};
      for (const type of types) {
        const body = doc.bodies[type];
        if (body) content[type] = { schema: body };
      }
      out.body = { content };
    }
    if (doc.headers) out.headers = mergeHeaders(out.headers, doc.headers);
  }
  if (authed) {
    out.headers = mergeHeaders(out.headers, WORKSPACE_HEADER);
    out['security'] ??= [{ apiKey: [] }];
    // Every authenticated route can answer these, whether or not it lists them.
    out.response = { ...AUTH_RESPONSES, ...(out.response as object | undefined) };
  }
  return out;
}

/** Registers @fastify/swagger, Swagger UI at /docs and `GET /openapi.json` (no auth). */
export async function registerOpenApi(app: FastifyInstance, opts: OpenApiOptions): Promise<void> {
  const [primary] = opts.prefixes;
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Outdial API',
        version: packageVersion(),
        description:
          "Batch outbound calls by AI voice agents; wire-compatible with Trillet's Batch Calls " +
          `API. Every operation is served under both ${opts.prefixes.join(' and ')}. Requests ` +
          'under /v1 need x-api-key and x-workspace-id and are rate limited per workspace (429 ' +
          'with Retry-After). Times are epoch milliseconds, durations seconds; fields that do ' +
          'not apply are absent, not null.',
      },
      tags: TAGS,
      components: {
        securitySchemes: {
          apiKey: {
            type: 'apiKey',
            in: 'header',
            name: 'x-api-key',
            description: 'an API key of the workspace named in x-workspace-id',
          },
        },
      },
    },
    transform: ({ schema, url: routeUrl, route }) => {
      // A plugin's '/' route answers at `/v1/api/agents` and `/v1/api/agents/`; Fastify reports
      // it once, and the object swagger kept ends up with the slashed URL. Document the plain one.
      const url = routeUrl.length > 1 ? routeUrl.replace(/\/+$/, '') : routeUrl;
      const method = String(Array.isArray(route.method) ? route.method[0] : route.method);
      const { key, prefix } = routeDocKey(method, url, opts.prefixes);
      const doc = ROUTE_DOCS[key];
      const out = documented((schema ?? {}) as Schema, doc, prefix !== undefined);
      if (doc && out['operationId'] === undefined) {
        // Two paths per operation need two operation ids; the primary prefix keeps the plain one.
        out['operationId'] =
          prefix === undefined || prefix === primary
            ? doc.operationId
            : `${doc.operationId}${prefixSuffix(prefix)}`;
      }
      return { schema: out, url };
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
  });
  app.get('/openapi.json', async () => app.swagger());
}

/** `/v1` → `V1`, so the alias of `getBatch` is `getBatchV1`. */
function prefixSuffix(prefix: string): string {
  return prefix
    .split('/')
    .filter(Boolean)
    .map((s) => s[0]!.toUpperCase() + s.slice(1))
    .join('');
}
