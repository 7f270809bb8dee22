// Canonical JSON (RFC 8785): our encoder writes exactly what the `canonicalize` reference package writes, for
// any JSON value, and refuses what JSON cannot carry; parseCanonical accepts only text in that form.

import { canonicalJson, isTesseraError, parseCanonical, utf8 } from '@tessera/core';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const codeOf = (action: () => unknown): string | undefined => {
  try {
    action();
  } catch (error) {
    return isTesseraError(error) ? error.code : 'not a TesseraError';
  }
  return undefined;
};

describe('canonical JSON', () => {
  it('writes what the reference implementation writes, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('orders members by UTF-16 code units and writes numbers the ECMAScript way (RFC 8785 examples)', () => {
    expect(
      canonicalJson({
        '\u20ac': 'Euro',
        '\r': 'CR',
        '\ufb33': 'Hebrew',
        '1': 'One',
        '\ud83d\ude00': 'Emoji',
        '\u0080': 'Ctrl',
        '\u00f6': 'o',
      }),
    ).toBe(
      '{"\\r":"CR","1":"One","\u0080":"Ctrl","\u00f6":"o","\u20ac":"Euro","\ud83d\ude00":"Emoji","\ufb33":"Hebrew"}',
    );
    expect(
      canonicalJson([Number.parseFloat('333333333.33333329'), 1e30, 4.5, 0.002, 1e-27, -0, 9007199254740991]),
    ).toBe('[333333333.3333333,1e+30,4.5,0.002,1e-27,0,9007199254740991]');
  });

  it('refuses lone surrogates, non-finite numbers and what is not JSON at all', () => {
    expect(codeOf(() => canonicalJson({ text: 'a\ud800b' }))).toBe('invalid_document');
    expect(codeOf(() => canonicalJson({ [`k\udc00`]: 1 }))).toBe('invalid_document');
    expect(codeOf(() => canonicalJson([Number.NaN]))).toBe('invalid_document');
    expect(codeOf(() => canonicalJson({ n: Number.POSITIVE_INFINITY }))).toBe('invalid_document');
    expect(codeOf(() => canonicalJson(undefined))).toBe('invalid_document');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(codeOf(() => canonicalJson(cycle))).toBe('invalid_document');
  });

  it('parses only text that is already canonical', () => {
    expect(parseCanonical(utf8('{"a":[1,"x"],"b":null}'))).toEqual({ a: [1, 'x'], b: null });
    for (const text of [
      '{"b":1,"a":2}',
      '{"a": 1}',
      '{"a":1,"a":1}',
      '[1.0]',
      '"\\u0041"',
      '{"a":"\\ud800"}',
      '{',
    ]) {
      expect(codeOf(() => parseCanonical(utf8(text)))).toBe('invalid_document');
    }
  });
});
