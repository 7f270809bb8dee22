// The Ed25519 adapter: libsodium (sodium-native) and OpenSSL (node:crypto) are interchangeable — same keys,
// same signatures byte for byte, each accepting exactly what the other accepts — so a document signed on
// one machine verifies on any other whichever backend either side loaded.

import {
  ed25519BackendName,
  generateKeyPair,
  isTesseraError,
  keyPairMatches,
  signBytes,
  toBase64Url,
  useEd25519Backend,
  verifyBytes,
} from '@tessera/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type Ed25519Backend, loadSodiumBackend, nodeBackend } from '../src/crypto/backends.js';

const hex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));

// RFC 8032 §7.1, TEST 1 and TEST 3.
const VECTORS = [
  {
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

const sodium = loadSodiumBackend();
const backends: Ed25519Backend[] = [nodeBackend, ...(sodium ? [sodium] : [])];

describe('Ed25519 backends', () => {
  afterAll(() => useEd25519Backend(sodium ?? nodeBackend));

  it('loads libsodium on this platform (sodium-native ships a prebuilt binary for it)', () => {
    expect(sodium?.name).toBe('sodium');
    expect(ed25519BackendName()).toBe('sodium');
  });

  for (const backend of backends) {
    it(`${backend.name}: reproduces the RFC 8032 test vectors`, () => {
      for (const vector of VECTORS) {
        const key = backend.signingKey(hex(vector.seed));
        expect(Buffer.from(key.publicKey).toString('hex')).toBe(vector.publicKey);
        const signature = backend.sign(key, hex(vector.message));
        expect(Buffer.from(signature).toString('hex')).toBe(vector.signature);
        expect(backend.verify(hex(vector.publicKey), hex(vector.message), signature)).toBe(true);
      }
    });
  }

  it('sign identically and accept exactly the same signatures', () => {
    const [openssl, libsodium] = [nodeBackend, sodium ?? nodeBackend];
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 600 }),
        fc.nat(),
        (seed, message, flip) => {
          const a = openssl.signingKey(seed);
          const b = libsodium.signingKey(seed);
          expect(Buffer.from(a.publicKey)).toEqual(Buffer.from(b.publicKey));
          const signature = openssl.sign(a, message);
          expect(Buffer.from(libsodium.sign(b, message))).toEqual(Buffer.from(signature));
          const tampered = Uint8Array.from(signature);
          tampered[flip % 64] = (tampered[flip % 64] ?? 0) ^ (1 << (flip % 8));
          for (const backend of [openssl, libsodium]) {
            expect(backend.verify(a.publicKey, message, signature)).toBe(true);
            expect(backend.verify(a.publicKey, message, tampered)).toBe(false);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  for (const backend of backends) {
    it(`${backend.name}: keys made by one backend sign documents the other verifies`, () => {
      useEd25519Backend(backend);
      const pair = generateKeyPair();
      const message = new TextEncoder().encode('tessera/1.context.key.payload');
      const signature = signBytes(pair, message);
      for (const other of backends) {
        useEd25519Backend(other);
        expect(verifyBytes(pair.publicKey, message, signature)).toBe(true);
        expect(signBytes(pair, message)).toBe(signature);
      }
    });

    it(`${backend.name}: refuses to sign with a private key that does not belong to the public key`, () => {
      useEd25519Backend(backend);
      const pair = { ...generateKeyPair(), publicKey: generateKeyPair().publicKey };
      expect(keyPairMatches(pair)).toBe(false);
      let refusal: unknown;
      try {
        signBytes(pair, new Uint8Array([1]));
      } catch (error) {
        refusal = error;
      }
      expect(isTesseraError(refusal) && refusal.code).toBe('invalid_key');
      expect(verifyBytes(pair.publicKey, new Uint8Array([1]), toBase64Url(new Uint8Array(64)))).toBe(false);
    });
  }
});
