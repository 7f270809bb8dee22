// What the vendor's software may use from a container: each license re-verified against the vendor's own
// embedded public key (never against keys the container file claims to trust), bound to this container's
// serial, expanded into its product item and module items with their effective options.

import { extendTrust, trustedKeyResolver, trustedKeysOf } from '../documents/firm-key.js';
import { type LicensePayload, openLicense } from '../documents/license.js';
import { TesseraError } from '../errors.js';
import { evaluateLicense, type Verdict } from '../license/evaluate.js';
import type { LicenseOptions } from '../license/model.js';
import type { ContainerLicense, ContainerState, FirmItemState } from './state.js';
import { timeHighWater } from './time.js';

export interface Entitlement {
  serial: string;
  firmCode: number;
  productCode: number;
  /** the product item's code when this entitlement is one of its module items */
  parentProductCode: number | null;
  ticketLicenseId: string;
  generation: number;
  options: LicenseOptions;
  entry: ContainerLicense;
  license: LicensePayload;
}

export interface RejectedLicense {
  serial: string;
  ticketLicenseId: string;
  code: string;
  message: string;
}

export interface VerifiedFirmItem {
  serial: string;
  item: FirmItemState;
  entitlements: Entitlement[];
  rejected: RejectedLicense[];
}

/** Verifies every license of one firm item once; invalid ones are reported, never used. */
export const verifyFirmItem = (
  state: ContainerState,
  firmCode: number,
  vendorPublicKeys: readonly string[],
): VerifiedFirmItem | undefined => {
  const item = state.firmItems.find((candidate) => candidate.firmCode === firmCode);
  if (!item) return undefined;
  const entitlements: Entitlement[] = [];
  const rejected: RejectedLicense[] = [];
  let resolve: ReturnType<typeof trustedKeyResolver>;
  try {
    resolve = trustedKeyResolver(
      firmCode,
      extendTrust(firmCode, trustedKeysOf(vendorPublicKeys), item.keyChain),
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    for (const entry of item.licenses) {
      rejected.push({
        serial: state.serial,
        ticketLicenseId: entry.ticketLicenseId,
        code: 'invalid_key_chain',
        message,
      });
    }
    return { serial: state.serial, item, entitlements, rejected };
  }
  for (const entry of item.licenses) {
    try {
      const { license } = openLicense(entry.license, resolve);
      if (license.serial !== state.serial) {
        throw new TesseraError('foreign_serial', `license was issued for container ${license.serial}`);
      }
      if (license.firmCode !== firmCode || license.ticketLicenseId !== entry.ticketLicenseId) {
        throw new TesseraError('license_mismatch', 'license does not match its container entry');
      }
      const base = {
        serial: state.serial,
        firmCode,
        ticketLicenseId: license.ticketLicenseId,
        generation: license.generation,
        entry,
        license,
      };
      entitlements.push({
        ...base,
        productCode: license.productCode,
        parentProductCode: null,
        options: license.options,
      });
      for (const module of license.modules) {
        entitlements.push({
          ...base,
          productCode: module.productCode,
          parentProductCode: license.productCode,
          // A module item inherits everything from its parent; it may narrow the features and its text.
          options: {
            ...license.options,
            featureMap: module.featureMap ?? license.options.featureMap,
            text: module.text ?? license.options.text,
          },
        });
      }
    } catch (error) {
      rejected.push({
        serial: state.serial,
        ticketLicenseId: entry.ticketLicenseId,
        code: error instanceof TesseraError ? error.code : 'invalid_license',
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return { serial: state.serial, item, entitlements, rejected };
};

export interface EntitlementCheck {
  entitlement: Entitlement;
  verdict: Verdict;
}

export const checkEntitlement = (
  state: ContainerState,
  item: FirmItemState,
  entitlement: Entitlement,
  request: { now: Date; requestedFeatures?: number; requestedUnits?: number; clockToleranceMs?: number },
): EntitlementCheck => ({
  entitlement,
  verdict: evaluateLicense({
    options: entitlement.options,
    unitsRemaining: entitlement.entry.unitsRemaining,
    usageStartedAt: entitlement.entry.usageStartedAt,
    firmItemLocked: item.locked,
    now: request.now,
    timeHighWater: timeHighWater(state),
    ...(request.requestedFeatures !== undefined ? { requestedFeatures: request.requestedFeatures } : {}),
    ...(request.requestedUnits !== undefined ? { requestedUnits: request.requestedUnits } : {}),
    ...(request.clockToleranceMs !== undefined ? { clockToleranceMs: request.clockToleranceMs } : {}),
  }),
});
