// Request and response schemas of the container registry routes.

import { z } from 'zod';
import { paginationQuery } from '../../http/pagination.js';
import { issuedUpdateSchema, licenseViewSchema } from '../activation/schemas.js';

export const serialParams = z.object({
  serial: z
    .string()
    .trim()
    .regex(/^[1-9][0-9]{0,3}-[1-9][0-9]{0,11}$/, 'must be a container serial like 130-123456789'),
});

export const containerSchema = z
  .object({
    id: z.string(),
    serial: z.string(),
    type: z.enum(['machine', 'portable', 'cloud']),
    status: z.enum(['ok', 'manipulation_detected', 'blacklisted', 'recycled']),
    statusReason: z.string().nullable(),
    statusChangedAt: z.string().nullable(),
    groupId: z.string().nullable(),
    createdAt: z.string(),
    lastContactAt: z.string().nullable(),
  })
  .meta({ id: 'Container' });

export const containerDetailSchema = z
  .object({
    container: containerSchema,
    firmItems: z.array(
      z.object({
        firmCode: z.number().int(),
        issuedFuc: z.number().int().describe('the highest FUC Central issued'),
        confirmedFuc: z.number().int().describe('the highest FUC a context or receipt proved'),
        reportedFuc: z.number().int().nullable(),
        reportedAt: z.string().nullable(),
        locked: z.boolean(),
        licenses: z
          .array(
            z.object({
              ticketLicenseId: z.string(),
              generation: z.number().int(),
              productCode: z.number().int(),
            }),
          )
          .describe('what the container holds once every issued step is applied'),
      }),
    ),
    licenses: z.array(licenseViewSchema),
  })
  .meta({ id: 'ContainerDetail' });

export const listContainersQuery = paginationQuery.extend({
  status: z.enum(['ok', 'manipulation_detected', 'blacklisted', 'recycled']).optional(),
  serial: z.string().trim().max(32).optional().describe('serial prefix'),
  groupId: z.uuid().optional(),
});

export const blacklistBody = z.object({ reason: z.string().trim().min(1).max(500) });

export const resolveBody = z.object({
  decision: z
    .enum(['accept', 'blacklist'])
    .describe(
      'accept: Central re-bases on what the container reports; blacklist: the same, then lock it at its next contact',
    ),
  note: z.string().trim().max(500).optional(),
});

export const pushUpdateBody = z.object({ firmCode: z.number().int().min(1).max(0xffff_ffff).optional() });

export const pushUpdateResponse = z.object({ serial: z.string(), updates: z.array(issuedUpdateSchema) });

export const restoreBody = z.object({
  context: z
    .string()
    .min(1)
    .max(4 * 1024 * 1024)
    .describe('context of the new container'),
});
