// Request and response schemas of the activation gateway and the license lifecycle routes. Gateway bodies
// carry the protocol documents as text — the very files of the file-based flow.

import { z } from 'zod';
import { problemSchema } from '../../http/problem.js';
import { licenseTemplateSchema } from '../catalog/license-template.js';

const document = (what: string) =>
  z
    .string()
    .min(1)
    .max(4 * 1024 * 1024)
    .describe(`the ${what} file's text (armored, as written by \`tessera context\`)`);

const channel = z
  .enum(['online', 'file', 'portal'])
  .default('online')
  .describe('how the documents travel (recorded in the license history; informative)');

export const ticketCode = z.string().trim().min(1).max(64).describe('ticket code, with or without dashes');

export const activateBody = z.object({
  ticket: ticketCode,
  context: document('context'),
  licenses: z
    .array(z.uuid())
    .min(1)
    .max(1000)
    .optional()
    .describe('only these licenses of the ticket (default: all available)'),
  channel,
});

export const deactivateBody = activateBody;

export const receiptBody = z.object({
  receipt: document('receipt (a context taken after the import)'),
  channel,
});

export const updatesBody = z.object({ context: document('context'), channel });

export const reactivateBody = z.object({
  context: document('context of the new container'),
  lostSerial: z
    .string()
    .trim()
    .regex(/^[1-9][0-9]{0,3}-[1-9][0-9]{0,11}$/, 'must be a container serial like 130-123456789'),
  channel,
});

export const ticketParams = z.object({ code: ticketCode });
export const licenseParams = z.object({ id: z.uuid() });

export const replaceBody = z.object({
  sku: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .describe('another product for the replacement (default: the same)'),
  options: licenseTemplateSchema.partial().optional().describe('new option values'),
});

export const licenseViewSchema = z
  .object({
    id: z.string(),
    productCode: z.number().int(),
    firmCode: z.number().int(),
    generation: z.number().int(),
    state: z.enum([
      'available',
      'collected',
      'confirmed',
      'returning',
      'returned',
      'withdrawn',
      'revoked',
      'replaced',
    ]),
  })
  .meta({ id: 'LicenseState' });

export const issuedUpdateSchema = z
  .object({
    firmCode: z.number().int(),
    updateId: z.string(),
    update: z.string().describe('the update file’s text'),
  })
  .meta({ id: 'IssuedUpdate' });

export const gatewayResponse = z
  .object({
    serial: z.string(),
    update: z
      .string()
      .nullable()
      .describe('the first (usually only) update; null when there is nothing to import'),
    updates: z.array(issuedUpdateSchema).describe('one update per firm code, to import in order'),
    licenses: z.array(licenseViewSchema),
  })
  .meta({ id: 'GatewayResult' });

export const replaceResponse = z.object({ replaced: licenseViewSchema, replacement: licenseViewSchema });

/** A refusal that still carries updates: a blacklisted container gets the update that locks it. */
export const refusalWithUpdatesSchema = problemSchema
  .extend({
    updates: z
      .array(issuedUpdateSchema)
      .optional()
      .describe('updates to import even though the request was refused'),
  })
  .meta({ id: 'ProblemWithUpdates' });
