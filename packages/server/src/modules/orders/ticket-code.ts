// Ticket codes: what a customer types to redeem licenses. 25 characters from Crockford's base32 alphabet
// (no I, L, O, U), shown as five groups of five: 24 random characters (120 bits from a CSPRNG) and one check
// character. The check is a Damm-style check over GF(32) — each step multiplies the running value by 2 in
// GF(2^5) and adds the next character — which provably catches every single-character substitution and every
// transposition of two adjacent characters. (Luhn mod 32, the obvious choice, misses the swap of "0" and "Z".)
// A typo is therefore answered before any database lookup.

import { TesseraError } from '@tessera/core';
import type { Random } from '../accounts/secrets.js';

/** A validated ticket code: 25 characters, no dashes. Build one with parseTicketCode or newTicketCode. */
export type TicketCode = string & { readonly __brand: 'TicketCode' };

export const TICKET_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const TICKET_CODE_LENGTH = 25;
const RANDOM_CHARACTERS = TICKET_CODE_LENGTH - 1;

const VALUE_OF = new Map([...TICKET_CODE_ALPHABET].map((char, index) => [char, index]));

/** Multiplication by 2 in GF(2^5) with the irreducible polynomial x^5 + x^2 + 1. */
const double = (value: number): number => ((value << 1) ^ (value & 0x10 ? 0x25 : 0)) & 0x1f;

/** The running check value of a sequence of alphabet values: zero exactly for a code with a valid check. */
const checkValue = (values: readonly number[]): number => values.reduce((acc, v) => double(acc) ^ v, 0);

/** The check character that makes `body` (24 characters) a valid code. */
export const checkCharacter = (body: string): string => {
  const values = [...body].map((char) => VALUE_OF.get(char) ?? 0);
  // double(acc) ^ check must be 0, so the check is double(acc).
  return TICKET_CODE_ALPHABET.charAt(double(checkValue(values)));
};

export const hasValidCheck = (code: string): boolean => {
  const values = [...code].map((char) => VALUE_OF.get(char));
  return values.every((v) => v !== undefined) && checkValue(values as number[]) === 0;
};

/** A new ticket code: 120 random bits (15 bytes → 24 five-bit characters, no bias) plus the check. */
export const newTicketCode = (random: Random): TicketCode => {
  const bytes = random.bytes(15);
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let body = '';
  for (let i = RANDOM_CHARACTERS - 1; i >= 0; i--) {
    body += TICKET_CODE_ALPHABET.charAt(Number((bits >> BigInt(i * 5)) & 31n));
  }
  return `${body}${checkCharacter(body)}` as TicketCode;
};

/** The display form: XXXXX-XXXXX-XXXXX-XXXXX-XXXXX. */
export const formatTicketCode = (code: string): string => (code.match(/.{1,5}/g) ?? []).join('-');

/**
 * What people type, made comparable: upper case, spaces and dashes dropped, and the look-alikes O → 0 and
 * I, L → 1 folded the way Crockford's base32 reads them.
 */
export const normalizeTicketCode = (input: string): string =>
  input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');

/**
 * Parses a ticket code as a person or a system sent it. Throws 400 `ticket_code_invalid` naming `field` when it
 * is not 25 characters of the alphabet or its check character does not match — before anything is looked up.
 */
export const parseTicketCode = (input: string, field = 'code'): TicketCode => {
  const code = normalizeTicketCode(input);
  if (code.length !== TICKET_CODE_LENGTH || ![...code].every((char) => VALUE_OF.has(char))) {
    throw new TesseraError(
      'ticket_code_invalid',
      `${field}: a ticket code has ${TICKET_CODE_LENGTH} characters (0–9 and A–Z without I, L, O, U), e.g. ABCDE-FGHJK-MNPQR-STVWX-YZ012.`,
      { field },
    );
  }
  if (!hasValidCheck(code)) {
    throw new TesseraError(
      'ticket_code_invalid',
      `${field}: this is not a valid ticket code; check it for a mistyped or swapped character.`,
      { field },
    );
  }
  return code as TicketCode;
};

/** A code prefix for searching (normalised like a code, no check); undefined when it cannot start any code. */
export const ticketCodePrefix = (input: string): string | undefined => {
  const prefix = normalizeTicketCode(input);
  return prefix.length <= TICKET_CODE_LENGTH && [...prefix].every((char) => VALUE_OF.has(char))
    ? prefix
    : undefined;
};
