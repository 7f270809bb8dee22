// The one adapter between Tessera's protocol and the platform's cryptography (Ed25519 and SHA-256 from
// node:crypto). Keys travel as raw 32-byte values in base64url — the JWK `x` (public) and `d` (private seed).
// Everything else in core is pure; a browser build would replace only this file.

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { fromBase64Url, toBase64Url } from '../encoding/base64url.js';
import { TesseraError } from '../errors.js';

export interface KeyPair {
  /** base64url of the 32-byte Ed25519 public key */
  publicKey: string;
  /** base64url of the 32-byte Ed25519 private seed */
  privateKey: string;
}

export const generateKeyPair = (): KeyPair => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string' || typeof jwk.d !== 'string')
    throw new Error('ed25519 JWK export lacks x or d');
  return { publicKey: jwk.x, privateKey: jwk.d };
};

// Building a KeyObject costs more than a signature check; documents are verified against few keys.
const publicKeys = new Map<string, KeyObject>();
const privateKeys = new Map<string, KeyObject>();
const CACHE_LIMIT = 10_000;

const remember = <V>(cache: Map<string, V>, key: string, make: () => V): V => {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, value);
  }
  return value;
};

const publicKeyObject = (publicKey: string): KeyObject =>
  remember(publicKeys, publicKey, () => {
    if (fromBase64Url(publicKey, 'public key').length !== 32) {
      throw new TesseraError('invalid_key', 'an Ed25519 public key has 32 bytes');
    }
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey }, format: 'jwk' });
  });

const privateKeyObject = (pair: KeyPair): KeyObject =>
  remember(privateKeys, pair.privateKey, () => {
    if (fromBase64Url(pair.privateKey, 'private key').length !== 32) {
      throw new TesseraError('invalid_key', 'an Ed25519 private key has 32 bytes');
    }
    return createPrivateKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: pair.publicKey, d: pair.privateKey },
      format: 'jwk',
    });
  });

export const signBytes = (pair: KeyPair, message: Uint8Array): string =>
  toBase64Url(sign(null, message, privateKeyObject(pair)));

export const verifyBytes = (publicKey: string, message: Uint8Array, signature: string): boolean => {
  const signatureBytes = fromBase64Url(signature, 'signature');
  if (signatureBytes.length !== 64) return false;
  return verify(null, message, publicKeyObject(publicKey), signatureBytes);
};

export const sha256 = (bytes: Uint8Array): Uint8Array =>
  new Uint8Array(createHash('sha256').update(bytes).digest());

/** A short, stable name for a public key: base64url of the first 16 bytes of its SHA-256. */
export const keyIdOf = (publicKey: string): string =>
  toBase64Url(sha256(fromBase64Url(publicKey, 'public key')).subarray(0, 16));

export const randomToken = (bytes = 16): string => toBase64Url(randomBytes(bytes));

/** Checks that a private seed and a public key belong together (for keys read from files). */
export const keyPairMatches = (pair: KeyPair): boolean => {
  try {
    const derived = createPublicKey(privateKeyObject(pair)).export({ format: 'jwk' });
    return derived.x === pair.publicKey;
  } catch {
    return false;
  }
};
