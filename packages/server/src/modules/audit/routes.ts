// GET /api/v1/audit-events: the audit log for admins, newest first, filtered and cursor-paginated.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { callerOf, requireAuth } from '../../http/authenticate.js';
import { problemResponses } from '../../http/openapi.js';
import { pageRequest, pageSchema } from '../../http/pagination.js';
import { auditEventSchema, listAuditEventsQuery } from './schemas.js';
import type { AuditLog } from './service.js';

const iso = (value: string | undefined) => (value === undefined ? undefined : new Date(value).toISOString());

export const registerAuditRoutes = (
  app: FastifyInstance,
  deps: { db: Kysely<Database>; audit: AuditLog },
): void => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/audit-events',
    {
      onRequest: requireAuth('admin'),
      schema: {
        tags: ['audit'],
        summary: 'Audit log (ISV admins: everything; group admins: events about groups they administer)',
        querystring: listAuditEventsQuery,
        response: { 200: pageSchema(auditEventSchema), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { query } = request;
      return deps.audit.list(
        deps.db,
        callerOf(request).principal,
        {
          subjectType: query.subjectType,
          subjectId: query.subjectId,
          actorUserId: query.actor,
          action: query.action,
          from: iso(query.from),
          to: iso(query.to),
        },
        pageRequest(query),
      );
    },
  );
};
