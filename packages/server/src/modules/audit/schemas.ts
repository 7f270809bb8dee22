// Schemas of the audit log API.

import { z } from 'zod';
import { paginationQuery } from '../../http/pagination.js';

export const auditEventSchema = z
  .object({
    id: z.string(),
    at: z.string().describe('ISO-8601 UTC instant'),
    actorUserId: z.string().nullable().describe('null for the system (bootstrap, background jobs)'),
    actorTokenId: z.string().nullable().describe('set when the actor used an API token'),
    action: z.string().describe('e.g. group.created, api_token.revoked'),
    subjectType: z.string(),
    subjectId: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
    requestId: z.string().nullable(),
  })
  .meta({ id: 'AuditEvent' });

export const listAuditEventsQuery = paginationQuery.extend({
  subjectType: z.string().min(1).max(100).optional(),
  subjectId: z.string().min(1).max(100).optional(),
  actor: z.uuid().optional().describe('User id of the actor'),
  action: z.string().min(1).max(100).optional(),
  from: z.iso.datetime().optional().describe('Events at or after this instant'),
  to: z.iso.datetime().optional().describe('Events before this instant'),
});
