import type { RouteDoc } from './openapi-routes.js';
import { ErrorBody } from './schemas/error-bodies.js';

// The OpenAPI docs of the operations endpoints (outside the API prefixes, no key). Those whose
// handler writes its own body (metrics, this document, Swagger UI) carry their whole responses.

const plain = (mediaType: string, description: string) => ({
  [mediaType]: { schema: { type: 'string', description } },
});

export const OPERATION_DOCS: Record<string, RouteDoc> = {
  'GET /healthz': {
    tag: 'Operations',
    summary: 'Liveness: the process is up',
    operationId: 'healthz',
  },
  'GET /readyz': {
    tag: 'Operations',
    summary: 'Readiness: the database is reachable and migrated',
    operationId: 'readyz',
    answers: { 503: 'The database is unreachable or not migrated' },
  },
  'GET /metrics': {
    tag: 'Operations',
    summary: 'Prometheus metrics of the process, the HTTP API and the calls',
    operationId: 'metrics',
    description:
      'Open unless the server sets OUTDIAL_METRICS_TOKEN; then it needs ' +
      '`Authorization: Bearer <token>`.',
    security: [{}, { metricsToken: [] }],
    responses: {
      200: {
        description: 'The metrics',
        content: plain('text/plain', 'Prometheus text exposition format 0.0.4'),
      },
      401: {
        description: 'OUTDIAL_METRICS_TOKEN is set and the bearer token is missing or wrong',
        content: { 'application/json': { schema: ErrorBody } },
      },
    },
  },
  'GET /openapi.json': {
    tag: 'Operations',
    summary: 'This OpenAPI document',
    operationId: 'openapi',
    responses: {
      200: {
        description: 'The document (OpenAPI 3.0)',
        content: {
          'application/json': {
            schema: { type: 'object', required: ['openapi', 'info', 'paths'] },
          },
        },
      },
    },
  },
  'GET /docs': {
    tag: 'Operations',
    summary: 'Swagger UI for this document',
    operationId: 'docs',
    responses: {
      200: { description: 'The Swagger UI page', content: plain('text/html', 'an HTML page') },
    },
  },
};
