import {
  applyUpdate,
  checkEntitlement,
  defaultLicenseOptions,
  evaluateLicense,
  type LicenseOptions,
  observeLocalTime,
  verifyFirmItem,
} from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { aContainer, addLicense, aFirm, aLicense, anUpdate, T0 } from './builders.js';

const DAY = 86_400_000;
const at = (offsetDays: number) => new Date(T0.getTime() + offsetDays * DAY);

const evaluate = (
  options: Partial<LicenseOptions>,
  extra: Partial<Parameters<typeof evaluateLicense>[0]> = {},
) =>
  evaluateLicense({
    options: { ...defaultLicenseOptions(), ...options },
    unitsRemaining: options.unitCounter ?? null,
    usageStartedAt: null,
    firmItemLocked: false,
    now: T0,
    timeHighWater: null,
    ...extra,
  });

describe('license evaluation', () => {
  it('finds a perpetual license without options usable', () => {
    expect(evaluate({})).toEqual({ usable: true, expiresAt: null, unitsRemaining: null });
  });

  it('refuses before the activation time and after the expiration time', () => {
    expect(evaluate({ activationTime: at(1).toISOString() })).toMatchObject({
      usable: false,
      reasons: ['not_yet_active'],
    });
    expect(evaluate({ expirationTime: at(-1).toISOString() })).toMatchObject({
      usable: false,
      reasons: ['expired'],
    });
    expect(evaluate({ expirationTime: at(1).toISOString() })).toMatchObject({
      usable: true,
      expiresAt: at(1).toISOString(),
    });
  });

  it('ends a usage period counted from the first use', () => {
    const options = { usagePeriodSeconds: 7 * 86_400 };
    expect(evaluate(options)).toMatchObject({ usable: true, expiresAt: null });
    expect(evaluate(options, { usageStartedAt: at(-3).toISOString() })).toMatchObject({
      usable: true,
      expiresAt: at(4).toISOString(),
    });
    expect(evaluate(options, { usageStartedAt: at(-8).toISOString() })).toMatchObject({
      usable: false,
      reasons: ['usage_period_over'],
    });
  });

  it('takes the earlier of expiration time and usage period end as the effective expiry', () => {
    const verdict = evaluate(
      { usagePeriodSeconds: 30 * 86_400, expirationTime: at(10).toISOString() },
      { usageStartedAt: T0.toISOString() },
    );
    expect(verdict.expiresAt).toBe(at(10).toISOString());
  });

  it('refuses when units are exhausted or fewer than requested', () => {
    expect(evaluate({ unitCounter: 0 })).toMatchObject({ usable: false, reasons: ['units_exhausted'] });
    expect(evaluate({ unitCounter: 5 }, { requestedUnits: 6 })).toMatchObject({
      usable: false,
      reasons: ['units_exhausted'],
    });
    expect(evaluate({ unitCounter: 5 }, { requestedUnits: 5 })).toMatchObject({
      usable: true,
      unitsRemaining: 5,
    });
  });

  it('requires every requested feature bit, including the top bit of the 32-bit map', () => {
    expect(evaluate({ featureMap: 0b0101 }, { requestedFeatures: 0b0001 })).toMatchObject({ usable: true });
    expect(evaluate({ featureMap: 0b0101 }, { requestedFeatures: 0b0011 })).toMatchObject({
      usable: false,
      reasons: ['feature_missing'],
    });
    expect(evaluate({ featureMap: 0xffff_ffff }, { requestedFeatures: 0x8000_0000 })).toMatchObject({
      usable: true,
    });
  });

  it('refuses every license of a locked firm item', () => {
    expect(evaluate({}, { firmItemLocked: true })).toMatchObject({
      usable: false,
      reasons: ['firm_item_locked'],
    });
  });

  it('lists every reason at once', () => {
    expect(
      evaluate(
        { expirationTime: at(-1).toISOString(), unitCounter: 0, featureMap: 0 },
        { requestedFeatures: 1, firmItemLocked: true },
      ),
    ).toMatchObject({
      usable: false,
      reasons: ['firm_item_locked', 'expired', 'units_exhausted', 'feature_missing'],
    });
  });

  describe('with the clock set back', () => {
    const highWater = at(30);

    it('refuses time-limited licenses beyond the tolerance, and perpetual ones still work', () => {
      const timeLimited = evaluate({ expirationTime: at(365).toISOString() }, { timeHighWater: highWater });
      expect(timeLimited).toMatchObject({ usable: false, reasons: ['clock_set_back'] });
      expect(evaluate({}, { timeHighWater: highWater })).toMatchObject({ usable: true });
    });

    it('accepts a clock behind the mark by less than the tolerance, but judges deadlines by the mark', () => {
      const justBehind = new Date(highWater.getTime() - 10 * 60_000);
      expect(
        evaluate({ expirationTime: at(365).toISOString() }, { now: justBehind, timeHighWater: highWater }),
      ).toMatchObject({ usable: true });
      // A license that ended between the set-back clock and the mark is expired, not revived.
      expect(
        evaluate(
          { expirationTime: new Date(highWater.getTime() - 60_000).toISOString() },
          { now: justBehind, timeHighWater: highWater },
        ),
      ).toMatchObject({ usable: false, reasons: ['expired'] });
    });
  });
});

