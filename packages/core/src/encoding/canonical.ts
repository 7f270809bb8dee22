// Canonical JSON (RFC 8785, JSON Canonicalization Scheme): the exact bytes every signature covers, so the
// same document always has one encoding whichever side produced it.
//
// Written here rather than taken from the `canonicalize` package, which checks every string for lone
// surrogates one character at a time in JavaScript — for a document's 2 kB base64url payload that is the
// largest part of encoding it, and every document is encoded when signed and again when checked. Here the
// check is String.prototype.isWellFormed (native). The package stays the reference: a property test
// requires both to produce the same text for any JSON value (packages/core/test/canonical.test.ts).

import { TesseraError } from '../errors.js';
import { fromUtf8, utf8 } from './base64url.js';

declare global {
  interface String {
    /** ES2024, in Node.js since 20; declared here because the project's lib stays at ES2023 (Node 20's level). */
    isWellFormed(): boolean;
  }
}

/** Documents nest a few levels; far deeper input is refused rather than risking the stack (or a cycle). */
const MAX_DEPTH = 64;

const notEncodable = (why: string) =>
  new TesseraError('invalid_document', `value cannot be encoded as JSON: ${why}`);

const string = (text: string): string => {
  if (!text.isWellFormed()) throw notEncodable('a string holds a lone surrogate');
  return JSON.stringify(text);
};

const serialize = (value: unknown, depth: number): string | undefined => {
  switch (typeof value) {
    case 'string':
      return string(value);
    case 'number':
      // ECMAScript's Number-to-string, which RFC 8785 prescribes (and -0 becomes 0).
      if (!Number.isFinite(value)) throw notEncodable(`${value} is not a JSON number`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (depth >= MAX_DEPTH) throw notEncodable(`nested deeper than ${MAX_DEPTH} levels`);
      const withJson = value as { toJSON?: () => unknown };
      if (typeof withJson.toJSON === 'function') return serialize(withJson.toJSON(), depth + 1);
      if (Array.isArray(value)) {
        let text = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) text += ',';
          text += serialize(value[i], depth + 1) ?? 'null';
        }
        return `${text}]`;
      }
      const record = value as Record<string, unknown>;
      // Default sort order compares UTF-16 code units, exactly as RFC 8785 §3.2.3 orders member names.
      const keys = Object.keys(record).sort();
      let text = '{';
      let first = true;
      for (const key of keys) {
        const member = serialize(record[key], depth + 1);
        if (member === undefined) continue; // undefined, functions and symbols are left out, as JSON.stringify does
        text += `${first ? '' : ','}${string(key)}:${member}`;
        first = false;
      }
      return `${text}}`;
    }
    default:
      return undefined;
  }
};

export const canonicalJson = (value: unknown): string => {
  const text = serialize(value, 0);
  if (text === undefined) throw notEncodable(`a ${typeof value} is not a JSON value`);
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
  let canonical: string;
  try {
    canonical = canonicalJson(value);
  } catch {
    throw new TesseraError('invalid_document', `${what} is not canonical JSON`);
  }
  if (canonical !== text) throw new TesseraError('invalid_document', `${what} is not canonical JSON`);
  return value;
};
