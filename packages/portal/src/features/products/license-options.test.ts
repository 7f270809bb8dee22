// The product form's option validation must agree with the API's (core's license options + the catalog's
// template): every template the browser accepts, the server accepts, and the other way round.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLicenseTemplate } from '../../../../server/src/modules/catalog/license-template.js';
import {
  defaultTemplate,
  hasBit,
  parseFeatureMap,
  toggleBit,
  UINT32_MAX,
  validateTemplate,
} from './license-options.js';

const serverAccepts = (value: unknown): boolean => {
  try {
    parseLicenseTemplate(value, 'defaultOptions');
    return true;
  } catch {
    return false;
  }
};

const day = fc
  .integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) })
  .map((t) => new Date(t - (t % 86_400_000)).toISOString());
const instantish = fc.oneof(day, fc.constant(null), fc.constant('2026-01-31'), fc.constant('not a date'));
const intish = (min: number, max: number) =>
  fc.oneof(fc.integer({ min, max }), fc.constantFrom(min - 1, max + 1, 1.5, Number.NaN, null));

const template = fc.record({
  featureMap: fc.oneof(
    fc.integer({ min: 0, max: UINT32_MAX }),
    fc.constantFrom(-1, UINT32_MAX + 1, 0.5, Number.NaN),
  ),
  unitCounter: intish(0, 1_000_000),
  licenseQuantity: fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom(-1, 1_000_001, null)),
  activationTime: instantish,
  expirationTime: instantish,
  expirationDays: intish(1, 36_600),
  usagePeriodSeconds: intish(1, 100 * 366 * 86_400),
  maintenancePeriod: fc.oneof(
    fc.constant(null),
    fc.record({ start: day, end: day }),
    fc.constant({ start: 'x', end: 'y' }),
  ),
  text: fc.oneof(fc.constant(null), fc.string({ maxLength: 300 })),
  protectedData: fc.oneof(
    fc.constant(null),
    fc.stringMatching(/^[A-Za-z0-9_-]{0,20}$/),
    fc.constant('not base64!'),
  ),
});

describe('license options in the product form', () => {
  it('accepts and refuses exactly what the API accepts and refuses', () => {
    fc.assert(
      fc.property(template, (value) => {
        const browser = Object.keys(validateTemplate(value)).length === 0;
        expect(browser).toBe(serverAccepts(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts the defaults', () => {
    expect(validateTemplate(defaultTemplate())).toEqual({});
  });

  it('refuses an expiration before the start of validity, on the expiration field', () => {
    const errors = validateTemplate({
      ...defaultTemplate(),
      activationTime: '2027-01-01T00:00:00.000Z',
      expirationTime: '2026-01-01T00:00:00.000Z',
    });
    expect(Object.keys(errors)).toEqual(['expirationTime']);
  });

  it('checks only the options an order sets', () => {
    expect(validateTemplate({ expirationDays: 30 }, true)).toEqual({});
    expect(validateTemplate({ expirationDays: 0 }, true)).toEqual({ expirationDays: 'Must be at least 1.' });
  });

  it('reads feature maps as hex or decimal and toggles single bits', () => {
    expect(parseFeatureMap('0x0B')).toBe(11);
    expect(parseFeatureMap('ff')).toBe(255);
    expect(parseFeatureMap('11')).toBe(11);
    expect(parseFeatureMap('0x1FFFFFFFF')).toBeNull();
    expect(parseFeatureMap('twelve')).toBeNull();
    expect(toggleBit(0, 31)).toBe(0x8000_0000);
    expect(hasBit(toggleBit(0b1011, 1), 1)).toBe(false);
  });
});
