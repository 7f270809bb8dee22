// The context: a container's signed statement of what it holds, per firm item — its firm update counter
// (FUC), lock state and the digests of its licenses. It is the request for an activation and, taken right
// after an update was applied, the receipt that proves what arrived. Signed by the container's own key.

import { z } from 'zod';
import type { KeyPair } from '../crypto/ed25519.js';
import { TesseraError } from '../errors.js';
import { firmCodeSchema, instantSchema, productCodeSchema } from '../license/model.js';
import { armor, dearmor, declaredKey, type Envelope, openEnvelope, sealEnvelope } from './envelope.js';
import { serialSchema, ticketLicenseIdSchema } from './license.js';

export const containerTypeSchema = z.enum(['machine', 'portable', 'cloud']);
export type ContainerType = z.infer<typeof containerTypeSchema>;

export const licenseSummarySchema = z
  .object({
    ticketLicenseId: ticketLicenseIdSchema,
    generation: z.number().int().min(1),
    productCode: productCodeSchema,
    digest: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  })
  .strict();

export type LicenseSummary = z.infer<typeof licenseSummarySchema>;

/** A firm item as a context reports it — also the unit Central predicts after each update step. */
export const firmItemSnapshotSchema = z
  .object({
    firmCode: firmCodeSchema,
    fuc: z.number().int().min(0),
    locked: z.boolean(),
    honeypot: z.boolean(),
    licenses: z.array(licenseSummarySchema).max(10_000),
  })
  .strict();

export type FirmItemSnapshot = z.infer<typeof firmItemSnapshotSchema>;

export const contextPayloadSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal('context'),
    serial: serialSchema,
    containerType: containerTypeSchema,
    containerKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    nonce: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
    /** the container's local time when it wrote this — informative only; Central never trusts it */
    createdAt: instantSchema,
    /** `all`: every firm item of the container is listed (a missing one does not exist, FUC 0); `selected`: only the listed ones */
    scope: z.enum(['all', 'selected']),
    firmItems: z.array(firmItemSnapshotSchema).max(1_000),
    /** set when this context is a receipt taken right after importing that update */
    receiptFor: z.string().max(64).nullable(),
  })
  .strict()
  .refine((c) => new Set(c.firmItems.map((f) => f.firmCode)).size === c.firmItems.length, {
    message: 'a firm code appears twice',
    path: ['firmItems'],
  });

export type ContextPayload = z.infer<typeof contextPayloadSchema>;

export const signContext = (payload: Omit<ContextPayload, 'v' | 'kind'>, containerKey: KeyPair): string =>
  armor(
    sealEnvelope('context', contextPayloadSchema.parse({ v: 1, kind: 'context', ...payload }), containerKey, {
      includeKey: true,
    }),
  );

export interface OpenedContext {
  context: ContextPayload;
  envelope: Envelope;
}

/**
 * Verifies a context against the key it declares, then checks that the payload names the same key.
 * Whether that key is the one pinned for the serial is the reader's decision (Central pins on first sight).
 */
export const openContext = (text: string): OpenedContext => {
  const envelope = dearmor(text, 'context');
  const context = openEnvelope(envelope, 'context', contextPayloadSchema, declaredKey);
  if (context.containerKey !== envelope.key) {
    throw new TesseraError(
      'signature_invalid',
      'the context is signed by a key other than the container key it names',
    );
  }
  return { context, envelope };
};

/** The snapshot of one firm item in a context, or the empty item when the context proves it is absent. */
export const firmItemInContext = (
  context: ContextPayload,
  firmCode: number,
): FirmItemSnapshot | undefined => {
  const found = context.firmItems.find((item) => item.firmCode === firmCode);
  if (found) return found;
  if (context.scope === 'all') return { firmCode, fuc: 0, locked: false, honeypot: false, licenses: [] };
  return undefined;
};
