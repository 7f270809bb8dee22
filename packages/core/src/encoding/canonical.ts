// Canonical JSON (RFC 8785, JSON Canonicalization Scheme): the exact bytes every signature covers, so the
// same document always has one encoding whichever side produced it.

import canonicalize from 'canonicalize';
import { TesseraError } from '../errors.js';
import { fromUtf8, utf8 } from './base64url.js';

export const canonicalJson = (value: unknown): string => {
  const text = canonicalize(value);
  if (text === undefined) throw new TesseraError('invalid_document', 'value cannot be encoded as JSON');
  return text;
};

export const canonicalBytes = (value: unknown): Uint8Array => utf8(canonicalJson(value));

/** Parses bytes that must already be canonical JSON; anything else (whitespace, key order, duplicates) is refused. */
export const parseCanonical = (bytes: Uint8Array, what = 'payload'): unknown => {
  const text = fromUtf8(bytes, what);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TesseraError('invalid_document', `${what} is not valid JSON`);
  }
  if (canonicalize(value) !== text)
    throw new TesseraError('invalid_document', `${what} is not canonical JSON`);
  return value;
};
