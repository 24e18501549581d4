import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../../runtime.js';
import { isMigrated } from '../../storage/migrate.js';

// §16: no auth, no rate limit. Load balancers poll these; they must stay cheap.

const Live = Type.Object({ status: Type.Literal('ok') });
const Ready = Type.Object({ status: Type.Literal('ready') });
const Unavailable = Type.Object({
  status: Type.Literal('unavailable'),
  error: Type.String({ description: 'Database unreachable | Database not migrated' }),
});

export async function healthRoutes(app: FastifyInstance, opts: { rt: Runtime }) {
  const { rt } = opts;
  app.get('/healthz', { schema: { response: { 200: Live } } }, async () => ({
    status: 'ok' as const,
  }));
  app.get(
    '/readyz',
    { schema: { response: { 200: Ready, 503: Unavailable } } },
    async (_req, reply) => {
      try {
        if (!(await isMigrated(rt.db))) {
          return reply.code(503).send({ status: 'unavailable', error: 'Database not migrated' });
        }
        return { status: 'ready' as const };
      } catch {
        return reply.code(503).send({ status: 'unavailable', error: 'Database unreachable' });
      }
    },
  );
}
