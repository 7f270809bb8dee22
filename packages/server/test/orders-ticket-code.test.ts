// Ticket codes: format, normalisation, and the check character's guarantees as properties (fast-check).

import { isTesseraError } from '@tessera/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { systemRandom } from '../src/modules/accounts/secrets.js';
import {
  checkCharacter,
  formatTicketCode,
  hasValidCheck,
  newTicketCode,
  parseTicketCode,
  TICKET_CODE_ALPHABET,
  TICKET_CODE_LENGTH,
} from '../src/modules/orders/ticket-code.js';

const alphabetChar = fc.constantFrom(...TICKET_CODE_ALPHABET);
/** Any valid code: 24 alphabet characters and their check. */
const aCode = fc
  .array(alphabetChar, { minLength: TICKET_CODE_LENGTH - 1, maxLength: TICKET_CODE_LENGTH - 1 })
  .map((chars) => chars.join(''))
  .map((body) => `${body}${checkCharacter(body)}`);

const refusal = (input: string): { code: string; field: unknown } | undefined => {
  try {
    parseTicketCode(input, 'ticket');
  } catch (error) {
    if (isTesseraError(error)) return { code: error.code, field: error.details.field };
    throw error;
  }
  return undefined;
};

describe('ticket codes', () => {
  it('are 25 characters of the look-alike-free alphabet, shown as five groups of five', () => {
    const code = newTicketCode(systemRandom);
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{25}$/);
    expect(formatTicketCode(code)).toMatch(/^([0-9A-Z]{5}-){4}[0-9A-Z]{5}$/);
    expect(hasValidCheck(code)).toBe(true);
  });

  it('take their 120 random bits from the injected source', () => {
    const zeros = { bytes: (n: number) => Buffer.alloc(n, 0) };
    const ones = { bytes: (n: number) => Buffer.alloc(n, 0xff) };
    expect(newTicketCode(zeros)).toBe('0'.repeat(25));
    expect(newTicketCode(ones).slice(0, 24)).toBe('Z'.repeat(24));
    const seen = new Set(Array.from({ length: 1000 }, () => newTicketCode(systemRandom)));
    expect(seen.size).toBe(1000);
  });

  it('accept what people type: lower case, spaces, dashes, O for 0 and I or L for 1', () => {
    const code = newTicketCode({ bytes: (n) => Buffer.alloc(n, 0x01) });
    const typed = formatTicketCode(code).toLowerCase().replace(/0/g, 'o').replace(/1/g, 'l');
    expect(parseTicketCode(` ${typed.replace(/-/g, ' - ')} `)).toBe(code);
  });

  it('refuse wrong lengths and foreign characters, naming the field', () => {
    expect(refusal('ABC')).toEqual({ code: 'ticket_code_invalid', field: 'ticket' });
    expect(refusal(`${newTicketCode(systemRandom)}0`)).toEqual({
      code: 'ticket_code_invalid',
      field: 'ticket',
    });
    expect(refusal(`U${newTicketCode(systemRandom).slice(1)}`)).toEqual({
      code: 'ticket_code_invalid',
      field: 'ticket',
    });
  });

  it('catch every single-character typo', () => {
    fc.assert(
      fc.property(aCode, fc.nat(TICKET_CODE_LENGTH - 1), fc.nat(30), (code, position, shift) => {
        const original = TICKET_CODE_ALPHABET.indexOf(code.charAt(position));
        const replacement = TICKET_CODE_ALPHABET.charAt((original + 1 + shift) % 32);
        const typo = `${code.slice(0, position)}${replacement}${code.slice(position + 1)}`;
        expect(hasValidCheck(code)).toBe(true);
        expect(hasValidCheck(typo)).toBe(false);
        expect(refusal(typo)?.code).toBe('ticket_code_invalid');
      }),
      { numRuns: 2000 },
    );
  });

  it('catch every transposition of two adjacent different characters, the check character included', () => {
    fc.assert(
      fc.property(aCode, fc.nat(TICKET_CODE_LENGTH - 2), (code, position) => {
        const a = code.charAt(position);
        const b = code.charAt(position + 1);
        fc.pre(a !== b);
        const swapped = `${code.slice(0, position)}${b}${a}${code.slice(position + 2)}`;
        expect(hasValidCheck(swapped)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('catch the swap of "0" and "Z" that Luhn mod 32 would miss, in every position', () => {
    for (let position = 0; position < TICKET_CODE_LENGTH - 2; position++) {
      const body = `${'5'.repeat(position)}0Z${'5'.repeat(TICKET_CODE_LENGTH - 3 - position)}`;
      const code = `${body}${checkCharacter(body)}`;
      const swapped = `${code.slice(0, position)}Z0${code.slice(position + 2)}`;
      expect(hasValidCheck(swapped)).toBe(false);
    }
  });
});
