import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../../runtime.js';
import { readDiskSpace } from '../../storage/disk-space.js';
import { isMigrated } from '../../storage/migrate.js';
import { stringEnum } from '../schemas/string-enum.js';

// §16: no auth, no rate limit. Load balancers poll these; they must stay cheap.

const Live = Type.Object({ status: Type.Literal('ok') });

const Disk = Type.Object(
  {
    status: stringEnum(['ok', 'low'], {
      description:
        'low: less than twice minFreeBytes is free; uploads that would leave less than ' +
        'minFreeBytes are refused with 507',
    }),
    path: Type.String({ description: 'the data directory whose disk is measured' }),
    freeBytes: Type.Integer(),
    minFreeBytes: Type.Integer({
      description: 'kept free whatever is stored: a WAL segment and OUTDIAL_MIN_FREE_DISK_MB',
    }),
  },
  { description: 'ext: the embedded database only: the free space of its data directory' },
);

const Ready = Type.Object({ status: Type.Literal('ready'), disk: Type.Optional(Disk) });
const Unavailable = Type.Object({
  status: Type.Literal('unavailable'),
  error: Type.String({
    description: 'Database unreachable | Database not migrated | Database failed: <why>',
  }),
  disk: Type.Optional(Disk),
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
      // A low disk is reported, not refused: the API still serves and the engine still dials.
      const disk = await readDiskSpace(rt.config).catch(() => undefined);
      const unavailable = (error: string) =>
        reply.code(503).send({ status: 'unavailable', error, ...(disk && { disk }) });
      // A failed embedded database is not asked: it would only fail again (the process exits).
      const failure = rt.db.failure?.();
      if (failure) return unavailable(`Database failed: ${failure.reason}`);
      try {
        if (!(await isMigrated(rt.db))) return unavailable('Database not migrated');
      } catch {
        return unavailable('Database unreachable');
      }
      return { status: 'ready' as const, ...(disk && { disk }) };
    },
  );
}
