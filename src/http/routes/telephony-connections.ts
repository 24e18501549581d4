import { type TypeBoxTypeProvider, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import { credentialsContext, type TwilioCredentials } from '../../domain/connection.js';
import { AppError, badRequest, conflict, notFound } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import { isStorableText } from '../../ingest/storable-text.js';
import { checkTwilioNumbers } from '../../providers/twilio/twilio-account.js';
import type { Runtime } from '../../runtime.js';
import { requireSecretBox, SealedSecretError } from '../../security/secret-box.js';
import {
  deleteConnection,
  getConnection,
  getConnectionCredentials,
  insertConnection,
  listConnections,
  updateConnection,
} from '../../storage/connections-repo.js';
import { presentConnection } from '../presenters/connection-view.js';
import { ErrorBody } from '../schemas/error-bodies.js';
import {
  CONNECTION_DEFAULTS,
  ConnectionBody,
  ConnectionCreateBody,
  ConnectionDeletedBody,
  ConnectionListBody,
  ConnectionNotFoundBody,
  ConnectionParams,
  ConnectionUpdateBody,
} from '../schemas/telephony-connections.js';
import { unstorableBodyText } from '../storable-body.js';

const connectionNotFound = (id: string) =>
  notFound({ error: 'Connection not found', message: `No connection with id ${id}` });

/**
 * Schema errors as one flat message, by path only: a value (an auth token among them) is never
 * echoed back or logged.
 */
function bodyError(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const said = errors
    .filter((e) => e.keyword !== 'boolean')
    .map((e) => `${dataVar}${e.instancePath} ${e.message}`);
  return new Error([...new Set(said)].join(', '));
}

function checkStorable(body: unknown): void {
  const problem = unstorableBodyText(body);
  if (problem) throw badRequest('Bad Request', problem, { code: 'invalid_request' });
}

/**
 * Confirms the credentials work and every number is the account's (§21), before anything is
 * stored: 400 naming the numbers that are not, or when Twilio refuses the credentials; 502 when
 * Twilio cannot say.
 */
async function checkAccount(
  rt: Runtime,
  creds: TwilioCredentials,
  fromNumbers: readonly string[],
): Promise<void> {
  const check = await checkTwilioNumbers(creds, fromNumbers, rt.config.twilioApiBaseUrl);
  if (!check.ok) {
    if (check.kind === 'credentials') {
      throw badRequest('Invalid credentials', check.message);
    }
    throw new AppError(502, { error: 'Carrier unavailable', message: check.message });
  }
  if (check.notOwned.length > 0) {
    const list = check.notOwned.join(', ');
    throw badRequest(
      'Number not in account',
      `${list} ${check.notOwned.length === 1 ? 'is' : 'are'} neither an incoming number nor a ` +
        'verified caller ID of this Twilio account',
      { numbers: check.notOwned },
    );
  }
}

/** §21: carriers call back OUTDIAL_PUBLIC_URL; without it no call could report its end. */
function requirePublicUrl(rt: Runtime): void {
  if (rt.config.publicUrl !== undefined) return;
  throw badRequest(
    'Public URL not configured',
    'Set OUTDIAL_PUBLIC_URL to the https:// address carriers can reach this deployment at ' +
      '(a tunnel for local tries), then try again',
  );
}

/** §21 connections: a workspace's carrier accounts. */
export async function telephonyConnectionsRoutes(app: FastifyInstance, opts: { rt: Runtime }) {
  const { rt } = opts;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const bodyOptions = {
    validatorCompiler: TypeBoxValidatorCompiler,
    schemaErrorFormatter: bodyError,
  };

  r.post(
    '/',
    {
      schema: {
        body: ConnectionCreateBody,
        response: { 201: ConnectionBody, 400: ErrorBody, 409: ErrorBody, 502: ErrorBody },
      },
      ...bodyOptions,
    },
    async (req, reply) => {
      const b = req.body;
      checkStorable(b);
      requirePublicUrl(rt);
      const box = await requireSecretBox(rt.db, rt.config);
      await checkAccount(rt, b.credentials, b.fromNumbers);
      const now = rt.clock.now();
      const id = newId('conn', now);
      const creds: TwilioCredentials = {
        accountSid: b.credentials.accountSid,
        authToken: b.credentials.authToken,
      };
      const connection = await insertConnection(rt.db, {
        id,
        workspaceId: req.workspaceId,
        provider: b.provider,
        name: b.name,
        account: creds.accountSid,
        credentialsSealed: box.seal(JSON.stringify(creds), credentialsContext(id)),
        fromNumbers: b.fromNumbers,
        callsPerSecond: b.callsPerSecond ?? CONNECTION_DEFAULTS.callsPerSecond,
        now,
      });
      return reply.code(201).send(presentConnection(connection));
    },
  );

  r.get('/', { schema: { response: { 200: ConnectionListBody } } }, async (req) => ({
    connections: (await listConnections(rt.db, req.workspaceId)).map(presentConnection),
  }));

  r.get(
    '/:connectionId',
    {
      schema: {
        params: ConnectionParams,
        response: { 200: ConnectionBody, 404: ConnectionNotFoundBody },
      },
    },
    async (req) => {
      const { connectionId } = req.params;
      const found =
        isStorableText(connectionId) && (await getConnection(rt.db, req.workspaceId, connectionId));
      if (!found) throw connectionNotFound(connectionId);
      return presentConnection(found);
    },
  );

  r.patch(
    '/:connectionId',
    {
      schema: {
        params: ConnectionParams,
        body: ConnectionUpdateBody,
        response: {
          200: ConnectionBody,
          400: ErrorBody,
          404: ConnectionNotFoundBody,
          409: ErrorBody,
          502: ErrorBody,
        },
      },
      ...bodyOptions,
    },
    async (req) => {
      const { connectionId } = req.params;
      const b = req.body;
      checkStorable(b);
      const current =
        isStorableText(connectionId) && (await getConnection(rt.db, req.workspaceId, connectionId));
      if (!current) throw connectionNotFound(connectionId);
      const given = [b.name, b.credentials, b.fromNumbers, b.callsPerSecond].some(
        (v) => v !== undefined,
      );
      if (!given) {
        throw badRequest(
          'Bad Request',
          'Nothing to change: give name, credentials, fromNumbers or callsPerSecond',
        );
      }
      let credentials: { sealed: string; account: string } | undefined;
      if (b.credentials !== undefined || b.fromNumbers !== undefined) {
        // New numbers are checked with the credentials they will be used with.
        const box = await requireSecretBox(rt.db, rt.config);
        let creds: TwilioCredentials;
        if (b.credentials !== undefined) {
          creds = { accountSid: b.credentials.accountSid, authToken: b.credentials.authToken };
          credentials = {
            sealed: box.seal(JSON.stringify(creds), credentialsContext(connectionId)),
            account: creds.accountSid,
          };
        } else {
          const sealed = await getConnectionCredentials(rt.db, req.workspaceId, connectionId);
          if (sealed === undefined) throw connectionNotFound(connectionId);
          try {
            creds = JSON.parse(box.open(sealed, credentialsContext(connectionId)));
          } catch (err) {
            if (!(err instanceof SealedSecretError)) throw err;
            throw conflict(
              'Credentials unreadable',
              `${err.message}; give the credentials again with the new numbers`,
            );
          }
        }
        await checkAccount(rt, creds, b.fromNumbers ?? current.fromNumbers);
      }
      const updated = await updateConnection(
        rt.db,
        req.workspaceId,
        connectionId,
        {
          ...(b.name === undefined ? {} : { name: b.name }),
          ...(credentials === undefined ? {} : { credentials }),
          ...(b.fromNumbers === undefined ? {} : { fromNumbers: b.fromNumbers }),
          ...(b.callsPerSecond === undefined ? {} : { callsPerSecond: b.callsPerSecond }),
        },
        rt.clock.now(),
      );
      if (!updated) throw connectionNotFound(connectionId);
      return presentConnection(updated);
    },
  );

  r.delete(
    '/:connectionId',
    {
      schema: {
        params: ConnectionParams,
        response: { 200: ConnectionDeletedBody, 404: ConnectionNotFoundBody, 409: ErrorBody },
      },
    },
    async (req) => {
      const { connectionId } = req.params;
      if (!isStorableText(connectionId)) throw connectionNotFound(connectionId);
      const result = await rt.db.tx((q) =>
        deleteConnection(q, req.workspaceId, connectionId, rt.clock.now()),
      );
      if (result === 'not_found') throw connectionNotFound(connectionId);
      if (result === 'in_use') {
        throw conflict(
          'Connection in use',
          `Connection ${connectionId} is used by an agent with a queued or processing batch; ` +
            'cancel the batch or wait for it to finish',
        );
      }
      return { id: connectionId, deleted: true as const };
    },
  );
}
