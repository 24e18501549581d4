import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../runtime.js';

export async function batchListRoutes(_app: FastifyInstance, _opts: { rt: Runtime }) {}
