import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { newId } from '../domain/ids.js';
import type { Runtime } from '../runtime.js';
import { authHook } from './auth.js';
import { errorHandler } from './error-handler.js';
import { agentsRoutes } from './routes/agents.js';
import { batchCancelRoutes } from './routes/batch-cancel.js';
import { batchCreateRoutes } from './routes/batch-create.js';
import { batchExportRoutes } from './routes/batch-export.js';
import { batchListRoutes } from './routes/batch-list.js';
import { batchReadRoutes } from './routes/batch-read.js';
import { csvToolsRoutes } from './routes/csv-tools.js';
import { healthRoutes } from './routes/health.js';
import { workspaceRoutes } from './routes/workspace.js';

// The contract's documents use both prefixes; they route to the same handlers.
export const API_PREFIXES = ['/v1/api', '/v1'] as const;

export async function buildApp(rt: Runtime): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: rt.log as FastifyBaseLogger,
    genReqId: () => newId('call').replace('call_', 'req_'),
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorateRequest('workspaceId', '');
  // Some clients send `content-type: application/json` with an empty body on DELETE; accept that.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '') return done(null, undefined);
    return json(req, body as string, done);
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .send({ error: 'Not Found', message: `Route ${req.method} ${req.url} not found` }),
  );
  await app.register(multipart, {
    limits: { fileSize: rt.config.maxUploadBytes, files: 1, fields: 20, fieldSize: 64 * 1024 },
  });

  await app.register(healthRoutes, { rt });
  for (const prefix of API_PREFIXES) {
    await app.register(
      async (v1) => {
        v1.addHook('onRequest', authHook(rt));
        await v1.register(agentsRoutes, { rt, prefix: '/agents' });
        await v1.register(batchCreateRoutes, { rt, prefix: '/batch-calls' });
        await v1.register(batchReadRoutes, { rt, prefix: '/batch-calls' });
        await v1.register(batchListRoutes, { rt, prefix: '/batch-calls' });
        await v1.register(batchCancelRoutes, { rt, prefix: '/batch-calls' });
        await v1.register(batchExportRoutes, { rt, prefix: '/batch-calls' });
        await v1.register(csvToolsRoutes, { rt, prefix: '/batch-calls' });
        await v1.register(workspaceRoutes, { rt, prefix: '/workspace' });
      },
      { prefix },
    );
  }
  return app;
}
