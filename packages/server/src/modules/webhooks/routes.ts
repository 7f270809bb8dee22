// HTTP routes of webhooks under /api/v1: subscriptions (/webhooks), their delivery log and redelivery. All
// need an ISV admin (API tokens: the admin scope); the service enforces it. Each route validates, calls the
// service (in a transaction where it changes state) and maps the result.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/schema.js';
import { inTransaction } from '../../db/transaction.js';
import { callerOf, requireAuth } from '../../http/authenticate.js';
import { problemResponses } from '../../http/openapi.js';
import { pageRequest, pageSchema, paginationQuery } from '../../http/pagination.js';
import * as s from './schemas.js';
import { DEFAULT_GRACE_SECONDS, type Delivery, type WebhooksService } from './service.js';

export interface WebhooksRoutesDeps {
  db: Kysely<Database>;
  webhooks: WebhooksService;
}

const presentDelivery = ({ subscriptionId, ...delivery }: Delivery) => ({
  ...delivery,
  webhookId: subscriptionId,
});

export const registerWebhooksRoutes = (app: FastifyInstance, deps: WebhooksRoutesDeps): void => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { db, webhooks } = deps;
  const admin = { onRequest: requireAuth('admin') };
  const tags = ['webhooks'];

  api.post(
    '/webhooks',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Subscribe a URL to events; the answer holds the signing secret, shown only now',
        body: s.createWebhookBody,
        response: { 201: s.webhookWithSecretSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const created = await inTransaction(db, (trx) => webhooks.create(trx, callerOf(request), request.body));
      return reply.code(201).send(created);
    },
  );

  api.get(
    '/webhooks',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Webhook subscriptions, oldest first',
        querystring: paginationQuery,
        response: { 200: pageSchema(s.webhookSchema), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => webhooks.list(db, callerOf(request), pageRequest(request.query)),
  );

  api.get(
    '/webhooks/:id',
    {
      ...admin,
      schema: {
        tags,
        summary: 'One webhook subscription (never its secret)',
        params: s.idParams,
        response: { 200: s.webhookSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => webhooks.get(db, callerOf(request), request.params.id),
  );

  api.patch(
    '/webhooks/:id',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Change the URL, events, description, or pause/resume (active)',
        params: s.idParams,
        body: s.patchWebhookBody,
        response: { 200: s.webhookSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      inTransaction(db, (trx) => webhooks.update(trx, callerOf(request), request.params.id, request.body)),
  );

  api.delete(
    '/webhooks/:id',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Delete a subscription and its delivery log',
        params: s.idParams,
        response: { 204: z.null(), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await inTransaction(db, (trx) => webhooks.remove(trx, callerOf(request), request.params.id));
      return reply.code(204).send(null);
    },
  );

  api.post(
    '/webhooks/:id/rotate-secret',
    {
      ...admin,
      schema: {
        tags,
        summary: 'New signing secret (shown only now); the old one keeps signing for graceSeconds',
        params: s.idParams,
        body: s.rotateSecretBody,
        response: { 200: s.webhookWithSecretSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      inTransaction(db, (trx) =>
        webhooks.rotateSecret(
          trx,
          callerOf(request),
          request.params.id,
          request.body?.graceSeconds ?? DEFAULT_GRACE_SECONDS,
        ),
      ),
  );

  api.post(
    '/webhooks/:id/ping',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Queue a webhook.ping delivery to this subscription',
        params: s.idParams,
        response: { 202: s.deliverySchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const delivery = await inTransaction(db, (trx) =>
        webhooks.ping(trx, callerOf(request), request.params.id),
      );
      return reply.code(202).send(presentDelivery(delivery));
    },
  );

  api.get(
    '/webhooks/:id/deliveries',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Delivery log of a subscription, newest first',
        params: s.idParams,
        querystring: s.listDeliveriesQuery,
        response: { 200: pageSchema(s.deliverySchema), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const page = await webhooks.deliveries(
        db,
        callerOf(request),
        request.params.id,
        { status: request.query.status },
        pageRequest(request.query),
      );
      return { items: page.items.map(presentDelivery), nextCursor: page.nextCursor };
    },
  );

  api.post(
    '/webhook-deliveries/:id/redeliver',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Queue one delivery again, due now, with a fresh attempt budget',
        params: s.idParams,
        response: { 202: s.deliverySchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const delivery = await inTransaction(db, (trx) =>
        webhooks.redeliver(trx, callerOf(request), request.params.id),
      );
      return reply.code(202).send(presentDelivery(delivery));
    },
  );
};
