import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { pauseWorkspace, resumeWorkspace } from '../../control/batch-control.js';
import type { Runtime } from '../../runtime.js';
import { WorkspacePausedBody } from '../schemas/batch-control.js';

/** Ext §19 "stop everything": pause and resume every batch of the workspace at once. */
export async function workspacePauseRoutes(app: FastifyInstance, opts: { rt: Runtime }) {
  const { rt } = opts;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post('/pause', { schema: { response: { 200: WorkspacePausedBody } } }, async (req) =>
    pauseWorkspace(rt, req.workspaceId),
  );
  r.post('/resume', { schema: { response: { 200: WorkspacePausedBody } } }, async (req) =>
    resumeWorkspace(rt, req.workspaceId),
  );
}
