import { type TypeBoxTypeProvider, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import { badRequest, conflict, notFound } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import { isStorableText } from '../../ingest/storable-text.js';
import type { Runtime } from '../../runtime.js';
import { getAgent, insertAgent, listAgents } from '../../storage/agents-repo.js';
import { softDeleteAgent, updateAgent } from '../../storage/agents-write-repo.js';
import { presentAgent } from '../presenters/agent-view.js';
import {
  AGENT_DEFAULTS,
  AgentBody,
  AgentCreateBody,
  AgentDeletedBody,
  AgentListBody,
  AgentParams,
  AgentUpdateBody,
  GAP_FIELDS,
} from '../schemas/agents.js';
import { AgentNotFoundBody, ErrorBody } from '../schemas/error-bodies.js';
import { unstorableBodyText } from '../storable-body.js';
import { checkAgentTelephony, storedTransport } from './agent-telephony.js';

const agentNotFound = (id: string) =>
  notFound({ error: 'Agent not found', message: `No agent with id ${id}` });

/**
 * Text the schema accepts but PostgreSQL cannot store (see storable-body.ts), anywhere in the
 * body, as the 400 a schema error gets; checked before anything is written.
 */
function checkStorable(body: unknown): void {
  const problem = unstorableBodyText(body);
  if (problem) throw badRequest('Bad Request', problem, { code: 'invalid_request' });
}

/**
 * Schema errors as one flat message. TypeBox reports an unknown key twice (its `false` schema,
 * then the object's additionalProperties); it is said once, by the object's path, so a hostile
 * key name is never echoed.
 */
function agentBodyError(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const said = errors
    .filter((e) => e.keyword !== 'boolean')
    .map((e) =>
      e.keyword === 'additionalProperties'
        ? `${dataVar}${e.instancePath} may only have the fields ${GAP_FIELDS.join(' and ')}`
        : `${dataVar}${e.instancePath} ${e.message}`,
    );
  return new Error(said.join(', '));
}

/**
 * §14. Bodies are checked by TypeBox itself rather than the app's Ajv, which would coerce types
 * (`"name": 123` into "123", `"smartCallback": "yes"`…) instead of rejecting them.
 */
export async function agentsRoutes(app: FastifyInstance, opts: { rt: Runtime }) {
  const { rt } = opts;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post(
    '/',
    {
      schema: { body: AgentCreateBody, response: { 201: AgentBody, 400: ErrorBody } },
      validatorCompiler: TypeBoxValidatorCompiler,
      schemaErrorFormatter: agentBodyError,
    },
    async (req, reply) => {
      const b = req.body;
      checkStorable(b);
      const now = rt.clock.now();
      const agent = await rt.db.tx(async (q) => {
        const provider = await checkAgentTelephony(q, req.workspaceId, {
          connectionId: b.connectionId,
          transport: b.transport,
          provider: b.provider,
        });
        return insertAgent(q, {
          id: newId('agent', now),
          workspaceId: req.workspaceId,
          name: b.name,
          greeting: b.greeting ?? AGENT_DEFAULTS.greeting,
          prompt: b.prompt ?? AGENT_DEFAULTS.prompt,
          ...(b.fromNumber === undefined ? {} : { fromNumber: b.fromNumber }),
          provider,
          smartCallback: b.smartCallback ?? AGENT_DEFAULTS.smartCallback,
          maxAttemptsForSmartCallback:
            b.maxAttemptsForSmartCallback ?? AGENT_DEFAULTS.maxAttemptsForSmartCallback,
          gapBetweenEachAttemptForSmartCallback:
            b.gapBetweenEachAttemptForSmartCallback ??
            AGENT_DEFAULTS.gapBetweenEachAttemptForSmartCallback,
          ...(b.variables === undefined ? {} : { variables: b.variables }),
          ...(b.connectionId === undefined ? {} : { connectionId: b.connectionId }),
          ...(b.transport === undefined ? {} : { transport: storedTransport(b.transport) }),
          ...(b.machineDetection === undefined ? {} : { machineDetection: b.machineDetection }),
          ...(b.ringTimeoutSec === undefined ? {} : { ringTimeoutSec: b.ringTimeoutSec }),
          ...(b.maxCallDurationSec === undefined
            ? {}
            : { maxCallDurationSec: b.maxCallDurationSec }),
          ...(b.fallbackMessage === undefined ? {} : { fallbackMessage: b.fallbackMessage }),
          now,
        });
      });
      return reply.code(201).send(presentAgent(agent));
    },
  );

  r.get('/', { schema: { response: { 200: AgentListBody } } }, async (req) => ({
    agents: (await listAgents(rt.db, req.workspaceId)).map(presentAgent),
  }));

  r.get(
    '/:agentId',
    { schema: { params: AgentParams, response: { 200: AgentBody, 404: AgentNotFoundBody } } },
    async (req) => {
      const { agentId } = req.params;
      // An id PostgreSQL cannot even compare (ingest/storable-text.ts) names no agent.
      const agent = isStorableText(agentId) && (await getAgent(rt.db, req.workspaceId, agentId));
      if (!agent) throw agentNotFound(agentId);
      return presentAgent(agent);
    },
  );

  r.put(
    '/:agentId',
    {
      schema: {
        params: AgentParams,
        body: AgentUpdateBody,
        response: { 200: AgentBody, 400: ErrorBody, 404: AgentNotFoundBody },
      },
      validatorCompiler: TypeBoxValidatorCompiler,
      schemaErrorFormatter: agentBodyError,
    },
    async (req) => {
      const { agentId } = req.params;
      const b = req.body;
      checkStorable(b);
      if (!isStorableText(agentId)) throw agentNotFound(agentId);
      const agent = await rt.db.tx(async (q) => {
        const current = await getAgent(q, req.workspaceId, agentId);
        if (!current) return undefined;
        const pick = <T>(given: T | null | undefined, kept: T | undefined) =>
          given === undefined ? kept : (given ?? undefined);
        const provider = await checkAgentTelephony(
          q,
          req.workspaceId,
          {
            connectionId: pick(b.connectionId, current.connectionId),
            transport: pick(b.transport, current.transport),
            provider: b.provider,
          },
          current.provider,
        );
        const found = await updateAgent(
          q,
          req.workspaceId,
          agentId,
          {
            name: b.name,
            greeting: b.greeting,
            prompt: b.prompt,
            fromNumber: b.fromNumber,
            provider: provider === current.provider ? undefined : provider,
            smartCallback: b.smartCallback,
            maxAttemptsForSmartCallback: b.maxAttemptsForSmartCallback,
            gapBetweenEachAttemptForSmartCallback: b.gapBetweenEachAttemptForSmartCallback,
            variables: b.variables,
            connectionId: b.connectionId,
            transport: b.transport == null ? b.transport : storedTransport(b.transport),
            machineDetection: b.machineDetection,
            ringTimeoutSec: b.ringTimeoutSec,
            maxCallDurationSec: b.maxCallDurationSec,
            fallbackMessage: b.fallbackMessage,
          },
          rt.clock.now(),
        );
        return found ? getAgent(q, req.workspaceId, agentId) : undefined;
      });
      if (!agent) throw agentNotFound(agentId);
      return presentAgent(agent);
    },
  );

  r.delete(
    '/:agentId',
    {
      schema: {
        params: AgentParams,
        response: { 200: AgentDeletedBody, 404: AgentNotFoundBody, 409: ErrorBody },
      },
    },
    async (req) => {
      const { agentId } = req.params;
      if (!isStorableText(agentId)) throw agentNotFound(agentId);
      const result = await rt.db.tx((q) =>
        softDeleteAgent(q, req.workspaceId, agentId, rt.clock.now()),
      );
      if (result === 'not_found') throw agentNotFound(agentId);
      if (result === 'in_use') {
        throw conflict(
          'Agent in use',
          `Agent ${agentId} is used by a queued or processing batch; cancel it or wait for it to finish`,
        );
      }
      return { id: agentId, deleted: true as const };
    },
  );
}
