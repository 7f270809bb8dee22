// A container's own Ed25519 key pair, created where the container lives. Raw 32-byte keys as base64url
// (the JWK `x` and `d` members) — the representation packages/core signs and verifies with.

import { generateKeyPairSync } from 'node:crypto';
import type { ContainerKeys } from './container-file.js';

export const generateContainerKeys = (): ContainerKeys => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string' || typeof jwk.d !== 'string') {
    throw new Error('unreachable: an Ed25519 private key exports x and d as JWK');
  }
  return { publicKey: jwk.x, privateKey: jwk.d };
};
