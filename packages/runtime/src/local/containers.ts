// The containers on this machine as the protocol sees them: create, describe, write contexts and receipts,
// import updates, list licenses. It joins the protocol (packages/core) to the store (store/), and is what
// the CLI, the SDK and the local agent call — none of them touch container files directly.

import {
  type AppliedChange,
  applyUpdate,
  type Clock,
  type ContainerState,
  containerStateSchema,
  DEFAULT_CLOCK_TOLERANCE_MS,
  effectiveExpiry,
  isClockSetBack,
  makeContext,
  newContainerState,
  observeLocalTime,
  openLicense,
  openUpdate,
  randomToken,
  systemClock,
  TesseraError,
  trustedKeyResolver,
  trustedKeysOf,
  type UpdateResult,
} from '@tessera/core';
import type { FactorSource } from '../binding/index.js';
import {
  type ContainerRecord,
  type ContainerStore,
  createContainerStore,
  type LocalContainerType,
} from '../store/index.js';

export interface LocalContainersOptions {
  home?: string;
  factors?: FactorSource;
  clock?: Clock;
  clockToleranceMs?: number;
}

export interface ContainerOverview {
  serial: string;
  type: LocalContainerType;
  createdAt: string;
  publicKey: string;
  firmItems: {
    firmCode: number;
    fuc: number;
    locked: boolean;
    lockReason: string | null;
    honeypot: boolean;
    licenses: number;
  }[];
  trustedTime: { signed: string | null; local: string | null };
}

export interface LicenseRow {
  serial: string;
  firmCode: number;
  productCode: number;
  ticketLicenseId: string;
  generation: number;
  featureMap: number;
  unitsRemaining: number | null;
  licenseQuantity: number;
  activationTime: string | null;
  expiresAt: string | null;
  usagePeriodSeconds: number | null;
  usageStartedAt: string | null;
  text: string | null;
  modules: number[];
  firmItemLocked: boolean;
}

export interface ImportOutcome extends UpdateResult {
  changes: AppliedChange[];
}

const parseState = (record: ContainerRecord<unknown>): ContainerState => {
  const parsed = containerStateSchema.safeParse(record.state);
  if (!parsed.success || parsed.data.serial !== record.serial) {
    throw new TesseraError(
      'container_corrupt',
      `container ${record.serial} holds an unreadable protocol state`,
      {
        serial: record.serial,
      },
    );
  }
  return parsed.data;
};

export class LocalContainers {
  readonly store: ContainerStore<unknown>;
  private readonly clock: Clock;
  readonly clockToleranceMs: number;

  constructor(options: LocalContainersOptions = {}) {
    this.store = createContainerStore<unknown>({
      ...(options.home !== undefined ? { home: options.home } : {}),
      ...(options.factors !== undefined ? { factors: options.factors } : {}),
    });
    this.clock = options.clock ?? systemClock;
    this.clockToleranceMs = options.clockToleranceMs ?? DEFAULT_CLOCK_TOLERANCE_MS;
  }

  async create(type: LocalContainerType): Promise<ContainerOverview> {
    const record = await this.store.create(type, (serial) =>
      observeLocalTime(newContainerState(serial, type), this.clock.now()),
    );
    return this.overview(record);
  }

  async list() {
    return this.store.list();
  }

  async read(serial: string): Promise<{ record: ContainerRecord<unknown>; state: ContainerState }> {
    const record = await this.store.read(serial);
    return { record, state: parseState(record) };
  }

  /** Changes a container's protocol state under the store lock; nothing is written when `change` throws. */
  async mutate(
    serial: string,
    change: (state: ContainerState, record: ContainerRecord<unknown>) => ContainerState,
  ): Promise<ContainerState> {
    let written: ContainerState | undefined;
    await this.store.update(serial, (record) => {
      written = change(parseState(record), record);
      return written;
    });
    if (!written) throw new Error('unreachable: the store wrote without calling back');
    return written;
  }

  async show(serial: string): Promise<ContainerOverview> {
    return this.overview(await this.store.read(serial));
  }

