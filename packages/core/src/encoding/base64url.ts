// Strict base64url (RFC 4648 §5, no padding). Node's own decoder silently skips characters outside the
// alphabet, which would let a mutated document decode to the same bytes; here anything but the canonical
// encoding of some byte string is refused.

import { TesseraError } from '../errors.js';

const ALPHABET = /^[A-Za-z0-9_-]*$/;

export const toBase64Url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

export const fromBase64Url = (text: string, what = 'value'): Uint8Array => {
  if (typeof text !== 'string' || !ALPHABET.test(text) || text.length % 4 === 1) {
    throw new TesseraError('invalid_encoding', `${what} is not valid base64url`);
  }
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) {
    throw new TesseraError('invalid_encoding', `${what} is not canonical base64url`);
  }
  return new Uint8Array(bytes);
};

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

const strictDecoder = new TextDecoder('utf-8', { fatal: true });

export const fromUtf8 = (bytes: Uint8Array, what = 'value'): string => {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    throw new TesseraError('invalid_encoding', `${what} is not valid UTF-8`);
  }
};
