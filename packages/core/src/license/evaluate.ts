// License evaluation: given a license's options and its state in the container, the time and the requested
// features, say whether it is usable now — or every reason why not, from a closed vocabulary (a verdict,
// not an exception, so callers can explain and branch on it).

import { DEFAULT_CLOCK_TOLERANCE_MS } from '../container/time.js';
import { isTimeLimited, type LicenseOptions } from './model.js';

export const DENIAL_REASONS = [
  'not_yet_active',
  'expired',
  'usage_period_over',
  'units_exhausted',
  'feature_missing',
  'firm_item_locked',
  'clock_set_back',
] as const;

export type DenialReason = (typeof DENIAL_REASONS)[number];

export const DENIAL_MESSAGES: Record<DenialReason, string> = {
  not_yet_active: 'the license is not active yet',
  expired: 'the license has expired',
  usage_period_over: 'the license’s usage period is over',
  units_exhausted: 'the license has no units left',
  feature_missing: 'the license does not include the requested features',
  firm_item_locked: 'the vendor has locked this container’s licenses',
  clock_set_back: 'the system clock has been set back; correct it to use time-limited licenses',
};

export interface EvaluationInput {
  options: LicenseOptions;
  unitsRemaining: number | null;
  usageStartedAt: string | null;
  firmItemLocked: boolean;
  /** feature bits the caller needs (all must be set) */
  requestedFeatures?: number;
  /** units the caller is about to consume */
  requestedUnits?: number;
  now: Date;
  /** the container's trusted-time high-water mark */
  timeHighWater: Date | null;
  clockToleranceMs?: number;
}

export type Verdict =
  | { usable: true; expiresAt: string | null; unitsRemaining: number | null }
  | { usable: false; reasons: DenialReason[]; expiresAt: string | null; unitsRemaining: number | null };

/** The instant a license stops: the earlier of its expiration time and the end of a started usage period. */
export const effectiveExpiry = (options: LicenseOptions, usageStartedAt: string | null): string | null => {
  const candidates: number[] = [];
  if (options.expirationTime !== null) candidates.push(Date.parse(options.expirationTime));
  if (options.usagePeriodSeconds !== null && usageStartedAt !== null) {
    candidates.push(Date.parse(usageStartedAt) + options.usagePeriodSeconds * 1000);
  }
  return candidates.length === 0 ? null : new Date(Math.min(...candidates)).toISOString();
};

export const evaluateLicense = (input: EvaluationInput): Verdict => {
  const { options } = input;
  const tolerance = input.clockToleranceMs ?? DEFAULT_CLOCK_TOLERANCE_MS;
  const reasons: DenialReason[] = [];
  const expiresAt = effectiveExpiry(options, input.usageStartedAt);
  if (input.firmItemLocked) reasons.push('firm_item_locked');

  if (isTimeLimited(options)) {
    const mark = input.timeHighWater?.getTime() ?? Number.NEGATIVE_INFINITY;
    if (input.now.getTime() < mark - tolerance) reasons.push('clock_set_back');
    // Never evaluate a deadline against a clock earlier than the container has already seen.
    const at = Math.max(input.now.getTime(), mark);
    if (options.activationTime !== null && at < Date.parse(options.activationTime))
      reasons.push('not_yet_active');
    if (options.expirationTime !== null && at >= Date.parse(options.expirationTime)) reasons.push('expired');
    if (
      options.usagePeriodSeconds !== null &&
      input.usageStartedAt !== null &&
      at >= Date.parse(input.usageStartedAt) + options.usagePeriodSeconds * 1000
    ) {
      reasons.push('usage_period_over');
    }
  }

  if (input.unitsRemaining !== null) {
    const wanted = Math.max(1, input.requestedUnits ?? 0);
    if (input.unitsRemaining < wanted) reasons.push('units_exhausted');
  }

  const requested = (input.requestedFeatures ?? 0) >>> 0;
  if (((options.featureMap >>> 0) & requested) >>> 0 !== requested) reasons.push('feature_missing');

  const unitsRemaining = input.unitsRemaining;
  return reasons.length === 0
    ? { usable: true, expiresAt, unitsRemaining }
    : { usable: false, reasons, expiresAt, unitsRemaining };
};
