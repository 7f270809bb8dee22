// The SDK a vendor's program embeds: open the local containers once (reading them and verifying every
// license against the vendor's embedded public key), then answer access checks from memory. Only what must
// outlive the process — units consumed, the start of a usage period, the local-time high-water mark — is
// written back, under the store's lock.

import {
  type Clock,
  type ContainerState,
  checkEntitlement,
  DEFAULT_CLOCK_TOLERANCE_MS,
  type Entitlement,
  type EntitlementCheck,
  effectiveExpiry,
  observeLocalTime,
  parseFirmPublicKey,
  type RejectedLicense,
  systemClock,
  TesseraError,
  type VerifiedFirmItem,
  verifyFirmItem,
} from '@tessera/core';
import type { FactorSource } from '../binding/index.js';
import { LocalContainers } from '../local/containers.js';
import { LicenseError } from './license-error.js';

export interface OpenOptions {
  firmCode: number;
  /** the vendor's public key(s): base64url raw keys or the contents of a `.pub` key file */
  publicKey: string | readonly string[];
  /** the container store; `TESSERA_HOME` or the OS default when omitted */
  home?: string;
  /** only this container */
  serial?: string;
  clock?: Clock;
  clockToleranceMs?: number;
  factors?: FactorSource;
}

export interface LicenseInfo {
  serial: string;
  firmCode: number;
  productCode: number;
  parentProductCode: number | null;
  ticketLicenseId: string;
  generation: number;
  featureMap: number;
  licenseQuantity: number;
  unitsRemaining: number | null;
  activationTime: string | null;
  expiresAt: string | null;
  maintenancePeriod: { start: string; end: string } | null;
  text: string | null;
  protectedData: string | null;
  userData: string | null;
}

export interface AccessRequest {
  productCode: number;
  /** feature bits that must all be licensed */
  features?: number;
}

interface LoadedContainer {
  state: ContainerState;
  verified: VerifiedFirmItem;
}

// Re-writing the container only when local time moved by more than this keeps `open` cheap.
const LOCAL_TIME_WRITE_GRANULARITY_MS = 60_000;

const infoOf = (entitlement: Entitlement): LicenseInfo => ({
  serial: entitlement.serial,
  firmCode: entitlement.firmCode,
  productCode: entitlement.productCode,
  parentProductCode: entitlement.parentProductCode,
  ticketLicenseId: entitlement.ticketLicenseId,
  generation: entitlement.generation,
  featureMap: entitlement.options.featureMap,
  licenseQuantity: entitlement.options.licenseQuantity,
  unitsRemaining: entitlement.entry.unitsRemaining,
  activationTime: entitlement.options.activationTime,
  expiresAt: effectiveExpiry(entitlement.options, entitlement.entry.usageStartedAt),
  maintenancePeriod: entitlement.options.maintenancePeriod,
  text: entitlement.options.text,
  protectedData: entitlement.options.protectedData,
  userData: entitlement.entry.userData,
});

export class LicenseHandle {
  private released = false;

  constructor(
    private readonly session: LicenseSession,
    private entitlement: Entitlement,
  ) {}

  info(): LicenseInfo {
    this.assertOpen();
    return infoOf(this.entitlement);
  }

  /** Consumes units; persisted before it returns. Returns the units left. */
  async decrementUnits(units: number): Promise<number | null> {
    this.assertOpen();
    if (!Number.isInteger(units) || units < 1) {
      throw new TesseraError('invalid_argument', 'decrementUnits needs a positive whole number of units');
    }
    this.entitlement = await this.session.consumeUnits(this.entitlement, units);
    return this.entitlement.entry.unitsRemaining;
  }

  release(): void {
    this.released = true;
  }

  private assertOpen(): void {
    if (this.released) throw new TesseraError('handle_released', 'this license handle was released');
  }
}

