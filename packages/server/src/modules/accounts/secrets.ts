// Random secrets handed to clients (session cookies, API tokens, invitation links) and how they are kept:
// only a SHA-256 of each secret is stored, so a leaked database does not leak usable credentials. A secret
// has 256 bits of entropy, which is why a plain (unsalted, fast) hash is enough here, unlike passwords.

import { createHash, createHmac, randomBytes } from 'node:crypto';

/** Injected source of randomness, so tests can make secrets predictable without patching globals. */
export interface Random {
  bytes(size: number): Buffer;
}

export const systemRandom: Random = { bytes: (size) => randomBytes(size) };

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Unbiased base62 text (rejection sampling: bytes ≥ 248 are dropped so every character is equally likely). */
export const randomBase62 = (random: Random, length: number): string => {
  let out = '';
  while (out.length < length) {
    for (const byte of random.bytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
};

export const API_TOKEN_PREFIX = 'tsr_';
const API_TOKEN_BODY_LENGTH = 43; // ≈ 256 bits

export const newApiTokenSecret = (random: Random): string =>
  `${API_TOKEN_PREFIX}${randomBase62(random, API_TOKEN_BODY_LENGTH)}`;

/** The non-secret part of a token shown in lists: `tsr_` and its first 8 characters. */
export const apiTokenDisplayPrefix = (secret: string): string => secret.slice(0, API_TOKEN_PREFIX.length + 8);

/** 32 random bytes, base64url: the secret of a session cookie or an invitation link. */
export const newOpaqueSecret = (random: Random): string => random.bytes(32).toString('base64url');

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The CSRF token of a session, derived from the session secret: bound to that session, never stored, and
 * useless without the cookie (which scripts on other origins cannot read).
 */
export const csrfTokenFor = (sessionSecret: string): string =>
  createHmac('sha256', sessionSecret).update('tessera csrf v1').digest('base64url');

/** A password that is easy to type from a terminal: 20 base62 characters (~119 bits). */
export const generatePassword = (random: Random): string => randomBase62(random, 20);
