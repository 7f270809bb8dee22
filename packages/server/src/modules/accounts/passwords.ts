// Password hashing with scrypt (memory-hard) from node:crypto, compared in constant time. The parameters
// are stored with each hash (`scrypt$<log2 N>$<r>$<p>$<salt>$<hash>`), so they can be raised later and old
// hashes still verify. Not here: the password policy for new passwords (see checkPasswordPolicy).

import { scrypt, timingSafeEqual } from 'node:crypto';
import { TesseraError } from '@tessera/core';
import { MIN_PASSWORD_LENGTH } from '../../config.js';
import type { Random } from './secrets.js';

const LOG2_N = 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

const derive = (password: string, salt: Buffer, log2N: number, r: number, p: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const N = 2 ** log2N;
    // scrypt needs 128·N·r bytes; allow twice that so the default 32 MiB cap never refuses our parameters.
    scrypt(password, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });

export const hashPassword = async (password: string, random: Random): Promise<string> => {
  const salt = random.bytes(16);
  const key = await derive(password, salt, LOG2_N, R, P);
  return ['scrypt', LOG2_N, R, P, salt.toString('base64'), key.toString('base64')].join('$');
};

// Verifying against this when a user has no password (or does not exist) costs the same as a real check,
// so response time does not reveal which e-mail addresses have accounts.
const DUMMY_HASH = `scrypt$${LOG2_N}$${R}$${P}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(KEY_LENGTH).toString('base64')}`;

export const verifyPassword = async (password: string, stored: string | null): Promise<boolean> => {
  const parts = (stored ?? DUMMY_HASH).split('$');
  const [scheme, log2N, r, p, salt, hash] = parts;
  if (parts.length !== 6 || scheme !== 'scrypt' || !log2N || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), Number(log2N), Number(r), Number(p));
  return stored !== null && actual.length === expected.length && timingSafeEqual(actual, expected);
};

/** Throws `weak_password` (naming the field) unless the password meets the policy. */
export const checkPasswordPolicy = (password: string, field = 'password'): void => {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new TesseraError(
      'weak_password',
      `The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`,
      {
        field,
      },
    );
  }
};