export class LicenseSession {
  private constructor(
    private readonly containers: LocalContainers,
    private readonly options: OpenOptions,
    private readonly publicKeys: string[],
    private loaded: Map<string, LoadedContainer>,
    /** containers that could not be read here (another machine's, corrupt), with the reason */
    readonly unavailable: { serial: string; code: string; message: string }[],
  ) {}

  static async open(options: OpenOptions): Promise<LicenseSession> {
    const keys = (typeof options.publicKey === 'string' ? [options.publicKey] : [...options.publicKey]).map(
      (text) => {
        const parsed = parseFirmPublicKey(text);
        if (parsed.firmCode !== null && parsed.firmCode !== options.firmCode) {
          throw new TesseraError(
            'invalid_key_file',
            `the public key is for firm code ${parsed.firmCode}, not ${options.firmCode}`,
          );
        }
        return parsed.publicKey;
      },
    );
    if (keys.length === 0) throw new TesseraError('invalid_argument', 'open() needs the vendor’s public key');
    const containers = new LocalContainers({
      ...(options.home !== undefined ? { home: options.home } : {}),
      ...(options.factors !== undefined ? { factors: options.factors } : {}),
      ...(options.clock !== undefined ? { clock: options.clock } : {}),
      clockToleranceMs: options.clockToleranceMs ?? DEFAULT_CLOCK_TOLERANCE_MS,
    });
    const unavailable: { serial: string; code: string; message: string }[] = [];
    const loaded = new Map<string, LoadedContainer>();
    const serials = options.serial ? [options.serial] : (await containers.list()).map((c) => c.serial);
    for (const serial of serials) {
      try {
        const state = await LicenseSession.observeTime(containers, serial, options.clock ?? systemClock);
        const verified = verifyFirmItem(state, options.firmCode, keys);
        if (verified) loaded.set(serial, { state, verified });
      } catch (error) {
        if (!(error instanceof TesseraError) || options.serial) throw error;
        unavailable.push({ serial, code: error.code, message: error.message });
      }
    }
    return new LicenseSession(containers, options, keys, loaded, unavailable);
  }

  private static async observeTime(
    containers: LocalContainers,
    serial: string,
    clock: Clock,
  ): Promise<ContainerState> {
    const { state } = await containers.read(serial);
    const local = state.time.local === null ? 0 : Date.parse(state.time.local);
    if (clock.now().getTime() - local < LOCAL_TIME_WRITE_GRANULARITY_MS) return state;
    return containers.mutate(serial, (current) => observeLocalTime(current, clock.now()));
  }

  /** Licenses usable by this firm code's software, verified at open. */
  licenses(): LicenseInfo[] {
    return [...this.loaded.values()].flatMap(({ verified }) => verified.entitlements.map(infoOf));
  }

  /** Licenses found in the containers that failed verification (tampered, foreign, unknown key). */
  rejected(): RejectedLicense[] {
    return [...this.loaded.values()].flatMap(({ verified }) => verified.rejected);
  }

  /** Containers whose firm item the vendor locked, with the honey-pot marker if one was written. */
  locks(): { serial: string; reason: string | null; honeypot: string | null }[] {
    return [...this.loaded.values()]
      .filter(({ verified }) => verified.item.locked || verified.item.honeypot !== null)
      .map(({ verified }) => ({
        serial: verified.serial,
        reason: verified.item.lockReason,
        honeypot: verified.item.honeypot,
      }));
  }

  async access(request: AccessRequest): Promise<LicenseHandle> {
    const checks = this.check(request);
    const usable = checks.filter((c) => c.verdict.usable);
    if (usable.length === 0) {
      const first = checks[0];
      if (!first) throw new LicenseError(['license_not_found'], { productCode: request.productCode });
      throw new LicenseError(first.verdict.usable ? [] : first.verdict.reasons, {
        productCode: request.productCode,
        serial: first.entitlement.serial,
      });
    }
    // Prefer the newest generation, then the license that lasts longest.
    usable.sort((a, b) => {
      if (a.entitlement.generation !== b.entitlement.generation)
        return b.entitlement.generation - a.entitlement.generation;
      const ea = a.verdict.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(a.verdict.expiresAt);
      const eb = b.verdict.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(b.verdict.expiresAt);
      return eb - ea;
    });
    let chosen = (usable[0] as EntitlementCheck).entitlement;
    if (chosen.options.usagePeriodSeconds !== null && chosen.entry.usageStartedAt === null) {
      chosen = await this.startUsagePeriod(chosen);
    }
    return new LicenseHandle(this, chosen);
  }

