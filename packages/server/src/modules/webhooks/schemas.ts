// Request and response schemas of the webhook routes. A subscription never carries its secret; only the
// create and rotate-secret responses hold the new one, once.

import { z } from 'zod';
import { paginationQuery } from '../../http/pagination.js';
import { EVENT_TYPES } from '../events/service.js';
import { DEFAULT_GRACE_SECONDS, MAX_GRACE_SECONDS } from './service.js';

const timestamp = z.string().describe('ISO-8601 UTC instant');

export const idParams = z.object({ id: z.uuid() });

export const eventTypeSchema = z.enum(EVENT_TYPES);

const url = z
  .string()
  .trim()
  .min(1)
  .max(2048)
  .describe('https:// URL (plain http:// only for loopback or private-network hosts)');
const events = z
  .array(eventTypeSchema)
  .min(1)
  .max(EVENT_TYPES.length * 2)
  .describe('Event types to receive');
const description = z.string().trim().max(500);

export const webhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string(),
    events: z.array(z.string()),
    active: z.boolean().describe('false = paused: deliveries wait in the queue'),
    createdBy: z.string().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
    previousSecretExpiresAt: timestamp
      .nullable()
      .describe('After a rotation: until when deliveries are also signed with the previous secret'),
  })
  .meta({ id: 'Webhook' });

export const webhookWithSecretSchema = z.object({
  webhook: webhookSchema,
  secret: z
    .string()
    .describe('The signing secret (whsec_…); shown only now. Verify Tessera-Signature with it.'),
});

export const deliverySchema = z
  .object({
    id: z.string(),
    webhookId: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    lastAttemptAt: timestamp.nullable(),
    lastStatus: z.number().int().nullable().describe('HTTP status of the last attempt; null = no answer'),
    lastError: z.string().nullable().describe('Why the last attempt failed (truncated)'),
    nextAttemptAt: timestamp.nullable().describe('When the next attempt is due (pending only)'),
    deliveredAt: timestamp.nullable(),
    createdAt: timestamp,
  })
  .meta({ id: 'WebhookDelivery' });

export const createWebhookBody = z.object({ url, events, description: description.default('') });

export const patchWebhookBody = z
  .object({
    url: url.optional(),
    events: events.optional(),
    active: z.boolean().optional(),
    description: description.optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: 'name at least one of url, events, active, description',
  });

export const rotateSecretBody = z
  .object({
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_GRACE_SECONDS)
      .optional()
      .describe(
        `How long the old secret keeps signing, 0–${MAX_GRACE_SECONDS} s (default ${DEFAULT_GRACE_SECONDS} = 24 h)`,
      ),
  })
  .nullish()
  .describe('Optional; no body = the default grace period');

export const listDeliveriesQuery = paginationQuery.extend({
  status: z.enum(['pending', 'delivered', 'failed']).optional(),
});
