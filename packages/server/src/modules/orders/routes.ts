// HTTP routes of orders and tickets under /api/v1: create (one or a batch, with Idempotency-Key), list and
// read orders; read, list and re-allocate tickets. The generic connector has its own file (connector.ts).

import type { Clock } from '@tessera/core';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/schema.js';
import { inTransaction } from '../../db/transaction.js';
import { callerOf, requireAuth } from '../../http/authenticate.js';
import { problemResponses } from '../../http/openapi.js';
import { pageRequest, pageSchema } from '../../http/pagination.js';
import { idParams } from '../accounts/schemas.js';
import { parseIdempotencyKey, requestHash, withIdempotency } from './idempotency.js';
import * as s from './schemas.js';
import type { OrdersService } from './service.js';

export interface OrdersRoutesDeps {
  db: Kysely<Database>;
  clock: Clock;
  orders: OrdersService;
}

const idempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .optional()
    .describe(
      'Retrying with the same key and body returns the first response (kept 24 h) instead of a new order',
    ),
});

export const registerOrdersRoutes = (app: FastifyInstance, deps: OrdersRoutesDeps): void => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { db, clock, orders } = deps;

  api.post(
    '/orders',
    {
      onRequest: requireAuth('write'),
      schema: {
        tags: ['orders'],
        summary: 'Create an order: its licenses, grouped into tickets (one license per ticket by default)',
        headers: idempotencyHeader,
        body: s.orderBody,
        response: { 201: s.orderWithTicketsSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const result = await withIdempotency(
        db,
        clock,
        {
          scope: `orders:${caller.principal.user.id}`,
          key: parseIdempotencyKey(request.headers['idempotency-key']),
          requestHash: requestHash(request.body),
        },
        async (trx) => ({ status: 201, body: await orders.createOrder(trx, caller, request.body) }),
      );
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).send(result.body as z.infer<typeof s.orderWithTicketsSchema>);
    },
  );

  api.post(
    '/orders/batch',
    {
      onRequest: requireAuth('write'),
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        tags: ['orders'],
        summary: `Create up to ${s.MAX_BATCH_ORDERS} orders at once, all or nothing (the first failure is named by its index)`,
        headers: idempotencyHeader,
        body: s.batchBody,
        response: { 201: s.batchResponse, ...problemResponses(400, 401, 403, 404, 409, 413) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const result = await withIdempotency(
        db,
        clock,
        {
          scope: `orders/batch:${caller.principal.user.id}`,
          key: parseIdempotencyKey(request.headers['idempotency-key']),
          requestHash: requestHash(request.body),
        },
        async (trx) => ({
          status: 201,
          body: { results: await orders.createOrders(trx, caller, request.body.orders) },
        }),
      );
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).send(result.body as z.infer<typeof s.batchResponse>);
    },
  );

  api.get(
    '/orders',
    {
      onRequest: requireAuth('read'),
      schema: {
        tags: ['orders'],
        summary: 'Orders of the groups you administer',
        querystring: s.listOrdersQuery,
        response: { 200: pageSchema(s.orderSchema), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) =>
      orders.listOrders(
        db,
        callerOf(request),
        {
          customerGroupId: request.query.customerGroupId,
          externalOrderId: request.query.externalOrderId,
          createdFrom: request.query.createdFrom && new Date(request.query.createdFrom).toISOString(),
          createdTo: request.query.createdTo && new Date(request.query.createdTo).toISOString(),
        },
        pageRequest(request.query),
      ),
  );

  api.get(
    '/orders/:id',
    {
      onRequest: requireAuth('read'),
      schema: {
        tags: ['orders'],
        summary: 'One order with its tickets',
        params: idParams,
        response: { 200: s.orderWithTicketsSchema, ...problemResponses(400, 401, 404) },
      },
    },
    async (request) => orders.getOrder(db, callerOf(request), request.params.id),
  );

  // ——— tickets ———

  api.get(
    '/tickets',
    {
      onRequest: requireAuth('read'),
      schema: {
        tags: ['tickets'],
        summary: 'Tickets visible to you',
        querystring: s.listTicketsQuery,
        response: { 200: pageSchema(s.ticketSchema), ...problemResponses(400, 401, 404) },
      },
    },
    async (request) =>
      orders.listTickets(
        db,
        callerOf(request),
        {
          groupId: request.query.groupId,
          orderId: request.query.orderId,
          state: request.query.state,
          q: request.query.q,
        },
        pageRequest(request.query),
      ),
  );

  api.get(
    '/tickets/:code',
    {
      onRequest: requireAuth('read'),
      schema: {
        tags: ['tickets'],
        summary: 'A ticket: its order, allocation and each license with state, generation and container',
        params: s.ticketCodeParams,
        response: { 200: s.ticketSchema, ...problemResponses(400, 401, 404) },
      },
    },
    async (request) => orders.getTicket(db, callerOf(request), request.params.code),
  );

  api.patch(
    '/tickets/:code',
    {
      onRequest: requireAuth('admin'),
      schema: {
        tags: ['tickets'],
        summary: 'Re-allocate a ticket to a member of its group (or back to the group); set who sees it',
        params: s.ticketCodeParams,
        body: s.patchTicketBody,
        response: { 200: s.ticketSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      inTransaction(db, (trx) =>
        orders.allocateTicket(trx, callerOf(request), request.params.code, request.body),
      ),
  );
};
