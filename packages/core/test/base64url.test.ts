// Strict base64url: a text decodes only if it is the one canonical encoding of its bytes.

import { fromBase64Url, isTesseraError, toBase64Url } from '@tessera/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('strict base64url', () => {
  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes);
      }),
    );
  });

  it('accepts a text exactly when re-encoding its bytes gives the same text', () => {
    const text = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 12 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(text, (candidate) => {
        const canonical =
          candidate.length % 4 !== 1 &&
          Buffer.from(candidate, 'base64url').toString('base64url') === candidate;
        let accepted = true;
        try {
          fromBase64Url(candidate);
        } catch (error) {
          expect(isTesseraError(error) && error.code).toBe('invalid_encoding');
          accepted = false;
        }
        expect(accepted).toBe(canonical);
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses characters outside the alphabet, padding and whitespace', () => {
    for (const text of ['AB==', 'A+B/', 'AB C', 'AB\n', 'ABC=']) {
      expect(() => fromBase64Url(text)).toThrow('not valid base64url');
    }
  });
});
