// A signed license: one product item (with its module items) issued by a firm key for exactly one container
// serial and one generation of one ticket license. The container keeps it as signed; the SDK re-verifies it
// against the vendor's embedded public key, so a license copied into another container is worthless.

import { z } from 'zod';
import type { KeyPair } from '../crypto/ed25519.js';
import {
  firmCodeSchema,
  instantSchema,
  licenseOptionsSchema,
  moduleItemSchema,
  productCodeSchema,
} from '../license/model.js';
import { type Envelope, type KeyResolver, openEnvelope, payloadDigest, sealEnvelope } from './envelope.js';

export const ticketLicenseIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/);

export const serialSchema = z
  .string()
  .max(32)
  .regex(/^[1-9][0-9]{0,3}-[1-9][0-9]{0,11}$/, 'must look like <mask>-<number>');

export const licensePayloadSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal('license'),
    serial: serialSchema,
    firmCode: firmCodeSchema,
    productCode: productCodeSchema,
    ticketLicenseId: ticketLicenseIdSchema,
    generation: z.number().int().min(1).max(1_000_000),
    issuedAt: instantSchema,
    options: licenseOptionsSchema,
    modules: z.array(moduleItemSchema).max(256),
  })
  .strict()
  .refine((license) => new Set(license.modules.map((m) => m.productCode)).size === license.modules.length, {
    message: 'module items must have distinct product codes',
    path: ['modules'],
  });

export type LicensePayload = z.infer<typeof licensePayloadSchema>;
export type LicenseContent = Omit<LicensePayload, 'v' | 'kind'>;

export interface SignedLicense {
  envelope: Envelope;
  license: LicensePayload;
  /** base64url SHA-256 of the signed payload — how contexts name this exact license */
  digest: string;
}

export const signLicense = (content: LicenseContent, firmKey: KeyPair): SignedLicense => {
  const license = licensePayloadSchema.parse({ v: 1, kind: 'license', ...content });
  const envelope = sealEnvelope('license', license, firmKey);
  return { envelope, license, digest: payloadDigest(envelope) };
};

export const openLicense = (envelope: Envelope, resolveKey: KeyResolver): SignedLicense => {
  const license = openEnvelope(envelope, 'license', licensePayloadSchema, resolveKey);
  return { envelope, license, digest: payloadDigest(envelope) };
};
