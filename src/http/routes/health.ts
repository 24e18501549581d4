import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../runtime.js';
import { isMigrated } from '../../storage/migrate.js';

export async function healthRoutes(app: FastifyInstance, opts: { rt: Runtime }) {
  const { rt } = opts;
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await rt.db.query('SELECT 1');
      if (!(await isMigrated(rt.db))) {
        return reply.code(503).send({ status: 'unavailable', error: 'Database not migrated' });
      }
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'unavailable', error: 'Database unreachable' });
    }
  });
}
