// The generic connector: an order from a shop or ERP that can only call a URL —
//   GET|POST /api/v1/connector/orders?orderid=…&customerid=…&item_count=N&item1_id=SKU&item1_quantity=Q&…
// answered with the ticket codes as text/plain (one per line) or as JSON (Accept: application/json).
// It takes API tokens with the `connector` scope only (Authorization: Bearer, or — for systems that cannot send
// headers — an access_token parameter), never a session cookie: a GET that creates orders must not be reachable
// by a forged link in a logged-in browser. The same orderid for the same customer returns the existing tickets.
// Success is always 200 (new or existing order): the simplest shop systems treat anything else as failure.

import { type Clock, canonicalJson, TesseraError } from '@tessera/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/schema.js';
import { problemResponses } from '../../http/openapi.js';
import type { Authentication } from '../accounts/authentication.js';
import { canSeeGroup, type Principal, requireScope } from '../accounts/policy.js';
import type { Caller } from '../accounts/service.js';
import { requestHash, withIdempotency } from './idempotency.js';
import * as repo from './repository.js';
import type { OrdersService, OrderWithTickets } from './service.js';

export const MAX_CONNECTOR_ITEMS = 100;

export interface ConnectorOrder {
  orderId: string;
  customerId: string;
  items: { sku: string; quantity: number }[];
}

type Params = Record<string, unknown>;

const bad = (field: string, message: string) =>
  new TesseraError('validation_failed', `${field}: ${message}`, { field });

const single = (params: Params, name: string): string | undefined => {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw bad(name, 'must be given once, as text');
  return value.trim();
};

const ITEM_PARAMETER = /^item(\d+)_(id|quantity)$/;

/**
 * Reads the connector's parameters. Every problem is a 400 naming the parameter (`item2_id`, `item_count`,
 * `customerid`), found before anything is looked up or created. A missing item quantity means 1.
 */
export const parseConnectorOrder = (params: Params): ConnectorOrder => {
  const orderId = single(params, 'orderid');
  if (!orderId) throw bad('orderid', 'the order number is missing');
  if (orderId.length > 200) throw bad('orderid', 'must be at most 200 characters');
  const customerId = single(params, 'customerid');
  if (!customerId) throw bad('customerid', 'the customer number is missing');
  const countText = single(params, 'item_count');
  if (countText === undefined || !/^\d+$/.test(countText))
    throw bad('item_count', 'must be the number of items');
  const count = Number(countText);
  if (count < 1 || count > MAX_CONNECTOR_ITEMS)
    throw bad('item_count', `must be from 1 to ${MAX_CONNECTOR_ITEMS}`);
  for (const name of Object.keys(params)) {
    const match = ITEM_PARAMETER.exec(name);
    if (match && (Number(match[1]) < 1 || Number(match[1]) > count)) {
      throw bad(name, `item_count is ${count}, so there is no item ${match[1]}`);
    }
  }
  const items = [];
  for (let n = 1; n <= count; n++) {
    const sku = single(params, `item${n}_id`);
    if (!sku) throw bad(`item${n}_id`, `item_count is ${count}, but item ${n} has no id (SKU)`);
    const quantityText = single(params, `item${n}_quantity`) ?? '1';
    if (!/^\d+$/.test(quantityText) || Number(quantityText) < 1 || Number(quantityText) > 1000) {
      throw bad(`item${n}_quantity`, 'must be a whole number from 1 to 1000');
    }
    items.push({ sku, quantity: Number(quantityText) });
  }
  return { orderId, customerId, items };
};

/** Service fields → connector parameters, so a client is told which of its parameters is wrong. */
const connectorField = (field: string): string => {
  const item = /^items\.(\d+)\.(sku|quantity)/.exec(field);
  if (item) return `item${Number(item[1]) + 1}_${item[2] === 'sku' ? 'id' : 'quantity'}`;
  if (field === 'items') return 'item_count';
  if (field === 'customerGroupId' || field === 'customerExternalId') return 'customerid';
  return field;
};

const renamed = (error: unknown): unknown => {
  if (!(error instanceof TesseraError) || typeof error.details.field !== 'string') return error;
  const field = connectorField(error.details.field);
  const message = error.message.startsWith(`${error.details.field}:`)
    ? `${field}${error.message.slice(error.details.field.length)}`
    : error.message;
  return new TesseraError(error.code, message, { ...error.details, field }, { cause: error });
};

/** SKU → quantity, to compare a repeated order with the one already created. */
const itemCounts = (items: { sku: string; quantity: number }[]) => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.sku, (counts.get(item.sku) ?? 0) + item.quantity);
  return canonicalJson(Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b))));
};

const countsOf = (order: OrderWithTickets) =>
  itemCounts(order.tickets.flatMap((t) => t.licenses.map((l) => ({ sku: l.sku, quantity: 1 }))));