describe('container entitlements', () => {
  const firm = aFirm();
  const serial = '130-100000007';

  it('expands module items with their parent’s options and their own features', () => {
    const { state } = aContainer(serial);
    const license = aLicense(firm, serial, {
      options: { featureMap: 0xff, expirationTime: at(10).toISOString() },
      modules: [{ productCode: 2001, featureMap: 0x01, text: 'module' }],
    });
    const next = applyUpdate(
      state,
      anUpdate(firm, serial, [{ fromFuc: 0, toFuc: 1, operations: [addLicense(license)] }]),
    ).state;
    const verified = verifyFirmItem(next, firm.firmCode, [firm.key.publicKey]);
    const module = verified?.entitlements.find((e) => e.productCode === 2001);
    expect(module).toMatchObject({
      parentProductCode: 1001,
      options: { featureMap: 0x01, expirationTime: at(10).toISOString(), text: 'module' },
    });
  });

  it('rejects a license whose container entry was edited to point at another serial’s license', () => {
    const { state } = aContainer(serial);
    const license = aLicense(firm, serial);
    const next = applyUpdate(
      state,
      anUpdate(firm, serial, [{ fromFuc: 0, toFuc: 1, operations: [addLicense(license)] }]),
    ).state;
    const foreign = aLicense(firm, '130-100000008');
    const item = next.firmItems[0];
    if (!item?.licenses[0]) throw new Error('license missing');
    const tampered = {
      ...next,
      firmItems: [{ ...item, licenses: [{ ...item.licenses[0], license: foreign.envelope }] }],
    };
    const verified = verifyFirmItem(tampered, firm.firmCode, [firm.key.publicKey]);
    expect(verified?.entitlements).toEqual([]);
    expect(verified?.rejected[0]?.code).toBe('foreign_serial');
  });

  it('rejects every license when the software’s embedded key is not the firm’s', () => {
    const { state } = aContainer(serial);
    const next = applyUpdate(
      state,
      anUpdate(firm, serial, [{ fromFuc: 0, toFuc: 1, operations: [addLicense(aLicense(firm, serial))] }]),
    ).state;
    const verified = verifyFirmItem(next, firm.firmCode, [aFirm().key.publicKey]);
    expect(verified?.entitlements).toEqual([]);
    expect(verified?.rejected[0]?.code).toBe('unknown_firm_key');
  });

  it('blocks a time-limited license after the local clock is set back past the container’s high-water mark', () => {
    const { state } = aContainer(serial);
    const license = aLicense(firm, serial, { options: { expirationTime: at(365).toISOString() } });
    let next = applyUpdate(
      state,
      anUpdate(firm, serial, [{ fromFuc: 0, toFuc: 1, operations: [addLicense(license)] }]),
    ).state;
    next = observeLocalTime(next, at(40));
    const verified = verifyFirmItem(next, firm.firmCode, [firm.key.publicKey]);
    const [entitlement] = verified?.entitlements ?? [];
    if (!entitlement || !verified) throw new Error('entitlement missing');
    expect(checkEntitlement(next, verified.item, entitlement, { now: at(41) }).verdict.usable).toBe(true);
    expect(checkEntitlement(next, verified.item, entitlement, { now: at(5) }).verdict).toMatchObject({
      usable: false,
      reasons: ['clock_set_back'],
    });
  });
});
