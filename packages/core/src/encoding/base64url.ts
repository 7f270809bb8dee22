// Strict base64url (RFC 4648 §5, no padding). Node's own decoder silently skips characters outside the
// alphabet, which would let a mutated document decode to the same bytes; here anything but the canonical
// encoding of some byte string is refused.

import { TesseraError } from '../errors.js';

const ALPHABET = /^[A-Za-z0-9_-]*$/;

export const toBase64Url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/** The 6-bit value of each base64url character. */
const VALUE = new Map(
  [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].map((c, i) => [c, i]),
);

export const fromBase64Url = (text: string, what = 'value'): Uint8Array => {
  if (typeof text !== 'string' || !ALPHABET.test(text) || text.length % 4 === 1) {
    throw new TesseraError('invalid_encoding', `${what} is not valid base64url`);
  }
  // Only the last character can carry bits beyond the data (2 or 4 of them, by the length): the encoding is
  // canonical exactly when they are zero — the same verdict as re-encoding and comparing, without doing so.
  const spare = [0, 0, 0x0f, 0x03][text.length % 4] ?? 0;
  if (spare !== 0 && ((VALUE.get(text[text.length - 1] ?? '') ?? 0) & spare) !== 0) {
    throw new TesseraError('invalid_encoding', `${what} is not canonical base64url`);
  }
  return new Uint8Array(Buffer.from(text, 'base64url'));
};

const encoder = new TextEncoder();

export const utf8 = (text: string): Uint8Array => encoder.encode(text);

const strictDecoder = new TextDecoder('utf-8', { fatal: true });

export const fromUtf8 = (bytes: Uint8Array, what = 'value'): string => {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    throw new TesseraError('invalid_encoding', `${what} is not valid UTF-8`);
  }
};
