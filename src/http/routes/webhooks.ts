import { type TypeBoxTypeProvider, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import { Type } from 'typebox';
import { badRequest, notFound } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import { newWebhookSecret } from '../../domain/webhook-signature.js';
import { checkWebhookUrl } from '../../domain/webhook-url.js';
import { isStorableText } from '../../ingest/storable-text.js';
import type { Runtime } from '../../runtime.js';
import { requireSecretBox } from '../../security/secret-box.js';
import { listDeliveries, requeueDelivery } from '../../storage/webhook-deliveries-repo.js';
import {
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  insertWebhookEndpoint,
  listWebhookEndpoints,
  rotateWebhookSecret,
  updateWebhookEndpoint,
} from '../../storage/webhook-endpoints-repo.js';
import { PREVIOUS_SECRET_MS, sealEndpointSecret } from '../../webhooks/endpoint-secret.js';
import { sendTestEvent } from '../../webhooks/test-event.js';
import { presentDelivery, presentWebhook } from '../presenters/webhook-view.js';
import { ErrorBody } from '../schemas/error-bodies.js';
import { checkPaging, paginate } from '../schemas/pagination.js';
import {
  DeliveriesQuery,
  DeliveryListBody,
  DeliveryNotFoundBody,
  DeliveryParams,
  RedeliverBody,
  WebhookBody,
  WebhookCreateBody,
  WebhookCreatedBody,
  WebhookDeletedBody,
  WebhookListBody,
  WebhookNotFoundBody,
  WebhookParams,
  WebhookSecretBody,
  WebhookTestBody,
  WebhookUpdateBody,
} from '../schemas/webhooks.js';
import { unstorableBodyText } from '../storable-body.js';

const webhookNotFound = (id: string) =>
  notFound({ error: 'Webhook not found', message: `No webhook endpoint with id ${id}` });
const deliveryNotFound = (id: string) =>
  notFound({ error: 'Delivery not found', message: `No delivery with id ${id} to this endpoint` });

/** Schema errors as one flat message, unknown values never echoed. */
function bodyError(errors: FastifySchemaValidationError[], dataVar: string): Error {
  return new Error(errors.map((e) => `${dataVar}${e.instancePath} ${e.message}`).join(', '));
}

function checkUrl(raw: string, allowPrivate: boolean): string {
  const checked = checkWebhookUrl(raw, allowPrivate);
  if (!checked.ok) throw badRequest('Invalid webhook URL', checked.message);
  return raw;
}

/** `*` stands for every event, alone. */
const eventsOf = (events: readonly string[]): string[] =>
  events.includes('*') ? ['*'] : [...events];

function checkStorable(body: unknown): void {
  const problem = unstorableBodyText(body);
  if (problem) throw badRequest('Bad Request', problem, { code: 'invalid_request' });
}

/** §20. Every query is scoped by the workspace: another workspace's ids are unknown ones. */
export async function webhooksRoutes(app: FastifyInstance, opts: { rt: Runtime }) {
  const { rt } = opts;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const allowPrivate = rt.config.webhookAllowPrivate;
  const box = () => requireSecretBox(rt.db, rt.config);

  const load = async (workspaceId: string, id: string) => {
    const found = isStorableText(id) && (await getWebhookEndpoint(rt.db, workspaceId, id));
    if (!found) throw webhookNotFound(id);
    return found;
  };

  r.post(
    '/',
    {
      schema: {
        body: WebhookCreateBody,
        response: { 201: WebhookCreatedBody, 400: ErrorBody, 409: ErrorBody },
      },
      validatorCompiler: TypeBoxValidatorCompiler,
      schemaErrorFormatter: bodyError,
    },
    async (req, reply) => {
      const b = req.body;
      checkStorable(b);
      const url = checkUrl(b.url, allowPrivate);
      const sealer = await box();
      const now = rt.clock.now();
      const id = newId('wh', now);
      const secret = newWebhookSecret();
      const endpoint = await insertWebhookEndpoint(rt.db, {
        id,
        workspaceId: req.workspaceId,
        url,
        events: eventsOf(b.events),
        ...(b.description === undefined ? {} : { description: b.description }),
        secretSealed: sealEndpointSecret(sealer, id, secret),
        now,
      });
      return reply.code(201).send({ ...presentWebhook(endpoint), secret });
    },
  );

  r.get('/', { schema: { response: { 200: WebhookListBody } } }, async (req) => ({
    webhooks: (await listWebhookEndpoints(rt.db, req.workspaceId)).map(presentWebhook),
  }));

  r.get(
    '/:webhookId',
    { schema: { params: WebhookParams, response: { 200: WebhookBody, 404: WebhookNotFoundBody } } },
    async (req) => presentWebhook(await load(req.workspaceId, req.params.webhookId)),
  );

  r.patch(
    '/:webhookId',
    {
      schema: {
        params: WebhookParams,
        body: WebhookUpdateBody,
        response: { 200: WebhookBody, 400: ErrorBody, 404: WebhookNotFoundBody },
      },
      validatorCompiler: TypeBoxValidatorCompiler,
      schemaErrorFormatter: bodyError,
    },
    async (req) => {
      const { webhookId } = req.params;
      const b = req.body;
      checkStorable(b);
      if (!isStorableText(webhookId)) throw webhookNotFound(webhookId);
      if (b.url !== undefined) checkUrl(b.url, allowPrivate);
      const found = await updateWebhookEndpoint(
        rt.db,
        req.workspaceId,
        webhookId,
        {
          ...(b.url === undefined ? {} : { url: b.url }),
          ...(b.events === undefined ? {} : { events: eventsOf(b.events) }),
          ...(b.description === undefined ? {} : { description: b.description }),
          ...(b.enabled === undefined ? {} : { enabled: b.enabled }),
        },
        rt.clock.now(),
      );
      if (!found) throw webhookNotFound(webhookId);
      return presentWebhook(await load(req.workspaceId, webhookId));
    },
  );

  r.delete(
    '/:webhookId',
    {
      schema: {
        params: WebhookParams,
        response: { 200: WebhookDeletedBody, 404: WebhookNotFoundBody },
      },
    },
    async (req) => {
      const { webhookId } = req.params;
      const gone =
        isStorableText(webhookId) &&
        (await deleteWebhookEndpoint(rt.db, req.workspaceId, webhookId));
      if (!gone) throw webhookNotFound(webhookId);
      return { id: webhookId, deleted: true as const };
    },
  );

  r.post(
    '/:webhookId/rotate-secret',
    {
      schema: {
        params: WebhookParams,
        response: { 200: WebhookSecretBody, 404: WebhookNotFoundBody, 409: ErrorBody },
      },
    },
    async (req) => {
      const endpoint = await load(req.workspaceId, req.params.webhookId);
      const sealer = await box();
      const now = rt.clock.now();
      const secret = newWebhookSecret();
      await rotateWebhookSecret(
        rt.db,
        req.workspaceId,
        endpoint.id,
        sealEndpointSecret(sealer, endpoint.id, secret),
        endpoint.secretSealed,
        now + PREVIOUS_SECRET_MS,
        now,
      );
      return { secret };
    },
  );

  r.post(
    '/:webhookId/test',
    {
      schema: {
        params: WebhookParams,
        response: { 200: WebhookTestBody, 404: WebhookNotFoundBody, 409: ErrorBody },
      },
    },
    async (req) => {
      const endpoint = await load(req.workspaceId, req.params.webhookId);
      const sent = await sendTestEvent(rt, await box(), endpoint);
      return {
        deliveryId: sent.deliveryId,
        ...(sent.statusCode === undefined ? {} : { statusCode: sent.statusCode }),
        ...(sent.error === undefined ? {} : { error: sent.error }),
      };
    },
  );

  r.get(
    '/:webhookId/deliveries',
    {
      schema: {
        params: WebhookParams,
        querystring: DeliveriesQuery,
        response: { 200: DeliveryListBody, 400: ErrorBody, 404: WebhookNotFoundBody },
      },
    },
    async (req) => {
      const q = req.query;
      checkPaging(q, 100);
      const endpoint = await load(req.workspaceId, req.params.webhookId);
      const { deliveries, total } = await listDeliveries(rt.db, endpoint.id, {
        page: q.page,
        limit: q.limit,
        ...(q.status === undefined ? {} : { status: q.status }),
      });
      return {
        deliveries: deliveries.map(presentDelivery),
        pagination: paginate(q.page, q.limit, total),
      };
    },
  );

  r.post(
    '/:webhookId/deliveries/:deliveryId/redeliver',
    {
      schema: {
        params: DeliveryParams,
        response: {
          202: RedeliverBody,
          404: Type.Union([WebhookNotFoundBody, DeliveryNotFoundBody]),
        },
      },
    },
    async (req, reply) => {
      const { deliveryId } = req.params;
      const endpoint = await load(req.workspaceId, req.params.webhookId);
      const queued =
        isStorableText(deliveryId) &&
        (await requeueDelivery(rt.db, endpoint.id, deliveryId, rt.clock.now()));
      if (!queued) throw deliveryNotFound(deliveryId);
      return reply.code(202).send({ deliveryId, status: 'pending' as const });
    },
  );
}
