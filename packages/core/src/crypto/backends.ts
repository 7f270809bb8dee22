// The two Ed25519 implementations behind crypto/ed25519.ts: libsodium through sodium-native (prebuilt for
// Linux, macOS and Windows; preferred) and OpenSSL through node:crypto (always there). Both take and return raw
// bytes, so callers never see which one ran.

import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { createRequire } from 'node:module';

/** A private key prepared for signing, with the public key derived from its seed. */
export interface SigningKey {
  publicKey: Uint8Array;
  /** backend-specific form of the private key */
  handle: unknown;
}

export interface Ed25519Backend {
  name: 'sodium' | 'node';
  generate(): { publicKey: Uint8Array; seed: Uint8Array };
  signingKey(seed: Uint8Array): SigningKey;
  sign(key: SigningKey, message: Uint8Array): Uint8Array;
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

/** The subset of sodium-native this file uses. */
interface Sodium {
  crypto_sign_PUBLICKEYBYTES: number;
  crypto_sign_SECRETKEYBYTES: number;
  crypto_sign_BYTES: number;
  crypto_sign_keypair(publicKey: Uint8Array, secretKey: Uint8Array): void;
  crypto_sign_seed_keypair(publicKey: Uint8Array, secretKey: Uint8Array, seed: Uint8Array): void;
  crypto_sign_detached(signature: Uint8Array, message: Uint8Array, secretKey: Uint8Array): void;
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

/** DER header of a PKCS#8 Ed25519 private key; the 32-byte seed follows. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

// Callers keep one Uint8Array per public key (ed25519.ts caches them), so its KeyObject can hang off it.
const nodePublicKeys = new WeakMap<Uint8Array, KeyObject>();

export const nodeBackend: Ed25519Backend = {
  name: 'node',
  generate: () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const jwk = privateKey.export({ format: 'jwk' });
    if (typeof jwk.x !== 'string' || typeof jwk.d !== 'string')
      throw new Error('ed25519 JWK export lacks x or d');
    return { publicKey: Buffer.from(jwk.x, 'base64url'), seed: Buffer.from(jwk.d, 'base64url') };
  },
  signingKey: (seed) => {
    const privateKey = createPrivateKey({
      key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
      format: 'der',
      type: 'pkcs8',
    });
    const x = createPublicKey(privateKey).export({ format: 'jwk' }).x;
    if (typeof x !== 'string') throw new Error('ed25519 JWK export lacks x');
    return { publicKey: Buffer.from(x, 'base64url'), handle: privateKey };
  },
  sign: (key, message) => sign(null, message, key.handle as KeyObject),
  verify: (publicKey, message, signature) => {
    let key = nodePublicKeys.get(publicKey);
    if (key === undefined) {
      key = createPublicKey({
        key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
        format: 'jwk',
      });
      nodePublicKeys.set(publicKey, key);
    }
    return verify(null, message, key, signature);
  },
};

const sodiumBackendOf = (sodium: Sodium): Ed25519Backend => ({
  name: 'sodium',
  generate: () => {
    const publicKey = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES);
    const secretKey = Buffer.alloc(sodium.crypto_sign_SECRETKEYBYTES);
    sodium.crypto_sign_keypair(publicKey, secretKey);
    // libsodium's secret key is seed ‖ public key.
    return { publicKey, seed: secretKey.subarray(0, 32) };
  },
  signingKey: (seed) => {
    const publicKey = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES);
    const secretKey = Buffer.alloc(sodium.crypto_sign_SECRETKEYBYTES);
    sodium.crypto_sign_seed_keypair(publicKey, secretKey, seed);
    return { publicKey, handle: secretKey };
  },
  sign: (key, message) => {
    const signature = Buffer.alloc(sodium.crypto_sign_BYTES);
    sodium.crypto_sign_detached(signature, message, key.handle as Uint8Array);
    return signature;
  },
  verify: (publicKey, message, signature) =>
    sodium.crypto_sign_verify_detached(signature, message, publicKey),
});

/** libsodium when sodium-native loads on this platform, else undefined. */
export const loadSodiumBackend = (): Ed25519Backend | undefined => {
  try {
    const sodium = createRequire(import.meta.url)('sodium-native') as Sodium;
    return sodiumBackendOf(sodium);
  } catch {
    return undefined;
  }
};

export const defaultBackend = (): Ed25519Backend => loadSodiumBackend() ?? nodeBackend;
