// Option parsers shared by the commands: each refuses a malformed value with a usage error naming it.

import { InvalidArgumentError } from 'commander';

export const parseUint32 =
  (what: string) =>
  (value: string): number => {
    const number = /^(0x[0-9a-f]+|[0-9]+)$/i.test(value.trim()) ? Number(value.trim()) : Number.NaN;
    if (!Number.isSafeInteger(number) || number < 0 || number > 0xffff_ffff) {
      throw new InvalidArgumentError(
        `${what} must be a whole number from 0 to 4294967295 (decimal or 0x hex)`,
      );
    }
    return number;
  };

export const parsePositiveInt =
  (what: string, max = Number.MAX_SAFE_INTEGER) =>
  (value: string): number => {
    const number = /^[0-9]+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
    if (!Number.isSafeInteger(number) || number < 1 || number > max) {
      throw new InvalidArgumentError(`${what} must be a whole number from 1 to ${max}`);
    }
    return number;
  };

export const parseNonNegativeInt =
  (what: string) =>
  (value: string): number => {
    const number = /^[0-9]+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
    if (!Number.isSafeInteger(number)) throw new InvalidArgumentError(`${what} must be a whole number ≥ 0`);
    return number;
  };

/** A date (`2027-01-31`, midnight UTC) or an instant (`2027-01-31T12:00:00Z`), normalised to ISO form. */
export const parseInstant =
  (what: string) =>
  (value: string): string => {
    const text = value.trim();
    const time = /^\d{4}-\d{2}-\d{2}$/.test(text)
      ? Date.parse(`${text}T00:00:00Z`)
      : /^\d{4}-\d{2}-\d{2}T/.test(text)
        ? Date.parse(text)
        : Number.NaN;
    if (!Number.isFinite(time))
      throw new InvalidArgumentError(
        `${what} must be a date like 2027-01-31 or an instant like 2027-01-31T12:00:00Z`,
      );
    return new Date(time).toISOString();
  };

export const collectUint32 =
  (what: string) =>
  (value: string, previous: number[] = []): number[] => [...previous, parseUint32(what)(value)];
