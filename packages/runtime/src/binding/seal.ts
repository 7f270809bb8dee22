// Seals a container's data key to the machine: the key is split with Shamir's secret sharing into one share
// per machine factor, and each share is encrypted under a key only that factor's value yields. Opening needs
// `threshold` matching factors, so a machine may drift a little (a new network card, a renamed host) but a
// copy on another machine does not open. No file or disk access here; the store decides where headers live.

import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { TesseraError } from '@tessera/core';
import { combine, split } from 'shamir-secret-sharing';
import { isFactorName, type MachineFactors } from './factors.js';

export const BINDING_SCHEME = 'shamir-hmac-hkdf-a256gcm-v1';

/** One factor's share of the data key, encrypted under the key derived from that factor's value. */
export interface BindingShare {
  factor: string;
  /** AES-GCM nonce, base64url (12 bytes). */
  iv: string;
  /** Encrypted share followed by the 16-byte GCM tag, base64url. */
  data: string;
}

/** What a machine container's header carries so the current machine can recover the data key. */
export interface Binding {
  scheme: typeof BINDING_SCHEME;
  /** Per-container random salt (32 bytes, base64url), the HMAC key for the factor hashes. */
  salt: string;
  threshold: number;
  shares: BindingShare[];
}

/** How well the current machine's factors match a binding. `key` is set only when the binding opened. */
export interface BindingMatch {
  matched: number;
  required: number;
  total: number;
  /** Names (never values) of the bound factors this machine did not reproduce. */
  mismatched: string[];
  key: Uint8Array | null;
}

const MIN_FACTORS = 2;
const MAX_FACTORS = 255; // Shamir over GF(2^8) has 255 usable x-coordinates.
const SALT_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * How many factors must match: a strict majority, and at least two (Shamir needs two shares). So 2 → 2,
 * 3 → 2, 4 → 3, 5 → 3, 6 → 4, 7 → 4: up to ⌈n/2⌉ − 1 factors may change (2 of the 6 default factors).
 * A majority means two different machines can never both satisfy the same binding with disjoint factors.
 */
export const bindingThreshold = (factorCount: number): number =>
  Math.max(MIN_FACTORS, Math.floor(factorCount / 2) + 1);

/**
 * The per-factor share key: HKDF-SHA256 over HMAC-SHA256(key = salt, message = name NUL value). The keyed hash
 * makes the derived key useless for any other container (another salt), and no hash of a raw value is stored.
 * The NUL separator keeps ("ab","c") and ("a","bc") apart.
 */
const shareKey = (salt: Buffer, name: string, value: string): Buffer => {
  const keyed = createHmac('sha256', salt).update(`${name}\u0000${value}`, 'utf8').digest();
  return Buffer.from(hkdfSync('sha256', keyed, salt, `tessera container binding v1 share ${name}`, 32));
};

const shareAad = (context: string, name: string): Buffer =>
  Buffer.from(`${context}\u0000share\u0000${name}`, 'utf8');

/**
 * Seals `key` to `factors`. `context` is bound into every share as additional data (the store passes the
 * container's header fields), so shares cannot be moved between containers or header versions.
 */
export const sealKey = async (
  key: Uint8Array,
  factors: MachineFactors,
  context: string,
): Promise<Binding> => {
  const names = Object.keys(factors).sort();
  const badName = names.find((name) => !isFactorName(name));
  if (badName !== undefined) {
    // Caught here, not when the container is read back: its header would be refused as corrupt.
    throw new TesseraError(
      'machine_factors_invalid',
      `"${badName}" is not a valid machine factor name (lower-case letters, digits, . _ -)`,
      { factor: badName },
    );
  }
  if (names.length < MIN_FACTORS) {
    throw new TesseraError(
      'binding_unavailable',
      `a machine container needs at least ${MIN_FACTORS} machine factors, but only ${names.length} could be read on this machine`,
      { factors: names.length },
    );
  }
  if (names.length > MAX_FACTORS) {
    throw new TesseraError(
      'binding_unavailable',
      `a machine container takes at most ${MAX_FACTORS} machine factors`,
      {
        factors: names.length,
      },
    );
  }
  const salt = randomBytes(SALT_BYTES);
  const threshold = bindingThreshold(names.length);
  // Plain Uint8Array copies: the library checks `instanceof Uint8Array`, which a Buffer from another realm
  // (a test runner's VM context) fails.
  const parts = await split(Uint8Array.from(key), names.length, threshold);
  const shares = names.map((name, index): BindingShare => {
    const part = parts[index];
    const value = factors[name];
    // split() returns exactly names.length parts and `names` are the keys of `factors`.
    if (part === undefined || value === undefined) throw new Error('unreachable: share or factor missing');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', shareKey(salt, name, value), iv);
    cipher.setAAD(shareAad(context, name));
    const data = Buffer.concat([cipher.update(part), cipher.final(), cipher.getAuthTag()]);
    return { factor: name, iv: iv.toString('base64url'), data: data.toString('base64url') };
  });
  return { scheme: BINDING_SCHEME, salt: salt.toString('base64url'), threshold, shares };
};

const openShare = (salt: Buffer, share: BindingShare, value: string, context: string): Buffer | null => {
  try {
    const data = Buffer.from(share.data, 'base64url');
    if (data.length <= TAG_BYTES) return null;
    const decipher = createDecipheriv(
      'aes-256-gcm',
      shareKey(salt, share.factor, value),
      Buffer.from(share.iv, 'base64url'),
    );
    decipher.setAAD(shareAad(context, share.factor));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return null; // wrong value (another machine) or a damaged share: either way this factor does not count
  }
};

/**
 * Tries every share the current factors can unlock. A share counts only if AES-GCM authenticates it, so a
 * changed factor and a damaged share look the same: one fewer match. Never throws on a bad binding; the
 * caller turns a failed match into `binding_mismatch`.
 */
export const matchBinding = async (
  binding: Binding,
  factors: MachineFactors,
  context: string,
): Promise<BindingMatch> => {
  const salt = Buffer.from(binding.salt, 'base64url');
  const opened: Buffer[] = [];
  const mismatched: string[] = [];
  for (const share of binding.shares) {
    const value = Object.hasOwn(factors, share.factor) ? factors[share.factor] : undefined;
    const part = value === undefined ? null : openShare(salt, share, value, context);
    if (part === null) mismatched.push(share.factor);
    else opened.push(part);
  }
  const result = {
    matched: opened.length,
    required: binding.threshold,
    total: binding.shares.length,
    mismatched,
  };
  if (opened.length < binding.threshold || opened.length < MIN_FACTORS) return { ...result, key: null };
  try {
    return {
      ...result,
      key: await combine(opened.slice(0, binding.threshold).map((part) => Uint8Array.from(part))),
    };
  } catch {
    return { ...result, key: null };
  }
};