  /** Every candidate for a product with its verdict, without taking one. */
  check(request: AccessRequest): EntitlementCheck[] {
    const now = (this.options.clock ?? systemClock).now();
    return [...this.loaded.values()].flatMap(({ state, verified }) =>
      verified.entitlements
        .filter((e) => e.productCode === request.productCode)
        .map((e) =>
          checkEntitlement(state, verified.item, e, {
            now,
            ...(request.features !== undefined ? { requestedFeatures: request.features } : {}),
            clockToleranceMs: this.containers.clockToleranceMs,
          }),
        ),
    );
  }

  /** @internal — used by LicenseHandle */
  async consumeUnits(entitlement: Entitlement, units: number): Promise<Entitlement> {
    return this.changeEntry(entitlement, (state, item, current) => {
      const check = checkEntitlement(state, item, current, {
        now: (this.options.clock ?? systemClock).now(),
        requestedUnits: units,
        clockToleranceMs: this.containers.clockToleranceMs,
      });
      if (!check.verdict.usable)
        throw new LicenseError(check.verdict.reasons, { serial: entitlement.serial });
      if (current.entry.unitsRemaining === null) return current.entry;
      return { ...current.entry, unitsRemaining: current.entry.unitsRemaining - units };
    });
  }

  private async startUsagePeriod(entitlement: Entitlement): Promise<Entitlement> {
    const now = (this.options.clock ?? systemClock).now().toISOString();
    return this.changeEntry(entitlement, (_state, _item, current) =>
      current.entry.usageStartedAt === null ? { ...current.entry, usageStartedAt: now } : current.entry,
    );
  }

  /**
   * Changes one license entry under the store lock: re-reads the container (another process may have used
   * units meanwhile), re-verifies, applies the change, writes, and refreshes this session's copy.
   */
  private async changeEntry(
    entitlement: Entitlement,
    change: (
      state: ContainerState,
      item: VerifiedFirmItem['item'],
      current: Entitlement,
    ) => Entitlement['entry'],
  ): Promise<Entitlement> {
    const next = await this.containers.mutate(entitlement.serial, (state) => {
      const verified = verifyFirmItem(state, entitlement.firmCode, this.publicKeys);
      const current = verified?.entitlements.find(
        (e) => e.ticketLicenseId === entitlement.ticketLicenseId && e.productCode === entitlement.productCode,
      );
      if (!verified || !current)
        throw new LicenseError(['license_not_found'], { serial: entitlement.serial });
      const entry = change(state, verified.item, current);
      const firmItems = state.firmItems.map((item) =>
        item.firmCode !== entitlement.firmCode
          ? item
          : {
              ...item,
              licenses: item.licenses.map((l) => (l.ticketLicenseId === entry.ticketLicenseId ? entry : l)),
            },
      );
      return { ...state, firmItems };
    });
    const after = verifyFirmItem(next, entitlement.firmCode, this.publicKeys);
    if (after) this.loaded.set(entitlement.serial, { state: next, verified: after });
    const refreshed = after?.entitlements.find(
      (e) => e.ticketLicenseId === entitlement.ticketLicenseId && e.productCode === entitlement.productCode,
    );
    if (!refreshed) throw new LicenseError(['license_not_found'], { serial: entitlement.serial });
    return refreshed;
  }
}

/** Opens the local containers for one firm code. See docs/sdk.md. */
export const open = (options: OpenOptions): Promise<LicenseSession> => LicenseSession.open(options);
