// The SDK's typed refusal: the same reasons license evaluation gives, plus "no such license".

import { DENIAL_MESSAGES, type DenialReason, TesseraError } from '@tessera/core';

export type LicenseRefusal = DenialReason | 'license_not_found';

export class LicenseError extends TesseraError {
  readonly reasons: readonly LicenseRefusal[];

  constructor(reasons: readonly LicenseRefusal[], details: Record<string, unknown> = {}) {
    const [first = 'license_not_found'] = reasons;
    const message = reasons
      .map((reason) =>
        reason === 'license_not_found'
          ? 'no license for this product in any container'
          : DENIAL_MESSAGES[reason],
      )
      .join('; ');
    super(first, message, { ...details, reasons });
    this.name = 'LicenseError';
    this.reasons = reasons;
  }
}

export const isLicenseError = (value: unknown): value is LicenseError => value instanceof LicenseError;