export interface ConnectorDeps {
  db: Kysely<Database>;
  clock: Clock;
  orders: OrdersService;
  authentication: Authentication;
}

/** The caller: a bearer token (already read by the authentication hook) or the access_token parameter. */
const connectorPrincipal = async (
  request: FastifyRequest,
  params: Params,
  authentication: Authentication,
): Promise<Principal> => {
  const parameterToken = params.access_token;
  let principal = request.headers.authorization !== undefined ? request.principal : undefined;
  if (request.headers.authorization === undefined && typeof parameterToken === 'string') {
    principal = await authentication.tokenPrincipal(parameterToken);
    if (!principal)
      throw new TesseraError('unauthenticated', 'The access_token is unknown, revoked or expired.');
  }
  if (principal?.via !== 'token') {
    throw new TesseraError(
      'unauthenticated',
      request.authProblem ??
        'The connector takes an API token with the connector scope: Authorization: Bearer <token>, or access_token=<token>.',
    );
  }
  requireScope(principal, 'connector');
  return principal;
};

/** A query parameter as the query parser gives it: text, or a list when it is repeated (which is refused). */
const parameter = z.union([z.string(), z.array(z.string())]);

const connectorParameters = z
  .object({
    orderid: parameter
      .optional()
      .describe('the order number in the shop or ERP (repeating it returns the same tickets)'),
    customerid: parameter.optional().describe("the customer group's externalId"),
    item_count: parameter.optional().describe('N: the number of items item1…itemN'),
    access_token: parameter
      .optional()
      .describe(
        'an API token with the connector scope, for systems that cannot send an Authorization header',
      ),
  })
  .catchall(parameter)
  .describe('itemN_id = SKU, itemN_quantity = quantity (default 1), for N = 1…item_count');

export const registerConnectorRoutes = (app: FastifyInstance, deps: ConnectorDeps): void => {
  const { db, clock, orders, authentication } = deps;

  app.register(async (scope) => {
    // Form posts are what the simplest shop systems send; parsed here only, for this route.
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 64 * 1024 },
      (_request, body, done) => {
        const params: Record<string, string | string[]> = {};
        for (const [name, value] of new URLSearchParams(String(body))) {
          const seen = params[name];
          params[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
        }
        done(null, params);
      },
    );

    scope.route({
      method: ['GET', 'POST'],
      url: '/connector/orders',
      schema: {
        tags: ['connector'],
        summary:
          'Order from a shop or ERP by URL; answers the ticket codes as text/plain (one per line) or JSON (Accept: application/json)',
        querystring: connectorParameters,
        response: { ...problemResponses(400, 401, 403, 409) },
      },
      handler: async (request, reply) => {
        const query = (request.query ?? {}) as Params;
        const body = (
          typeof request.body === 'object' && request.body !== null ? request.body : {}
        ) as Params;
        for (const name of Object.keys(body)) {
          if (name in query) throw bad(name, 'is given both in the URL and in the body');
        }
        const params: Params = { ...query, ...body };
        const principal = await connectorPrincipal(request, params, authentication);
        const caller: Caller = { principal, requestId: String(request.id) };
        const order = parseConnectorOrder(params);

        const group = await repo.findCustomerGroupByExternalId(db, order.customerId);
        if (!group || !canSeeGroup(principal, group))
          throw bad('customerid', `no customer ${order.customerId} is known to you`);
        const answer = (status: number, result: OrderWithTickets) => {
          reply.code(status);
          if ((request.headers.accept ?? '').includes('application/json')) return reply.send(result);
          return reply
            .type('text/plain; charset=utf-8')
            .send(`${result.tickets.map((t) => t.code).join('\n')}\n`);
        };
        const conflict = () =>
          new TesseraError(
            'external_order_id_reused',
            `orderid: order ${order.orderId} of customer ${order.customerId} already exists with other items.`,
            { field: 'orderid' },
          );

        const existing = await orders.findByExternalId(db, group.id, order.orderId);
        if (existing) {
          if (countsOf(existing) !== itemCounts(order.items)) throw conflict();
          return answer(200, existing);
        }
        try {
          const result = await withIdempotency(
            db,
            clock,
            {
              scope: `connector:${group.id}`,
              key: order.orderId,
              requestHash: requestHash(itemCounts(order.items)),
            },
            async (trx) => ({
              status: 201,
              body: await orders.createOrder(trx, caller, {
                customerGroupId: group.id,
                externalOrderId: order.orderId,
                items: order.items,
              }),
            }),
          );
          return answer(200, result.body as OrderWithTickets);
        } catch (error) {
          if (error instanceof TesseraError && error.code === 'idempotency_key_reused') throw conflict();
          throw renamed(error);
        }
      },
    });
  });
};
