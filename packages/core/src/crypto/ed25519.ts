// The one adapter between Tessera's protocol and the platform's cryptography (Ed25519 and SHA-256). Keys travel
// as raw 32-byte values in base64url — the JWK `x` (public) and `d` (private seed). Everything else in core is
// pure; a browser build would replace only this file and backends.ts.
//
// Ed25519 runs on libsodium (sodium-native) when it loads — about twice as fast as OpenSSL through node:crypto,
// and the protocol's hot path on both sides is signatures — and falls back to node:crypto otherwise. Ed25519 is
// deterministic, so both backends produce the same signatures byte for byte (packages/core/test/ed25519.test.ts).

import { createHash, randomBytes } from 'node:crypto';
import { fromBase64Url, toBase64Url } from '../encoding/base64url.js';
import { TesseraError } from '../errors.js';
import { defaultBackend, type Ed25519Backend, type SigningKey } from './backends.js';

export interface KeyPair {
  /** base64url of the 32-byte Ed25519 public key */
  publicKey: string;
  /** base64url of the 32-byte Ed25519 private seed */
  privateKey: string;
}

let backend: Ed25519Backend = defaultBackend();

/** Which Ed25519 implementation signs and verifies in this process: 'sodium' or 'node'. */
export const ed25519BackendName = (): Ed25519Backend['name'] => backend.name;

/** Replaces the Ed25519 implementation (tests compare both); clears the key caches. */
export const useEd25519Backend = (next: Ed25519Backend): void => {
  backend = next;
  publicKeys.clear();
  signingKeys.clear();
};

export const generateKeyPair = (): KeyPair => {
  const { publicKey, seed } = backend.generate();
  return { publicKey: toBase64Url(publicKey), privateKey: toBase64Url(seed) };
};

// Decoding and preparing a key costs a good part of a signature check; documents are verified against few keys.
const publicKeys = new Map<string, Uint8Array>();
const signingKeys = new Map<string, SigningKey>();
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

const publicKeyBytes = (publicKey: string): Uint8Array =>
  remember(publicKeys, publicKey, () => {
    const bytes = fromBase64Url(publicKey, 'public key');
    if (bytes.length !== 32) throw new TesseraError('invalid_key', 'an Ed25519 public key has 32 bytes');
    return bytes;
  });

const signingKeyOf = (pair: KeyPair): SigningKey =>
  remember(signingKeys, `${pair.privateKey}.${pair.publicKey}`, () => {
    const seed = fromBase64Url(pair.privateKey, 'private key');
    if (seed.length !== 32) throw new TesseraError('invalid_key', 'an Ed25519 private key has 32 bytes');
    const prepared = backend.signingKey(seed);
    // Signing with a public key that does not belong to the seed would produce signatures nobody can check.
    if (toBase64Url(prepared.publicKey) !== pair.publicKey) {
      throw new TesseraError('invalid_key', 'the Ed25519 private key does not belong to the public key');
    }
    return prepared;
  });

export const signBytes = (pair: KeyPair, message: Uint8Array): string =>
  toBase64Url(backend.sign(signingKeyOf(pair), message));

export const verifyBytes = (publicKey: string, message: Uint8Array, signature: string): boolean => {
  const signatureBytes = fromBase64Url(signature, 'signature');
  if (signatureBytes.length !== 64) return false;
  return backend.verify(publicKeyBytes(publicKey), message, signatureBytes);
};

export const sha256 = (bytes: Uint8Array): Uint8Array =>
  new Uint8Array(createHash('sha256').update(bytes).digest());

const keyIds = new Map<string, string>();

/** A short, stable name for a public key: base64url of the first 16 bytes of its SHA-256. */
export const keyIdOf = (publicKey: string): string =>
  remember(keyIds, publicKey, () =>
    toBase64Url(sha256(fromBase64Url(publicKey, 'public key')).subarray(0, 16)),
  );

export const randomToken = (bytes = 16): string => toBase64Url(randomBytes(bytes));

/** Checks that a private seed and a public key belong together (for keys read from files). */
export const keyPairMatches = (pair: KeyPair): boolean => {
  try {
    signingKeyOf(pair);
    return true;
  } catch {
    return false;
  }
};
