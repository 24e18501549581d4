import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { unauthorized } from '../../domain/errors.js';
import { renderTemplate } from '../../domain/template.js';
import type { Runtime } from '../../runtime.js';
import { getAgentAttemptContext } from '../../storage/telephony-dial-repo.js';
import { ErrorBody } from '../schemas/error-bodies.js';
import type { DeploymentKeys } from '../twilio-dial.js';

// §21: what the user's agent reads about the call it is on. No API key: the Bearer token is the
// attempt's report token (an HMAC, checked without a lookup), good for this attempt only and for
// 24 hours; anything else is a 401 that says nothing about the attempt.

const refused = () => unauthorized('A valid report token for this attempt is required');

export const AgentAttemptBody = Type.Object({
  jobId: Type.String(),
  batchId: Type.String(),
  attemptId: Type.String(),
  attemptNo: Type.Integer(),
  phone_number: Type.String(),
  variables: Type.Record(Type.String(), Type.String()),
  greeting: Type.String({ description: "the agent's greeting, the row's variables filled in" }),
  prompt: Type.String({ description: "the agent's prompt, the row's variables filled in" }),
});

function bearer(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m?.[1];
}

export async function agentAttemptsRoutes(
  app: FastifyInstance,
  opts: { rt: Runtime; keys: () => Promise<DeploymentKeys> },
) {
  const { rt } = opts;
  app.get(
    '/:attemptId',
    {
      schema: {
        params: Type.Object({ attemptId: Type.String() }),
        response: { 200: AgentAttemptBody, 401: ErrorBody },
      },
    },
    async (req) => {
      const { attemptId } = req.params as { attemptId: string };
      const token = bearer(req);
      const keys = await opts.keys();
      const verified = token && keys.tokens.verify('report', token, rt.clock.now());
      if (!verified || verified.attemptId !== attemptId) throw refused();
      const ctx = await getAgentAttemptContext(rt.db, attemptId);
      if (!ctx) throw refused();
      return {
        jobId: ctx.jobId,
        batchId: ctx.batchId,
        attemptId: ctx.attemptId,
        attemptNo: ctx.attemptNo,
        phone_number: ctx.phoneNumber,
        variables: ctx.variables,
        greeting: renderTemplate(ctx.greeting, ctx.variables),
        prompt: renderTemplate(ctx.prompt, ctx.variables),
      };
    },
  );
}
