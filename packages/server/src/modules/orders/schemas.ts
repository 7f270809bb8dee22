// Request and response schemas of the orders and tickets routes: the source of both validation and the
// OpenAPI document.

import { z } from 'zod';
import { paginationQuery } from '../../http/pagination.js';
import { idSchema } from '../accounts/schemas.js';
import { licenseTemplateSchema } from '../catalog/license-template.js';

const timestamp = z.string().describe('ISO-8601 UTC instant');
const LICENSE_STATES = [
  'available',
  'collected',
  'confirmed',
  'returning',
  'returned',
  'withdrawn',
  'revoked',
  'replaced',
] as const;
export const licenseStateSchema = z.enum(LICENSE_STATES);

export const MAX_BATCH_ORDERS = 1000;

const orderItem = z
  .object({
    sku: z.string().trim().min(1).max(100).optional(),
    productId: idSchema.optional(),
    quantity: z.number().int().min(1).max(1000),
    options: licenseTemplateSchema
      .partial()
      .optional()
      .describe("option values for this order; only the names the product's orderOptions allow"),
  })
  .refine((item) => (item.sku === undefined) !== (item.productId === undefined), {
    message: 'give either sku or productId',
    path: ['sku'],
  });

export const orderBody = z
  .object({
    customerGroupId: idSchema.optional(),
    customerExternalId: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe('the customer number the ERP knows the group by (its externalId)'),
    externalOrderId: z.string().trim().min(1).max(200).optional(),
    data: z
      .record(z.string().min(1).max(100), z.string().max(2000))
      .refine((data) => Object.keys(data).length <= 50, 'at most 50 fields')
      .optional()
      .describe('free data fields, kept with the order'),
    items: z.array(orderItem).min(1).max(100),
    ticketPerLicense: z
      .boolean()
      .default(true)
      .describe(
        'true: one ticket per license (best practice); false: all licenses of the order in one ticket',
      ),
    allocation: z
      .object({
        userId: idSchema.optional().describe('a member of the customer group the tickets are allocated to'),
        visibleToMembers: z
          .boolean()
          .optional()
          .describe(
            'whether every member of the group sees the tickets; default: true without userId, false with',
          ),
      })
      .optional(),
    containerSerial: z
      .string()
      .regex(/^(130|3|128)-[1-9][0-9]{0,11}$/, 'must be <mask>-<number> with mask 130, 3 or 128')
      .optional()
      .describe("pre-assign the order's licenses to this container; they arrive at its next contact"),
    containerKey: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/, 'must be the container’s Ed25519 public key (43 base64url characters)')
      .optional()
      .describe(
        'the public key of containerSerial (from its context); when given, only that container can collect the pre-assigned licenses',
      ),
  })
  .refine((order) => order.containerKey === undefined || order.containerSerial !== undefined, {
    message: 'containerKey needs containerSerial',
    path: ['containerKey'],
  })
  .refine((order) => (order.customerGroupId === undefined) !== (order.customerExternalId === undefined), {
    message: 'give either customerGroupId or customerExternalId',
    path: ['customerGroupId'],
  });

export const batchBody = z.object({ orders: z.array(orderBody).min(1).max(MAX_BATCH_ORDERS) });

export const orderSchema = z
  .object({
    id: z.string(),
    customerGroupId: z.string(),
    externalOrderId: z.string().nullable(),
    data: z.record(z.string(), z.string()),
    containerSerial: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: timestamp,
  })
  .meta({ id: 'Order' });

export const ticketSummarySchema = z
  .object({
    code: z.string().describe('XXXXX-XXXXX-XXXXX-XXXXX-XXXXX'),
    licenses: z.array(
      z.object({ id: z.string(), sku: z.string(), productCode: z.number().int(), state: licenseStateSchema }),
    ),
  })
  .meta({ id: 'TicketSummary' });

export const orderWithTicketsSchema = z
  .object({ order: orderSchema, tickets: z.array(ticketSummarySchema) })
  .meta({ id: 'OrderWithTickets' });

export const batchResponse = z.object({ results: z.array(orderWithTicketsSchema) });

export const listOrdersQuery = paginationQuery.extend({
  customerGroupId: idSchema.optional(),
  externalOrderId: z.string().max(200).optional(),
  createdFrom: z.iso.datetime().optional().describe('inclusive'),
  createdTo: z.iso.datetime().optional().describe('exclusive'),
});

export const ticketSchema = z
  .object({
    id: z.string(),
    code: z.string().describe('XXXXX-XXXXX-XXXXX-XXXXX-XXXXX'),
    status: z
      .enum([...LICENSE_STATES, 'mixed'])
      .describe('the state its licenses share (replaced generations aside), or mixed'),
    order: z.object({ id: z.string(), externalOrderId: z.string().nullable(), createdAt: timestamp }),
    allocation: z.object({
      groupId: z.string(),
      groupName: z.string(),
      userId: z.string().nullable(),
      visibleToMembers: z.boolean(),
    }),
    createdAt: timestamp,
    licenses: z.array(
      z.object({
        id: z.string().describe('the ticket-license id written into every generation of the license'),
        sku: z.string(),
        productName: z.string(),
        productCode: z.number().int(),
        state: licenseStateSchema,
        generation: z.number().int(),
        containerSerial: z.string().nullable(),
        preAssignedSerial: z.string().nullable(),
        createdAt: timestamp,
        activatedAt: timestamp.nullable(),
      }),
    ),
  })
  .meta({ id: 'Ticket' });

export const ticketCodeParams = z.object({ code: z.string().max(100) });

export const listTicketsQuery = paginationQuery.extend({
  groupId: idSchema.optional(),
  orderId: idSchema.optional(),
  state: licenseStateSchema.optional().describe('tickets with at least one license in this state'),
  q: z.string().max(60).optional().describe('the start of the ticket code'),
});

export const patchTicketBody = z.object({
  userId: idSchema
    .nullable()
    .optional()
    .describe('allocate to this member of the group; null = back to the group'),
  visibleToMembers: z.boolean().optional(),
});
