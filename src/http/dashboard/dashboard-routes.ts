import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type DashboardFile, loadDashboardFiles } from './dashboard-files.js';

/**
 * The dashboard page's policy: its own scripts, styles, images and fonts only, requests to this
 * server only, never framed, no inline code. API answers keep the data policy (app.ts).
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** Whether an answer is one of the dashboard's files (the onSend hook keeps their policy). */
export const isDashboardRequest = (req: FastifyRequest) =>
  (req.routeOptions.config as { dashboard?: boolean } | undefined)?.dashboard === true;

function send(req: FastifyRequest, reply: FastifyReply, file: DashboardFile) {
  reply
    .header('content-type', file.type)
    .header('etag', file.etag)
    .header('vary', 'accept-encoding')
    .header('content-security-policy', DASHBOARD_CSP)
    // The page must be asked for again (it names the current assets); assets never change.
    .header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (req.headers['if-none-match'] === file.etag) return reply.code(304).send();
  const accepts = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  if (file.gzip && accepts) return reply.header('content-encoding', 'gzip').send(file.gzip);
  return reply.send(file.body);
}

/**
 * `GET /` (the page) and its built files. Routing inside the page is a hash (`/#/batches/…`), so
 * no other server path needs to answer with the page. No auth: the page holds no data; it asks
 * the API with the key the user types.
 */
export async function dashboardRoutes(app: FastifyInstance, opts: { dir: string }) {
  const files = loadDashboardFiles(opts.dir);
  const config = { dashboard: true };
  const schema = { hide: true };
  const notBuilt = {
    error: 'Dashboard not built',
    message: 'The dashboard has not been built: run `npm run build`, then start Outdial again',
  };
  app.get('/', { schema, config }, async (req, reply) => {
    const page = files.get('/');
    if (!page) return reply.code(404).send(notBuilt);
    return send(req, reply, page);
  });
  // Each built file under its own path, registered by name: nothing else is ever looked up.
  for (const [urlPath, file] of files) {
    if (urlPath === '/') continue;
    app.get(urlPath, { schema, config }, async (req, reply) => send(req, reply, file));
  }
}
