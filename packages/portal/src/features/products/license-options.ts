// License options as the product and order forms edit them, and their validation. The rules are core's
// (packages/core/src/license/model.ts) and the catalog's license template, written out for the browser so
// the form says what is wrong before the request is sent; a property test checks that this validator and the
// server's agree on every input.

import type { components } from '../../api/schema.js';

export type LicenseTemplate = components['schemas']['Product']['defaultOptions'];
export type OptionName = keyof LicenseTemplate;

export const UINT32_MAX = 0xffff_ffff;
export const MAX_UNITS = Number.MAX_SAFE_INTEGER;
export const MAX_QUANTITY = 1_000_000;
export const MAX_USAGE_SECONDS = 100 * 366 * 86_400;
export const MAX_EXPIRATION_DAYS = 36_600;
export const MAX_TEXT = 256;
export const MAX_PROTECTED_DATA = 5462;

/** What each option is called in the UI (and in order-option checkboxes). */
export const OPTION_LABELS: Record<OptionName, string> = {
  featureMap: 'Feature map',
  unitCounter: 'Unit counter',
  licenseQuantity: 'Quantity (seats)',
  activationTime: 'Valid from',
  expirationTime: 'Expires on (fixed date)',
  expirationDays: 'Expires days after activation',
  usagePeriodSeconds: 'Usage period',
  maintenancePeriod: 'Maintenance period',
  text: 'Text',
  protectedData: 'Protected data',
};

export const defaultTemplate = (): LicenseTemplate => ({
  featureMap: 0,
  unitCounter: null,
  licenseQuantity: 1,
  activationTime: null,
  expirationTime: null,
  expirationDays: null,
  usagePeriodSeconds: null,
  maintenancePeriod: null,
  text: null,
  protectedData: null,
});

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Exactly the spelling Date.prototype.toISOString writes (the signed bytes have one form). */
export const isInstant = (v: unknown): v is string => {
  if (typeof v !== 'string') return false;
  const time = Date.parse(v);
  return Number.isFinite(time) && new Date(time).toISOString() === v;
};

const intRule =
  (min: number, max: number, nullable: boolean) =>
  (v: unknown): string | null => {
    if (v === null && nullable) return null;
    if (v === null || v === undefined || v === '') return 'Enter a number.';
    if (!isInt(v)) return 'Enter a whole number.';
    if (v < min) return `Must be at least ${min}.`;
    if (v > max) return `Must be at most ${max}.`;
    return null;
  };

const instantRule = (v: unknown): string | null =>
  v === null ? null : isInstant(v) ? null : 'Enter a date (UTC instant like 2026-01-31T00:00:00.000Z).';

const RULES: Record<OptionName, (v: unknown) => string | null> = {
  featureMap: intRule(0, UINT32_MAX, false),
  unitCounter: intRule(0, MAX_UNITS, true),
  licenseQuantity: intRule(0, MAX_QUANTITY, false),
  activationTime: instantRule,
  expirationTime: instantRule,
  expirationDays: intRule(1, MAX_EXPIRATION_DAYS, true),
  usagePeriodSeconds: intRule(1, MAX_USAGE_SECONDS, true),
  maintenancePeriod: (v) => {
    if (v === null) return null;
    if (typeof v !== 'object' || Array.isArray(v)) return 'Enter a start and an end date.';
    const keys = Object.keys(v);
    if (keys.some((k) => k !== 'start' && k !== 'end')) return 'Only a start and an end date are allowed.';
    const { start, end } = v as { start?: unknown; end?: unknown };
    if (!isInstant(start) || !isInstant(end)) return 'Enter a start and an end date.';
    return Date.parse(start) <= Date.parse(end) ? null : 'The maintenance period ends before it starts.';
  },
  text: (v) =>
    v === null
      ? null
      : typeof v !== 'string'
        ? 'Enter text.'
        : v.length > MAX_TEXT
          ? `At most ${MAX_TEXT} characters.`
          : null,
  protectedData: (v) =>
    v === null
      ? null
      : typeof v !== 'string' || !/^[A-Za-z0-9_-]*$/.test(v)
        ? 'Use base64url characters only (A–Z, a–z, 0–9, - and _).'
        : v.length > MAX_PROTECTED_DATA
          ? `At most ${MAX_PROTECTED_DATA} characters.`
          : null,
};

export const OPTION_NAMES = Object.keys(RULES) as OptionName[];

/**
 * Errors per option name for a template given as the API receives it (`partial` = an order's option
 * overrides, where names may be missing). Empty object = the API accepts it.
 */
export const validateTemplate = (
  value: unknown,
  partial = false,
): Partial<Record<OptionName | '_', string>> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { _: 'Options must be an object.' };
  const record = value as Record<string, unknown>;
  const errors: Partial<Record<OptionName | '_', string>> = {};
  for (const key of Object.keys(record)) {
    if (!(key in RULES)) errors._ = `Unknown option ${key}.`;
  }
  for (const name of OPTION_NAMES) {
    if (!(name in record) || record[name] === undefined) {
      if (!partial) errors[name] = 'Required.';
      continue;
    }
    const message = RULES[name](record[name]);
    if (message) errors[name] = message;
  }
  const activation = record.activationTime;
  const expiration = record.expirationTime;
  if (
    !partial &&
    errors.activationTime === undefined &&
    errors.expirationTime === undefined &&
    isInstant(activation) &&
    isInstant(expiration) &&
    Date.parse(activation) >= Date.parse(expiration)
  ) {
    errors.expirationTime = 'The expiration must be after the start of validity.';
  }
  return errors;
};

/** Feature map bit toggles: bit i of a 32-bit map. */
export const hasBit = (map: number, bit: number): boolean => ((map >>> bit) & 1) === 1;
export const toggleBit = (map: number, bit: number): number => (map ^ (1 << bit)) >>> 0;

/** "0x1F", "1f", "31" → 31; null when it is not a 32-bit unsigned number. */
export const parseFeatureMap = (text: string): number | null => {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const value = /^0x[0-9a-f]+$/i.test(trimmed)
    ? Number.parseInt(trimmed.slice(2), 16)
    : /^[0-9a-f]+$/i.test(trimmed) && /[a-f]/i.test(trimmed)
      ? Number.parseInt(trimmed, 16)
      : /^\d+$/.test(trimmed)
        ? Number(trimmed)
        : Number.NaN;
  return Number.isInteger(value) && value >= 0 && value <= UINT32_MAX ? value : null;
};

/** A UTC day (YYYY-MM-DD, what the date pickers give) → the instant at its start; null for none. */
export const dayToInstant = (day: string | null): string | null =>
  day && /^\d{4}-\d{2}-\d{2}/.test(day) ? `${day.slice(0, 10)}T00:00:00.000Z` : null;

export const instantToDay = (instant: string | null): string | null =>
  instant ? instant.slice(0, 10) : null;
