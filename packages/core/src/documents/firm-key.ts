// Firm key rotation: a firm code's current key signs its successor. A container (or the vendor's software)
// that trusts the old key thereby learns to trust the new one, and licenses signed by either keep verifying.

import { z } from 'zod';
import { type KeyPair, keyIdOf } from '../crypto/ed25519.js';
import { TesseraError } from '../errors.js';
import { firmCodeSchema, instantSchema } from '../license/model.js';
import { type Envelope, envelopeSchema, openEnvelope, sealEnvelope } from './envelope.js';

export const keyRotationPayloadSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal('firm_key_rotation'),
    firmCode: firmCodeSchema,
    previousKeyId: z.string().length(22),
    nextKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    issuedAt: instantSchema,
  })
  .strict();

export type KeyRotation = z.infer<typeof keyRotationPayloadSchema>;

export const keyChainSchema = z.array(envelopeSchema).max(64);

export const signKeyRotation = (
  firmCode: number,
  previous: KeyPair,
  nextPublicKey: string,
  issuedAt: string,
): Envelope =>
  sealEnvelope(
    'firm_key_rotation',
    keyRotationPayloadSchema.parse({
      v: 1,
      kind: 'firm_key_rotation',
      firmCode,
      previousKeyId: keyIdOf(previous.publicKey),
      nextKey: nextPublicKey,
      issuedAt,
    }),
    previous,
    // The previous key travels along so a reader that knows only the successor can still check the link.
    { includeKey: true },
  );

/** A firm code's trusted public keys, by key id. */
export type TrustedKeys = ReadonlyMap<string, string>;

export const trustedKeysOf = (publicKeys: readonly string[]): Map<string, string> =>
  new Map(publicKeys.map((key) => [keyIdOf(key), key]));

/**
 * Extends a set of trusted keys with every successor a trusted key signed, in any order. Rotations signed by
 * unknown keys or for another firm code are ignored — they add no trust.
 */
export const extendTrust = (
  firmCode: number,
  trusted: TrustedKeys,
  chain: readonly Envelope[],
): Map<string, string> => {
  const keys = new Map(trusted);
  let grew = true;
  while (grew) {
    grew = false;
    for (const envelope of chain) {
      const signer = keys.get(envelope.keyId);
      if (signer === undefined) continue;
      const rotation = openEnvelope(envelope, 'firm_key_rotation', keyRotationPayloadSchema, () => signer);
      if (rotation.firmCode !== firmCode || rotation.previousKeyId !== envelope.keyId) continue;
      const nextId = keyIdOf(rotation.nextKey);
      if (!keys.has(nextId)) {
        keys.set(nextId, rotation.nextKey);
        grew = true;
      }
    }
  }
  return keys;
};

/**
 * The keys a chain shows to be predecessors of `signerKey` (each signed its successor, ending at the signer),
 * plus the signer itself. A container creating a firm item trusts these: an update signed by a key after a
 * rotation may carry steps with licenses its predecessor signed before it.
 */
export const keysLeadingTo = (
  firmCode: number,
  signerKey: string,
  chain: readonly Envelope[],
): Map<string, string> => {
  const keys = trustedKeysOf([signerKey]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const envelope of chain) {
      if (!envelope.key || keys.has(envelope.keyId) || keyIdOf(envelope.key) !== envelope.keyId) continue;
      const previous = envelope.key;
      const rotation = openEnvelope(envelope, 'firm_key_rotation', keyRotationPayloadSchema, () => previous);
      if (rotation.firmCode !== firmCode || !keys.has(keyIdOf(rotation.nextKey))) continue;
      keys.set(envelope.keyId, previous);
      grew = true;
    }
  }
  return keys;
};

/** A resolver that accepts only keys in the trusted set. */
export const trustedKeyResolver =
  (firmCode: number, keys: TrustedKeys) =>
  (envelope: Envelope): string => {
    const key = keys.get(envelope.keyId);
    if (key === undefined) {
      throw new TesseraError(
        'unknown_firm_key',
        `the ${envelope.kind} is signed by key ${envelope.keyId}, which is not a trusted key of firm code ${firmCode}`,
        { firmCode, keyId: envelope.keyId },
      );
    }
    return key;
  };
