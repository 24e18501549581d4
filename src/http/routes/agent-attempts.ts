import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { parseIsoInstant } from '../../domain/batch-options.js';
import { badRequest, conflict, unauthorized } from '../../domain/errors.js';
import { renderTemplate } from '../../domain/template.js';
import type { Outcome } from '../../domain/types.js';
import { recordContext } from '../../engine/event-recorder.js';
import type { Runtime } from '../../runtime.js';
import { getAgentAttemptContext } from '../../storage/telephony-dial-repo.js';
import { txWithRetry } from '../../storage/transaction-retry.js';
import { recordReport } from '../../storage/transitions/report.js';
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

export const AgentReportRequest = Type.Object({
  outcome: Type.Union(
    ['successful', 'unsuccessful', 'callback_requested', 'opted_out', 'voicemail'].map((o) =>
      Type.Literal(o),
    ),
  ),
  transcript: Type.String({ maxLength: 1_000_000, description: 'Agent: …\nCustomer: …' }),
  summary: Type.Optional(Type.String({ maxLength: 10_000 })),
  callbackAt: Type.Optional(
    Type.String({ description: 'ISO-8601 date-time with a zone: when to call back' }),
  ),
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

export const AgentReportAccepted = Type.Object({ success: Type.Literal(true) });

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
  const verifiedAttempt = async (req: FastifyRequest): Promise<string> => {
    const { attemptId } = req.params as { attemptId: string };
    const token = bearer(req);
    const keys = await opts.keys();
    const verified = token && keys.tokens.verify('report', token, rt.clock.now());
    if (!verified || verified.attemptId !== attemptId) throw refused();
    return attemptId;
  };
  app.get(
    '/:attemptId',
    {
      schema: {
        params: Type.Object({ attemptId: Type.String() }),
        response: { 200: AgentAttemptBody, 401: ErrorBody },
      },
    },
    async (req) => {
      const attemptId = await verifiedAttempt(req);
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
  app.post(
    '/:attemptId/report',
    {
      schema: {
        params: Type.Object({ attemptId: Type.String() }),
        body: AgentReportRequest,
        response: { 202: AgentReportAccepted, 400: ErrorBody, 401: ErrorBody, 409: ErrorBody },
      },
      // The token is checked before the body: a stranger learns nothing from a 400.
      preValidation: async (req) => {
        await verifiedAttempt(req);
      },
    },
    async (req, reply) => {
      const attemptId = await verifiedAttempt(req);
      const body = req.body as Static<typeof AgentReportRequest>;
      let callbackAt: number | undefined;
      if (body.callbackAt !== undefined) {
        callbackAt = parseIsoInstant(body.callbackAt);
        if (callbackAt === undefined)
          throw badRequest('Bad Request', 'callbackAt must be an ISO-8601 date-time with a zone');
      }
      const verdict = await txWithRetry(rt.db, (q) =>
        recordReport(
          q,
          attemptId,
          {
            outcome: body.outcome as Outcome,
            transcript: body.transcript,
            ...(body.summary === undefined ? {} : { summary: body.summary }),
            ...(callbackAt === undefined ? {} : { callbackAt }),
            ...(body.data === undefined ? {} : { data: body.data }),
          },
          recordContext(rt),
        ),
      );
      // A call that waited for this report (or whose wait it found over) ended: its slot is free.
      if (verdict.status === 'completed' || verdict.status === 'applied') rt.wake();
      if (verdict.status === 'unknown_attempt') throw refused();
      if (verdict.status === 'duplicate') throw conflict('Report already received');
      return reply.code(202).send({ success: true });
    },
  );
}
