// The license model: what one license entry in a container says (DOMAIN.md §2.3). Options are written by
// the vendor and signed; only `userData` (kept beside the signed license in the container) is the customer's.
// Validation lives here so Central, the dev signer and the runtime accept exactly the same licenses.

import { z } from 'zod';

const uint32 = z.number().int().min(0).max(0xffff_ffff);
/** A UTC instant in exactly the form `Date.prototype.toISOString` writes, so signed bytes have one spelling. */
export const instantSchema = z.string().refine((text) => {
  const time = Date.parse(text);
  return Number.isFinite(time) && new Date(time).toISOString() === text;
}, 'must be a UTC instant like 2026-01-31T00:00:00.000Z');
const instant = instantSchema;

export const firmCodeSchema = z.number().int().min(1).max(0xffff_ffff);
export const productCodeSchema = uint32;
export const featureMapSchema = uint32;

export const maintenancePeriodSchema = z
  .object({ start: instant, end: instant })
  .strict()
  .refine((period) => Date.parse(period.start) <= Date.parse(period.end), {
    message: 'maintenance period ends before it starts',
  });

export const licenseOptionsSchema = z
  .object({
    /** 32-bit feature/version bitmap */
    featureMap: featureMapSchema,
    /** pay-per-use units; null = not counted */
    unitCounter: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable(),
    /** concurrent network seats (floating); 1 for a single-user license */
    licenseQuantity: z.number().int().min(0).max(1_000_000),
    /** valid from (UTC) */
    activationTime: instant.nullable(),
    /** valid until (UTC) */
    expirationTime: instant.nullable(),
    /** seconds of use from the first access; the clock starts in the container, not at issue */
    usagePeriodSeconds: z
      .number()
      .int()
      .min(1)
      .max(100 * 366 * 86_400)
      .nullable(),
    maintenancePeriod: maintenancePeriodSchema.nullable(),
    /** vendor text shown to the customer (≤ 256 characters) */
    text: z.string().max(256).nullable(),
    /** vendor bytes, base64url, ≤ 4 KiB decoded */
    protectedData: z
      .string()
      .regex(/^[A-Za-z0-9_-]*$/)
      .max(5462)
      .nullable(),
  })
  .strict()
  .refine(
    (o) =>
      !o.activationTime || !o.expirationTime || Date.parse(o.activationTime) < Date.parse(o.expirationTime),
    {
      message: 'expirationTime must be after activationTime',
      path: ['expirationTime'],
    },
  );

export type LicenseOptions = z.infer<typeof licenseOptionsSchema>;

/** A module item: a child entry with its own product code that inherits its parent's options. */
export const moduleItemSchema = z
  .object({
    productCode: productCodeSchema,
    featureMap: featureMapSchema.nullable(),
    text: z.string().max(256).nullable(),
  })
  .strict();

export type ModuleItem = z.infer<typeof moduleItemSchema>;

export const defaultLicenseOptions = (): LicenseOptions => ({
  featureMap: 0,
  unitCounter: null,
  licenseQuantity: 1,
  activationTime: null,
  expirationTime: null,
  usagePeriodSeconds: null,
  maintenancePeriod: null,
  text: null,
  protectedData: null,
});

/** True when the license stops being usable at some point in time (these are the ones a set-back clock blocks). */
export const isTimeLimited = (options: LicenseOptions): boolean =>
  options.activationTime !== null || options.expirationTime !== null || options.usagePeriodSeconds !== null;
