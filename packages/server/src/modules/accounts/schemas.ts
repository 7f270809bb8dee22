// Request and response schemas of the accounts routes: the source of both validation and the OpenAPI
// document. Response objects list exactly the fields that leave the server; anything else on a record
// (group paths, password hashes, token hashes) is stripped when the response is encoded.

import { z } from 'zod';
import { MIN_PASSWORD_LENGTH } from '../../config.js';
import { paginationQuery } from '../../http/pagination.js';
import { SCOPES } from './policy.js';

export const idSchema = z.uuid();
export const idParams = z.object({ id: idSchema });
const timestamp = z.string().describe('ISO-8601 UTC instant');
const name = z.string().trim().min(1).max(200);
const email = z.email().max(254);
const newPassword = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters long`)
  .max(1024);
export const roleSchema = z.enum(['admin', 'member']);
export const scopeSchema = z.enum(SCOPES);

export const groupSchema = z
  .object({
    id: z.string(),
    parentId: z.string().nullable().describe('null for the root (vendor) group'),
    name: z.string(),
    kind: z.enum(['vendor', 'reseller', 'customer']),
    externalId: z
      .string()
      .nullable()
      .optional()
      .describe('the customer number an ERP or shop knows the group by (the connector’s customerid)'),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Group' });

export const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    status: z.enum(['active', 'disabled']),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'User' });

export const membershipSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    groupId: z.string(),
    role: roleSchema,
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Membership' });

export const invitationSchema = z
  .object({
    id: z.string(),
    groupId: z.string(),
    email: z.string(),
    role: roleSchema,
    status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
    invitedBy: z.string().nullable(),
    createdAt: timestamp,
    expiresAt: timestamp,
  })
  .meta({ id: 'Invitation' });

export const apiTokenSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    name: z.string(),
    prefix: z.string().describe('The first characters of the token, to tell tokens apart; not a secret.'),
    scopes: z.array(scopeSchema),
    createdAt: timestamp,
    expiresAt: timestamp.nullable(),
    lastUsedAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
  })
  .meta({ id: 'ApiToken' });

export const meSchema = z
  .object({
    user: userSchema.pick({ id: true, email: true, name: true }),
    via: z.enum(['session', 'token']),
    scopes: z.array(scopeSchema),
    isIsvAdmin: z.boolean(),
    memberships: z.array(z.object({ groupId: z.string(), groupName: z.string(), role: roleSchema })),
    csrfToken: z.string().nullable().describe('Send as x-csrf-token on cookie-authenticated writes.'),
  })
  .meta({ id: 'Me' });

// ——— requests ———

export const loginBody = z.object({
  email: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(1024),
});
export const loginResponse = z.object({
  user: userSchema,
  csrfToken: z.string(),
  expiresAt: timestamp.describe('The session ends at this instant at the latest (sooner when idle).'),
});
export const changePasswordBody = z.object({ currentPassword: z.string().min(1).max(1024), newPassword });

export const listGroupsQuery = paginationQuery.extend({ parentId: idSchema.optional() });
const externalId = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .describe('customer number in the ERP or shop; unique; set by admins of a group above (or ISV admins)');
export const createGroupBody = z.object({
  parentId: idSchema,
  name,
  kind: z.enum(['reseller', 'customer']).default('customer'),
  externalId: externalId.optional(),
});
export const patchGroupBody = z
  .object({ name: name.optional(), externalId: externalId.nullable().optional() })
  .refine((body) => body.name !== undefined || body.externalId !== undefined, {
    message: 'give name or externalId',
    path: ['name'],
  });

export const listUsersQuery = paginationQuery.extend({ groupId: idSchema.optional() });
export const patchUserBody = z.object({ name });

export const listMembershipsQuery = paginationQuery.extend({
  groupId: idSchema.optional(),
  userId: idSchema.optional(),
});
export const createMembershipBody = z.object({ groupId: idSchema, userId: idSchema, role: roleSchema });
export const patchMembershipBody = z.object({ role: roleSchema });

export const listInvitationsQuery = paginationQuery.extend({ groupId: idSchema.optional() });
export const createInvitationBody = z.object({ groupId: idSchema, email, role: roleSchema });
export const createInvitationResponse = z.object({
  invitation: invitationSchema,
  token: z.string().describe('The one-time secret of the link; shown only now.'),
  link: z.string().describe('Set-password link to hand to the invited person; shown only now.'),
});
export const acceptInvitationBody = z.object({
  token: z.string().min(1).max(200),
  password: newPassword,
  name: name.optional(),
});
export const acceptInvitationResponse = z.object({ user: userSchema, membership: membershipSchema });

export const listApiTokensQuery = paginationQuery.extend({
  userId: idSchema
    .optional()
    .describe("Another user's tokens (admins of that user only); default: your own."),
  includeRevoked: z.stringbool().default(false),
});
export const createApiTokenBody = z.object({
  name,
  scopes: z.array(scopeSchema).min(1),
  expiresAt: z.iso.datetime().optional(),
});
export const createApiTokenResponse = z.object({
  apiToken: apiTokenSchema,
  token: z.string().describe('The secret (tsr_…); shown only now. Send as Authorization: Bearer <token>.'),
});
