// The container state machine for updates (DESIGN.md §3 invariant 1). An update applies only to its serial,
// only from the container's current FUC; steps already applied are skipped, a gap is refused with the FUC it
// needs, and every license must be signed by a firm key the item trusts. The function is pure: on any error
// the caller's state is untouched, so a refused update can never leave a half-programmed container.

import { keyIdOf } from '../crypto/ed25519.js';
import type { LicenseSummary } from '../documents/context.js';
import { extendTrust, keysLeadingTo, trustedKeyResolver, trustedKeysOf } from '../documents/firm-key.js';
import { openLicense } from '../documents/license.js';
import { type Operation, openUpdate, type UpdatePayload } from '../documents/update.js';
import { TesseraError } from '../errors.js';
import { projectStep, type SnapshotChange } from './snapshot.js';
import { type ContainerLicense, type ContainerState, type FirmItemState, snapshotOf } from './state.js';
import { DEFAULT_CLOCK_TOLERANCE_MS, observeSignedTime } from './time.js';

export type AppliedChange =
  | {
      op: 'add_license' | 'replace_license';
      ticketLicenseId: string;
      generation: number;
      productCode: number;
      replaced?: string;
    }
  | { op: 'remove_license'; ticketLicenseId: string }
  | { op: 'lock_firm_item'; reason: string }
  | { op: 'write_honeypot' };

export interface UpdateResult {
  updateId: string;
  serial: string;
  firmCode: number;
  fromFuc: number;
  toFuc: number;
  stepsApplied: number;
  stepsSkipped: number;
  issuedAt: string;
  nonce: string | null;
  changes: AppliedChange[];
  /** true when this update created the firm item (and pinned its key) */
  createdFirmItem: boolean;
}

export interface ApplyOptions {
  clockToleranceMs?: number;
  /** when set, the update must answer exactly this context nonce (online flows) */
  expectedNonce?: string;
}

const toContainerLicense = (
  envelope: Extract<Operation, { op: 'add_license' }>['license'],
  firmCode: number,
  serial: string,
  resolve: ReturnType<typeof trustedKeyResolver>,
  userData: string | null,
): ContainerLicense => {
  const { license, digest } = openLicense(envelope, resolve);
  if (license.serial !== serial) {
    throw new TesseraError(
      'foreign_serial',
      `a license in this update is issued for container ${license.serial}`,
      {
        expected: serial,
        found: license.serial,
      },
    );
  }
  if (license.firmCode !== firmCode) {
    throw new TesseraError(
      'update_inconsistent',
      `a license for firm code ${license.firmCode} is inside an update for ${firmCode}`,
    );
  }
  return {
    license: envelope,
    ticketLicenseId: license.ticketLicenseId,
    generation: license.generation,
    productCode: license.productCode,
    digest,
    unitsRemaining: license.options.unitCounter,
    usageStartedAt: null,
    userData,
  };
};

const summary = (license: ContainerLicense): LicenseSummary => ({
  ticketLicenseId: license.ticketLicenseId,
  generation: license.generation,
  productCode: license.productCode,
  digest: license.digest,
});

const applyStepOperations = (
  item: FirmItemState,
  operations: readonly Operation[],
  serial: string,
  resolve: ReturnType<typeof trustedKeyResolver>,
  changes: AppliedChange[],
): FirmItemState => {
  const licenses = new Map(item.licenses.map((license) => [license.ticketLicenseId, license]));
  const projection: SnapshotChange[] = [];
  let { locked, lockReason, honeypot } = item;
  for (const operation of operations) {
    switch (operation.op) {
      case 'add_license': {
        const added = toContainerLicense(operation.license, item.firmCode, serial, resolve, null);
        projection.push({ op: 'add_license', license: summary(added) });
        licenses.set(added.ticketLicenseId, added);
        changes.push({
          op: 'add_license',
          ticketLicenseId: added.ticketLicenseId,
          generation: added.generation,
          productCode: added.productCode,
        });
        break;
      }
      case 'replace_license': {
        const previous = licenses.get(operation.ticketLicenseId);
        const replacement = toContainerLicense(
          operation.license,
          item.firmCode,
          serial,
          resolve,
          previous?.userData ?? null,
        );
        projection.push({
          op: 'replace_license',
          ticketLicenseId: operation.ticketLicenseId,
          license: summary(replacement),
        });
        licenses.delete(operation.ticketLicenseId);
        licenses.set(replacement.ticketLicenseId, replacement);
        changes.push({
          op: 'replace_license',
          ticketLicenseId: replacement.ticketLicenseId,
          generation: replacement.generation,
          productCode: replacement.productCode,
          replaced: operation.ticketLicenseId,
        });
        break;
      }
      case 'remove_license':
        projection.push({ op: 'remove_license', ticketLicenseId: operation.ticketLicenseId });
        licenses.delete(operation.ticketLicenseId);
        changes.push({ op: 'remove_license', ticketLicenseId: operation.ticketLicenseId });
        break;
      case 'lock_firm_item':
        projection.push({ op: 'lock_firm_item' });
        locked = true;
        lockReason = operation.reason;
        changes.push({ op: 'lock_firm_item', reason: operation.reason });
        break;
      case 'write_honeypot':
        projection.push({ op: 'write_honeypot' });
        honeypot = operation.marker;
        changes.push({ op: 'write_honeypot' });
        break;
    }
  }
  // The shared projection refuses what does not fit (adding a license twice, removing a missing one):
  // the container and Central must agree on every step.
  const projected = projectStep(snapshotOf(item), projection);
  return { ...item, fuc: projected.fuc, locked, lockReason, honeypot, licenses: [...licenses.values()] };
};

