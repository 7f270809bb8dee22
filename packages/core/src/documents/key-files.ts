// File formats for firm keys: the public key a vendor embeds in its software (downloadable from Central,
// written by `tessera vendor keygen`), and the private key file of the development signer. Both are small
// JSON documents so they are readable and diff-able.

import { z } from 'zod';
import { type KeyPair, keyIdOf, keyPairMatches } from '../crypto/ed25519.js';
import { TesseraError } from '../errors.js';
import { firmCodeSchema } from '../license/model.js';

const rawKey = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

export const firmPublicKeyFileSchema = z
  .object({
    format: z.literal('tessera-firm-public-key'),
    version: z.literal(1),
    firmCode: firmCodeSchema,
    keyId: z.string(),
    publicKey: rawKey,
  })
  .strict();

export type FirmPublicKeyFile = z.infer<typeof firmPublicKeyFileSchema>;

export const firmPrivateKeyFileSchema = z
  .object({
    format: z.literal('tessera-firm-key'),
    version: z.literal(1),
    firmCode: firmCodeSchema,
    publicKey: rawKey,
    privateKey: rawKey,
  })
  .strict();

export type FirmPrivateKeyFile = z.infer<typeof firmPrivateKeyFileSchema>;

export const encodeFirmPublicKey = (firmCode: number, publicKey: string): string =>
  `${JSON.stringify({ format: 'tessera-firm-public-key', version: 1, firmCode, keyId: keyIdOf(publicKey), publicKey }, null, 2)}\n`;

export const encodeFirmPrivateKey = (firmCode: number, key: KeyPair): string =>
  `${JSON.stringify({ format: 'tessera-firm-key', version: 1, firmCode, publicKey: key.publicKey, privateKey: key.privateKey }, null, 2)}\n`;

const parseJson = (text: string, what: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    throw new TesseraError('invalid_key_file', `${what} is not valid JSON`);
  }
};

/** Reads a public key file, or a bare base64url key (as a vendor may paste it into its build). */
export const parseFirmPublicKey = (text: string): { firmCode: number | null; publicKey: string } => {
  const trimmed = text.trim();
  if (rawKey.safeParse(trimmed).success) return { firmCode: null, publicKey: trimmed };
  const parsed = firmPublicKeyFileSchema.safeParse(parseJson(trimmed, 'public key file'));
  if (!parsed.success) throw new TesseraError('invalid_key_file', 'not a Tessera firm public key file');
  if (keyIdOf(parsed.data.publicKey) !== parsed.data.keyId) {
    throw new TesseraError('invalid_key_file', 'the public key file’s key id does not match its key');
  }
  return parsed.data;
};

export const parseFirmPrivateKey = (text: string): { firmCode: number; key: KeyPair } => {
  const parsed = firmPrivateKeyFileSchema.safeParse(parseJson(text, 'key file'));
  if (!parsed.success) throw new TesseraError('invalid_key_file', 'not a Tessera firm key file');
  const key = { publicKey: parsed.data.publicKey, privateKey: parsed.data.privateKey };
  if (!keyPairMatches(key))
    throw new TesseraError(
      'invalid_key_file',
      'the key file’s private and public keys do not belong together',
    );
  return { firmCode: parsed.data.firmCode, key };
};
