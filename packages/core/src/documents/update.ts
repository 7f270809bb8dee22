// The update: Central's signed programming for exactly one container serial and one firm item, as a chain
// of steps {fromFuc → toFuc, operations}. A multi-step update carries every step the container may still
// lack, so it does not matter which earlier update files were imported (catch-up, DESIGN.md §3 invariant 2).

import { z } from 'zod';
import type { KeyPair } from '../crypto/ed25519.js';
import { firmCodeSchema, instantSchema } from '../license/model.js';
import {
  armor,
  dearmor,
  declaredKey,
  type Envelope,
  envelopeSchema,
  openEnvelope,
  sealEnvelope,
} from './envelope.js';
import { keyChainSchema } from './firm-key.js';
import { serialSchema, ticketLicenseIdSchema } from './license.js';

export const operationSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('add_license'), license: envelopeSchema }).strict(),
  z
    .object({
      op: z.literal('replace_license'),
      ticketLicenseId: ticketLicenseIdSchema,
      license: envelopeSchema,
    })
    .strict(),
  z.object({ op: z.literal('remove_license'), ticketLicenseId: ticketLicenseIdSchema }).strict(),
  z.object({ op: z.literal('lock_firm_item'), reason: z.string().max(256) }).strict(),
  z.object({ op: z.literal('write_honeypot'), marker: z.string().min(1).max(256) }).strict(),
]);

export type Operation = z.infer<typeof operationSchema>;

export const stepSchema = z
  .object({
    fromFuc: z.number().int().min(0),
    toFuc: z.number().int().min(1),
    operations: z.array(operationSchema).min(1).max(10_000),
  })
  .strict()
  .refine((step) => step.toFuc === step.fromFuc + 1, { message: 'a step advances the FUC by exactly one' });

export type Step = z.infer<typeof stepSchema>;

export const updatePayloadSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal('update'),
    updateId: z.string().min(1).max(64),
    serial: serialSchema,
    firmCode: firmCodeSchema,
    /** Central's time when it issued the update: the container's source of trusted time */
    issuedAt: instantSchema,
    /** the nonce of the context this answers (null for push updates built without a fresh context) */
    nonce: z.string().max(64).nullable(),
    /** key rotations linking the container's pinned firm key to the key that signed this update */
    keyChain: keyChainSchema,
    steps: z.array(stepSchema).min(1).max(1_000),
  })
  .strict()
  .refine((u) => u.steps.every((step, i) => i === 0 || step.fromFuc === u.steps[i - 1]?.toFuc), {
    message: 'steps must follow each other without gaps',
    path: ['steps'],
  });

export type UpdatePayload = z.infer<typeof updatePayloadSchema>;

export const signUpdate = (payload: Omit<UpdatePayload, 'v' | 'kind'>, firmKey: KeyPair): string =>
  armor(
    sealEnvelope('update', updatePayloadSchema.parse({ v: 1, kind: 'update', ...payload }), firmKey, {
      includeKey: true,
    }),
  );

export interface OpenedUpdate {
  update: UpdatePayload;
  envelope: Envelope;
  /** the key that signed it; whether that key is trusted for the firm code is the reader's decision */
  signerKey: string;
}

/** Verifies the update against the key it declares. Trust in that key is checked by the container. */
export const openUpdate = (text: string): OpenedUpdate => {
  const envelope = dearmor(text, 'update');
  const signerKey = declaredKey(envelope);
  const update = openEnvelope(envelope, 'update', updatePayloadSchema, () => signerKey);
  return { update, envelope, signerKey };
};
