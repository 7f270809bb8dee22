// Request and response schemas of the catalog routes (firm codes, products, settings): the source of both
// validation and the OpenAPI document. License options are checked with core's own rules, so a product can
// never hold defaults that would produce an unsignable license.

import { firmCodeSchema, moduleItemSchema, productCodeSchema } from '@tessera/core';
import { z } from 'zod';
import { paginationQuery } from '../../http/pagination.js';
import { idSchema } from '../accounts/schemas.js';
import { licenseTemplateSchema, ORDER_OPTION_NAMES } from './license-template.js';

const timestamp = z.string().describe('ISO-8601 UTC instant');
const name = z.string().trim().min(1).max(200);

export const CONTAINER_TYPES = ['machine', 'portable', 'cloud'] as const;
export const REACTIVATION_BEHAVIOURS = ['withdraw', 'blacklist'] as const;
/** A generous bound on self-service reactivations and on waiting periods (10 years). */
export const MAX_REACTIVATIONS = 1000;
export const MAX_WAIT_SECONDS = 10 * 366 * 86_400;

/** Path parameter: a firm code number. */
export const firmCodeParams = z.object({ firmCode: z.coerce.number().pipe(firmCodeSchema) });
export const productIdParams = z.object({ id: idSchema });

const distinct = <T>(values: readonly T[]) => new Set(values).size === values.length;

// ——— firm codes ———

export const firmKeySchema = z
  .object({
    keyId: z.string(),
    publicKey: z.string().describe('base64url of the 32-byte Ed25519 public key'),
    status: z
      .enum(['active', 'retired'])
      .describe('retired keys still verify licenses; only the active key signs'),
    previousKeyId: z.string().nullable().describe('the key that signed this key’s rotation'),
    createdAt: timestamp,
    retiredAt: timestamp.nullable(),
  })
  .meta({ id: 'FirmKey' });

export const firmCodeSchemaOut = z
  .object({
    id: z.string(),
    firmCode: z.number().int(),
    name: z.string(),
    activeKeyId: z.string(),
    keys: z.array(firmKeySchema).describe('every key of the firm code, oldest first'),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'FirmCode' });

export const createFirmCodeBody = z.object({
  firmCode: firmCodeSchema.describe('the firm code number, 1–4294967295; unique'),
  name,
});

export const listFirmCodesQuery = paginationQuery;

export const publicKeyQuery = z.object({
  keyId: z.string().max(64).optional().describe('a retired key instead of the active one'),
});

// ——— products ———

/** Option values given as a partial template; missing names take core's defaults (or, on PATCH, the current values). */
export const licenseTemplateInput = licenseTemplateSchema
  .partial()
  .describe('License options (LicenseOptions plus expirationDays); names left out keep their defaults');

export const policiesSchema = z
  .object({
    deactivationAllowed: z.boolean().nullable().describe('null = the global default'),
    reactivationsAllowed: z
      .number()
      .int()
      .min(0)
      .max(MAX_REACTIVATIONS)
      .nullable()
      .describe('self-service reactivations per license; 0 = none; null = the global default'),
    reactivationMinWaitSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_WAIT_SECONDS)
      .nullable()
      .describe('minimum time between two self-service reactivations; null = the global default'),
    reactivationBehaviour: z
      .enum(REACTIVATION_BEHAVIOURS)
      .nullable()
      .describe('what the lost container gets at its next contact; null = the global default'),
    keepTicketComplete: z
      .boolean()
      .describe('all licenses of a ticket go into one container and move together'),
  })
  .meta({ id: 'ProductPolicies' });

const containerTypes = z
  .array(z.enum(CONTAINER_TYPES))
  .min(1)
  .refine(distinct, 'must not repeat a container type');
const orderOptions = z
  .array(z.enum(ORDER_OPTION_NAMES))
  .max(ORDER_OPTION_NAMES.length)
  .refine(distinct, 'must not repeat an option name');
const modules = z
  .array(moduleItemSchema)
  .max(256)
  .refine(
    (items) => distinct(items.map((m) => m.productCode)),
    'module items must have distinct product codes',
  );
const sku = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
  .describe('item id / SKU as the ERP or shop knows it; unique');

export const productSchema = z
  .object({
    id: z.string(),
    sku: z.string(),
    name: z.string(),
    description: z.string(),
    firmCode: z.number().int(),
    productCode: z.number().int(),
    containerTypes: z.array(z.enum(CONTAINER_TYPES)),
    defaultOptions: licenseTemplateSchema,
    orderOptions: z.array(z.enum(ORDER_OPTION_NAMES)),
    modules: z.array(moduleItemSchema),
    policies: policiesSchema,
    archivedAt: timestamp
      .nullable()
      .describe('archived products cannot be ordered; their licenses are unaffected'),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Product' });

export const createProductBody = z.object({
  sku,
  name,
  description: z.string().max(4000).default(''),
  firmCode: firmCodeSchema,
  productCode: productCodeSchema,
  containerTypes,
  defaultOptions: licenseTemplateInput.default({}),
  orderOptions: orderOptions.default([]),
  modules: modules.default([]),
  policies: policiesSchema.partial().default({}),
});

export const patchProductBody = z
  .object({
    sku,
    name,
    description: z.string().max(4000),
    productCode: productCodeSchema,
    containerTypes,
    defaultOptions: licenseTemplateInput.describe(
      'merged over the current options: the names given replace theirs',
    ),
    orderOptions,
    modules,
    policies: policiesSchema.partial(),
  })
  .partial();

export const listProductsQuery = paginationQuery.extend({
  firmCode: z.coerce.number().pipe(firmCodeSchema).optional(),
  q: z.string().trim().min(1).max(100).optional().describe('part of the SKU or name (case-insensitive)'),
  includeArchived: z.stringbool().default(false),
});

// ——— settings ———

export const defaultPoliciesSchema = z
  .object({
    deactivationAllowed: z.boolean(),
    reactivationsAllowed: z.number().int().min(0).max(MAX_REACTIVATIONS),
    reactivationMinWaitSeconds: z.number().int().min(0).max(MAX_WAIT_SECONDS),
    reactivationBehaviour: z.enum(REACTIVATION_BEHAVIOURS),
  })
  .meta({ id: 'DefaultPolicies' });

export const settingsSchema = z
  .object({
    defaultPolicies: defaultPoliciesSchema,
    honeypotProductCode: productCodeSchema
      .nullable()
      .describe('product code of the honey-pot item a blacklisted container receives; null = none'),
    updatedAt: timestamp.nullable().describe('null while every setting still has its default'),
  })
  .meta({ id: 'Settings' });

export const patchSettingsBody = z.object({
  defaultPolicies: defaultPoliciesSchema.partial().optional(),
  honeypotProductCode: productCodeSchema.nullable().optional(),
});
