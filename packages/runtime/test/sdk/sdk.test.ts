// The SDK as a vendor's program uses it: open once, check in memory, persist only what must outlive the process.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fixedClock, openContext } from '@tessera/core';
import { isLicenseError, LicenseSession, LocalContainers, open } from '@tessera/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedFactorSource } from '../../src/binding/index.js';
import { generateFirmKeyFiles, issueDevelopmentUpdate } from '../../src/vendor/dev-signer.js';
import { tempDir } from '../support/cli.js';

const FIRM = 6_000_010;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const factors = fixedFactorSource({
  'machine-id': 'm1',
  hostname: 'h1',
  'mac-addresses': 'aa',
  cpu: 'c',
  memory: '8',
  os: 'linux',
});

describe('the SDK', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  let clock: ReturnType<typeof fixedClock>;
  let containers: LocalContainers;
  let keys: ReturnType<typeof generateFirmKeyFiles>;

  beforeEach(async () => {
    work = await tempDir('tessera-sdk-');
    clock = fixedClock('2026-06-01T00:00:00.000Z');
    containers = new LocalContainers({ home: work.dir, factors, clock });
    keys = generateFirmKeyFiles(FIRM);
  });
  afterEach(() => work.cleanup());

  const withLicense = async (
    productCode: number,
    options: Parameters<typeof issueDevelopmentUpdate>[0]['options'] = {},
    serial?: string,
  ) => {
    const target = serial ?? (await containers.create('machine')).serial;
    const { text } = await containers.context(target, { firmCodes: [FIRM] });
    const { update } = issueDevelopmentUpdate({
      keyFile: keys.privateKeyFile,
      context: text,
      productCode,
      options,
      clock,
    });
    await containers.importUpdate(update);
    return target;
  };

  const openSession = () =>
    open({ firmCode: FIRM, publicKey: keys.publicKeyFile, home: work.dir, factors, clock });

  it('gives a handle with the license’s information', async () => {
    const serial = await withLicense(42, {
      featureMap: 0b110,
      expirationTime: '2027-01-01T00:00:00.000Z',
      text: 'Pro edition',
    });
    const session = await openSession();
    const handle = await session.access({ productCode: 42, features: 0b010 });
    expect(handle.info()).toMatchObject({
      serial,
      productCode: 42,
      featureMap: 6,
      expiresAt: '2027-01-01T00:00:00.000Z',
      text: 'Pro edition',
      generation: 1,
    });
    handle.release();
    expect(() => handle.info()).toThrow(/released/);
  });

  it('refuses with typed reasons: missing feature, expiry, unknown product', async () => {
    await withLicense(42, { featureMap: 1, expirationTime: '2026-07-01T00:00:00.000Z' });
    const session = await openSession();
    await expect(session.access({ productCode: 42, features: 2 })).rejects.toMatchObject({
      code: 'feature_missing',
      reasons: ['feature_missing'],
    });
    await expect(session.access({ productCode: 7 })).rejects.toMatchObject({ code: 'license_not_found' });
    clock.advance(60 * DAY);
    const error = await session.access({ productCode: 42 }).catch((e: unknown) => e);
    expect(isLicenseError(error) && error.reasons).toEqual(['expired']);
  });

  it('persists consumed units and refuses when they run out, across sessions', async () => {
    await withLicense(42, { unitCounter: 5 });
    const first = await (await openSession()).access({ productCode: 42 });
    expect(await first.decrementUnits(3)).toBe(2);
    const second = await (await openSession()).access({ productCode: 42 });
    expect(second.info().unitsRemaining).toBe(2);
    await expect(second.decrementUnits(3)).rejects.toMatchObject({ code: 'units_exhausted' });
    expect(await second.decrementUnits(2)).toBe(0);
    await expect((await openSession()).access({ productCode: 42 })).rejects.toMatchObject({
      code: 'units_exhausted',
    });
  });

  it('does not lose units when two sessions consume at once', async () => {
    await withLicense(42, { unitCounter: 40 });
    const handles = await Promise.all(
      [openSession(), openSession()].map(async (s) => (await s).access({ productCode: 42 })),
    );
    await Promise.all(
      handles.flatMap((handle) => Array.from({ length: 10 }, () => handle.decrementUnits(1))),
    );
    expect((await (await openSession()).access({ productCode: 42 })).info().unitsRemaining).toBe(20);
  });

  it('starts a usage period at the first access and ends it after the period', async () => {
    await withLicense(42, { usagePeriodSeconds: 7 * 86_400 });
    clock.advance(30 * DAY); // unused time on the shelf does not count
    const handle = await (await openSession()).access({ productCode: 42 });
    expect(handle.info().expiresAt).toBe(new Date(clock.now().getTime() + 7 * DAY).toISOString());
    clock.advance(8 * DAY);
    await expect((await openSession()).access({ productCode: 42 })).rejects.toMatchObject({
      code: 'usage_period_over',
    });
  });

  it('refuses time-limited licenses once the clock is set back past the tolerance, perpetual ones still work', async () => {
    const serial = await withLicense(1, { expirationTime: '2030-01-01T00:00:00.000Z' });
    await withLicense(2, {}, serial);
    clock.advance(10 * DAY);
    await (await openSession()).access({ productCode: 1 }); // records the local time seen
    clock.set(new Date(clock.now().getTime() - 2 * HOUR));
    const session = await openSession();
    await expect(session.access({ productCode: 1 })).rejects.toMatchObject({ code: 'clock_set_back' });
    expect((await session.access({ productCode: 2 })).info().productCode).toBe(2);
  });

  it('never trusts a license that fails verification against the embedded key', async () => {
    const serial = await withLicense(42);
    // Swap in a license signed by someone else's key for this very serial (e.g. an edited portable file).
    const impostor = generateFirmKeyFiles(FIRM);
    const { text } = await containers.context(serial, { firmCodes: [FIRM] });
    const forged = issueDevelopmentUpdate({
      keyFile: impostor.privateKeyFile,
      context: text,
      productCode: 43,
      clock,
    });
    await expect(containers.importUpdate(forged.update)).rejects.toMatchObject({ code: 'unknown_firm_key' });
    const session = await openSession();
    expect(session.licenses().map((l) => l.productCode)).toEqual([42]);
    // Another vendor's software with its own key finds nothing usable here.
    const other = await open({
      firmCode: FIRM,
      publicKey: impostor.publicKeyFile,
      home: work.dir,
      factors,
      clock,
    });
    expect(other.licenses()).toEqual([]);
    expect(other.rejected()[0]?.code).toBe('unknown_firm_key');
  });

  it('reports containers it cannot open here instead of failing', async () => {
    await withLicense(42);
    const elsewhere = fixedFactorSource({
      'machine-id': 'x',
      hostname: 'y',
      'mac-addresses': 'z',
      cpu: 'c',
      memory: '8',
      os: 'linux',
    });
    const session = await LicenseSession.open({
      firmCode: FIRM,
      publicKey: keys.publicKeyFile,
      home: work.dir,
      factors: elsewhere,
      clock,
    });
    expect(session.licenses()).toEqual([]);
    expect(session.unavailable[0]?.code).toBe('binding_mismatch');
  });

  it('writes contexts that carry the container’s key and the firm item state', async () => {
    const serial = await withLicense(42);
    const { text, nonce } = await containers.context(serial);
    const { context } = openContext(text);
    expect(context).toMatchObject({ serial, nonce, scope: 'all', firmItems: [{ firmCode: FIRM, fuc: 1 }] });
    const stored = await readFile(path.join(work.dir, 'containers', `${serial}.tcnt`), 'utf8');
    expect(stored).not.toContain(context.firmItems[0]?.licenses[0]?.digest ?? 'never'); // machine containers are encrypted at rest
  });
});