  async remove(serial: string): Promise<void> {
    await this.store.remove(serial);
  }

  /** Writes a context (or, right after an import, a receipt) and records the local time seen. */
  async context(
    serial: string,
    options: { firmCodes?: number[]; nonce?: string; receiptFor?: string | null } = {},
  ): Promise<{ text: string; nonce: string }> {
    const nonce = options.nonce ?? randomToken(16);
    let text = '';
    await this.mutate(serial, (current, record) => {
      const now = this.clock.now();
      const state = observeLocalTime(current, now);
      text = makeContext(state, record.keys, {
        nonce,
        now,
        receiptFor: options.receiptFor ?? null,
        ...(options.firmCodes !== undefined && options.firmCodes.length > 0
          ? { firmCodes: options.firmCodes }
          : {}),
      });
      return state;
    });
    return { text, nonce };
  }

  /**
   * Imports an update into the container it names (or into `serial`, which must then match). The update's
   * signature is checked before its serial is believed; the container is written only if every step applies.
   */
  async importUpdate(
    text: string,
    options: { serial?: string; expectedNonce?: string } = {},
  ): Promise<ImportOutcome> {
    const { update } = openUpdate(text);
    const serial = options.serial ?? update.serial;
    let outcome: UpdateResult | undefined;
    await this.mutate(serial, (current) => {
      const state = observeLocalTime(current, this.clock.now());
      const applied = applyUpdate(state, text, {
        clockToleranceMs: this.clockToleranceMs,
        ...(options.expectedNonce !== undefined ? { expectedNonce: options.expectedNonce } : {}),
      });
      outcome = applied.result;
      return applied.state;
    });
    if (!outcome) throw new Error('unreachable: the store ran the update without calling back');
    return outcome;
  }

  /** Lists licenses as stored. Signatures are not checked here: the SDK and `license check` do that against the vendor's key. */
  async licenses(serial?: string): Promise<LicenseRow[]> {
    const serials = serial
      ? [serial]
      : (await this.store.list()).filter((c) => c.openable).map((c) => c.serial);
    const rows: LicenseRow[] = [];
    for (const each of serials) {
      const { state } = await this.read(each);
      for (const item of state.firmItems) {
        for (const entry of item.licenses) {
          // Checked against the keys the container itself trusts: this lists what the file holds.
          const { license } = openLicense(
            entry.license,
            trustedKeyResolver(item.firmCode, trustedKeysOf(item.trustedKeys)),
          );
          rows.push({
            serial: state.serial,
            firmCode: item.firmCode,
            productCode: license.productCode,
            ticketLicenseId: license.ticketLicenseId,
            generation: license.generation,
            featureMap: license.options.featureMap,
            unitsRemaining: entry.unitsRemaining,
            licenseQuantity: license.options.licenseQuantity,
            activationTime: license.options.activationTime,
            expiresAt: effectiveExpiry(license.options, entry.usageStartedAt),
            usagePeriodSeconds: license.options.usagePeriodSeconds,
            usageStartedAt: entry.usageStartedAt,
            text: license.options.text,
            modules: license.modules.map((m) => m.productCode),
            firmItemLocked: item.locked,
          });
        }
      }
    }
    return rows;
  }

  isClockSetBack(state: ContainerState): boolean {
    return isClockSetBack(state, this.clock.now(), this.clockToleranceMs);
  }

  now(): Date {
    return this.clock.now();
  }

  private overview(record: ContainerRecord<unknown>): ContainerOverview {
    const state = parseState(record);
    return {
      serial: record.serial,
      type: record.type,
      createdAt: record.createdAt,
      publicKey: record.keys.publicKey,
      firmItems: state.firmItems.map((item) => ({
        firmCode: item.firmCode,
        fuc: item.fuc,
        locked: item.locked,
        lockReason: item.lockReason,
        honeypot: item.honeypot !== null,
        licenses: item.licenses.length,
      })),
      trustedTime: state.time,
    };
  }
}
