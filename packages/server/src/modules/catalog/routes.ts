// HTTP routes of the catalog under /api/v1: firm codes (with the public key download and key rotation),
// products and settings. ISV admins only; the service decides, the routes validate and map.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/schema.js';
import { inTransaction } from '../../db/transaction.js';
import { callerOf, requireAuth } from '../../http/authenticate.js';
import { problemResponses } from '../../http/openapi.js';
import { pageRequest, pageSchema } from '../../http/pagination.js';
import * as s from './schemas.js';
import type { CatalogService } from './service.js';

export interface CatalogRoutesDeps {
  db: Kysely<Database>;
  catalog: CatalogService;
}

export const registerCatalogRoutes = (app: FastifyInstance, deps: CatalogRoutesDeps): void => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { db, catalog } = deps;

  // ——— firm codes ———

  api.get(
    '/firm-codes',
    {
      onRequest: requireAuth('read'),
      schema: {
        tags: ['catalog'],
        summary: 'Firm codes with their keys',
        querystring: s.listFirmCodesQuery,
        response: { 200: pageSchema(s.firmCodeSchemaOut), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => catalog.listFirmCodes(db, callerOf(request), pageRequest(request.query)),
  );

  api.post(
    '/firm-codes',
    {
      onRequest: requireAuth('admin'),
      schema: {
        tags: ['catalog'],
        summary:
          'Create a firm code with a new Ed25519 key pair (the private key is sealed under the master key)',
        body: s.createFirmCodeBody,
        response: { 201: s.firmCodeSchemaOut, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const created = await inTransaction(db, (trx) =>
        catalog.createFirmCode(trx, callerOf(request), request.body),
      );
      return reply.code(201).send(created);
    },
  );

  api.get(
    '/firm-codes/:firmCode',
    {
      onRequest: requireAuth('read'),
      schema: {
        tags: ['catalog'],
        summary: 'One firm code with its keys',
        params: s.firmCodeParams,
        response: { 200: s.firmCodeSchemaOut, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => catalog.getFirmCode(db, callerOf(request), request.params.firmCode),
  );

  api.get(
    '/firm-codes/:firmCode/public-key',
    {
      onRequest: requireAuth('read'),
      schema: {
        tags: ['catalog'],
        summary: 'Download the public key file (.pub) the vendor embeds in its software',
        params: s.firmCodeParams,
        querystring: s.publicKeyQuery,
        response: {
          200: z.string().describe('a tessera-firm-public-key JSON document'),
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const file = await catalog.publicKeyFile(
        db,
        callerOf(request),
        request.params.firmCode,
        request.query.keyId,
      );
      return reply
        .type('application/json')
        .header('content-disposition', `attachment; filename="${file.fileName}"`)
        .send(file.content);
    },
  );

  api.post(
    '/firm-codes/:firmCode/rotate-key',
    {
      onRequest: requireAuth('admin'),
      schema: {
        tags: ['catalog'],
        summary:
          'Rotate the firm key: a new key, signed by the old one, which is retired (still verifies, never signs)',
        params: s.firmCodeParams,
        response: { 200: s.firmCodeSchemaOut, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      inTransaction(db, (trx) => catalog.rotateFirmKey(trx, callerOf(request), request.params.firmCode)),
  );

  // ——— products ———

  api.get(
    '/products',
    {
      onRequest: requireAuth('read'),
      schema: {
        tags: ['catalog'],
        summary: 'Products (filter by firm code, search SKU or name; archived ones only on request)',
        querystring: s.listProductsQuery,
        response: { 200: pageSchema(s.productSchema), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) =>
      catalog.listProducts(
        db,
        callerOf(request),
        {
          firmCode: request.query.firmCode,
          q: request.query.q,
          includeArchived: request.query.includeArchived,
        },
        pageRequest(request.query),
      ),
  );

  api.post(
    '/products',
    {
      onRequest: requireAuth('admin'),
      schema: {
        tags: ['catalog'],
        summary: 'Create a product',
        body: s.createProductBody,
        response: { 201: s.productSchema, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const product = await inTransaction(db, (trx) =>
        catalog.createProduct(trx, callerOf(request), request.body),
      );
      return reply.code(201).send(product);
    },
  );

  api.get(
    '/products/:id',
    {
      onRequest: requireAuth('read'),
      schema: {
        tags: ['catalog'],
        summary: 'One product',
        params: s.productIdParams,
        response: { 200: s.productSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => catalog.getProduct(db, callerOf(request), request.params.id),
  );

  api.patch(
    '/products/:id',
    {
      onRequest: requireAuth('admin'),
      schema: {
        tags: ['catalog'],
        summary: 'Change a product (existing licenses keep their options)',
        params: s.productIdParams,
        body: s.patchProductBody,
        response: { 200: s.productSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      inTransaction(db, (trx) =>
        catalog.patchProduct(trx, callerOf(request), request.params.id, request.body),
      ),
  );

  for (const [action, archived, summary] of [
    ['archive', true, 'Archive a product: it can no longer be ordered; existing licenses are unaffected'],
    ['unarchive', false, 'Make an archived product orderable again'],
  ] as const) {
    api.post(
      `/products/:id/${action}`,
      {
        onRequest: requireAuth('admin'),
        schema: {
          tags: ['catalog'],
          summary,
          params: s.productIdParams,
          response: { 200: s.productSchema, ...problemResponses(400, 401, 403, 404) },
        },
      },
      async (request) =>
        inTransaction(db, (trx) => catalog.setArchived(trx, callerOf(request), request.params.id, archived)),
    );
  }

  // ——— settings ———

  api.get(
    '/settings',
    {
      onRequest: requireAuth('read'),
      schema: {
        tags: ['catalog'],
        summary: 'Global settings: default policies and the honey-pot product code',
        response: { 200: s.settingsSchema, ...problemResponses(401, 403) },
      },
    },
    async (request) => catalog.getSettings(db, callerOf(request)),
  );

  api.patch(
    '/settings',
    {
      onRequest: requireAuth('admin'),
      schema: {
        tags: ['catalog'],
        summary: 'Change global settings (the names given replace theirs)',
        body: s.patchSettingsBody,
        response: { 200: s.settingsSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) =>
      inTransaction(db, (trx) => catalog.patchSettings(trx, callerOf(request), request.body)),
  );
};
