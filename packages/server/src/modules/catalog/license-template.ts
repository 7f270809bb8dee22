// A license template: the option values a product gives every license (and an order may override), before
// activation turns it into the signed license's options. It is LicenseOptions plus `expirationDays` — an
// expiration counted from the first activation ("Add"), as opposed to a fixed `expirationTime` ("Set").

import {
  defaultLicenseOptions,
  type LicenseOptions,
  licenseOptionsSchema,
  TesseraError,
} from '@tessera/core';
import { z } from 'zod';

export const licenseTemplateSchema = z
  .object({
    ...licenseOptionsSchema.shape,
    expirationDays: z.number().int().min(1).max(36_600).nullable(),
  })
  .strict();

export type LicenseTemplate = LicenseOptions & { expirationDays: number | null };

/** Option names an order may set per item (the product lists which). */
export const ORDER_OPTION_NAMES = [
  'featureMap',
  'unitCounter',
  'licenseQuantity',
  'activationTime',
  'expirationTime',
  'expirationDays',
  'usagePeriodSeconds',
  'maintenancePeriod',
  'text',
  'protectedData',
] as const satisfies readonly (keyof LicenseTemplate)[];

export type OrderOptionName = (typeof ORDER_OPTION_NAMES)[number];

export const defaultLicenseTemplate = (): LicenseTemplate => ({
  ...defaultLicenseOptions(),
  expirationDays: null,
});

/**
 * The signed options of a license activated at `activatedAt`: `expirationDays` becomes a fixed expiration
 * time, kept across later generations (`resolvedExpirationTime`) so a restore does not extend a license.
 */
export const resolveLicenseOptions = (
  template: LicenseTemplate,
  activatedAt: Date,
  resolvedExpirationTime: string | null,
): LicenseOptions => {
  const { expirationDays, ...options } = template;
  if (resolvedExpirationTime !== null) return { ...options, expirationTime: resolvedExpirationTime };
  if (expirationDays === null) return options;
  const counted = new Date(activatedAt.getTime() + expirationDays * 86_400_000).toISOString();
  const fixed = options.expirationTime;
  // A fixed expiration and a counted one together: the earlier wins.
  const expirationTime = fixed !== null && Date.parse(fixed) < Date.parse(counted) ? fixed : counted;
  return { ...options, expirationTime };
};

/**
 * Validates a full template with core's rules — the field rules and the cross-field ones such as "expiration
 * after activation" — so a product or order can never hold options that would produce an unsignable license.
 * Throws validation_failed naming the offending option as `<field>.<option>`.
 */
export const parseLicenseTemplate = (value: unknown, field: string): LicenseTemplate => {
  const fail = (issue: { path: PropertyKey[]; message: string }): never => {
    const path = [field, ...issue.path.map(String)].join('.');
    throw new TesseraError('validation_failed', `${path}: ${issue.message}`, { field: path });
  };
  const parsed = licenseTemplateSchema.safeParse(value);
  if (!parsed.success) return fail(parsed.error.issues[0] ?? { path: [], message: 'is not valid' });
  const { expirationDays: _days, ...options } = parsed.data;
  const core = licenseOptionsSchema.safeParse(options);
  if (!core.success) return fail(core.error.issues[0] ?? { path: [], message: 'is not valid' });
  return parsed.data;
};