const checkApplicable = (update: UpdatePayload, currentFuc: number): number => {
  const last = update.steps[update.steps.length - 1];
  const first = update.steps[0];
  // The schema guarantees at least one step.
  if (first === undefined || last === undefined)
    throw new TesseraError('invalid_document', 'update has no steps');
  if (last.toFuc <= currentFuc) {
    throw new TesseraError(
      'update_already_applied',
      `update ${update.updateId} is already applied or superseded: it ends at FUC ${last.toFuc} and the container is at FUC ${currentFuc}; nothing changed`,
      { updateId: update.updateId, fuc: currentFuc },
    );
  }
  if (first.fromFuc > currentFuc) {
    throw new TesseraError(
      'update_gap',
      `update ${update.updateId} starts at FUC ${first.fromFuc} but the container is at FUC ${currentFuc}: import the missing earlier update or request a new one`,
      { updateId: update.updateId, needsFuc: first.fromFuc, fuc: currentFuc },
    );
  }
  return update.steps.findIndex((step) => step.fromFuc === currentFuc);
};

/** Applies an update file's text to a container state. Returns the new state; the input is not modified. */
export const applyUpdate = (
  state: ContainerState,
  updateText: string,
  options: ApplyOptions = {},
): { state: ContainerState; result: UpdateResult } => {
  const { update, envelope, signerKey } = openUpdate(updateText);
  if (update.serial !== state.serial) {
    throw new TesseraError(
      'foreign_serial',
      `this update is for container ${update.serial}, not ${state.serial}`,
      {
        expected: state.serial,
        found: update.serial,
      },
    );
  }
  if (options.expectedNonce !== undefined && update.nonce !== options.expectedNonce) {
    throw new TesseraError(
      'nonce_mismatch',
      'the update does not answer this request (nonce mismatch); it may be a replay',
    );
  }
  const existing = state.firmItems.find((item) => item.firmCode === update.firmCode);
  let trusted: Map<string, string>;
  if (existing) {
    trusted = extendTrust(update.firmCode, trustedKeysOf(existing.trustedKeys), update.keyChain);
    if (!trusted.has(envelope.keyId)) {
      throw new TesseraError(
        'unknown_firm_key',
        `the update is signed by key ${envelope.keyId}, which firm code ${update.firmCode} in this container does not trust`,
        { firmCode: update.firmCode, keyId: envelope.keyId },
      );
    }
  } else {
    // First programming of this firm code: the signer's key is pinned (DESIGN.md §3), together with the
    // predecessors the update's key chain links to it (steps issued before a rotation carry their licenses).
    trusted = keysLeadingTo(update.firmCode, signerKey, update.keyChain);
  }
  const startItem: FirmItemState = existing ?? {
    firmCode: update.firmCode,
    fuc: 0,
    trustedKeys: [...trusted.values()],
    keyChain: [],
    locked: false,
    lockReason: null,
    honeypot: null,
    licenses: [],
  };
  const startIndex = checkApplicable(update, startItem.fuc);
  const resolve = trustedKeyResolver(update.firmCode, trusted);
  const changes: AppliedChange[] = [];
  let item = startItem;
  for (const step of update.steps.slice(startIndex)) {
    item = applyStepOperations(item, step.operations, state.serial, resolve, changes);
  }
  const trustedKeys = [...startItem.trustedKeys];
  for (const key of trusted.values())
    if (!trustedKeys.some((k) => keyIdOf(k) === keyIdOf(key))) trustedKeys.push(key);
  const keyChain = [...startItem.keyChain];
  for (const rotation of update.keyChain) {
    if (!keyChain.some((known) => known.signature === rotation.signature)) keyChain.push(rotation);
  }
  item = { ...item, trustedKeys, keyChain };
  const firmItems = existing
    ? state.firmItems.map((other) => (other.firmCode === update.firmCode ? item : other))
    : [...state.firmItems, item];
  const next = observeSignedTime(
    { ...state, firmItems },
    update.issuedAt,
    options.clockToleranceMs ?? DEFAULT_CLOCK_TOLERANCE_MS,
  );
  return {
    state: next,
    result: {
      updateId: update.updateId,
      serial: update.serial,
      firmCode: update.firmCode,
      fromFuc: startItem.fuc,
      toFuc: item.fuc,
      stepsApplied: update.steps.length - startIndex,
      stepsSkipped: startIndex,
      issuedAt: update.issuedAt,
      nonce: update.nonce,
      changes,
      createdFirmItem: existing === undefined,
    },
  };
};
