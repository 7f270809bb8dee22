// What one update step does to a firm item, in terms both sides can compute: the container applies it to
// its licenses, Central applies it to its prediction of the container. Keeping one projection means the
// two can never disagree about what a step produces.

import type { FirmItemSnapshot, LicenseSummary } from '../documents/context.js';
import { TesseraError } from '../errors.js';

export type SnapshotChange =
  | { op: 'add_license'; license: LicenseSummary }
  | { op: 'replace_license'; ticketLicenseId: string; license: LicenseSummary }
  | { op: 'remove_license'; ticketLicenseId: string }
  | { op: 'lock_firm_item' }
  | { op: 'write_honeypot' };

export const emptySnapshot = (firmCode: number): FirmItemSnapshot => ({
  firmCode,
  fuc: 0,
  locked: false,
  honeypot: false,
  licenses: [],
});

const inconsistent = (message: string, details: Record<string, unknown>): TesseraError =>
  new TesseraError('update_inconsistent', message, details);

const byTicketLicenseId = (a: LicenseSummary, b: LicenseSummary): number =>
  a.ticketLicenseId < b.ticketLicenseId ? -1 : a.ticketLicenseId > b.ticketLicenseId ? 1 : 0;

/** Applies one step's changes. Throws `update_inconsistent` for a change that does not fit the item. */
export const projectStep = (
  snapshot: FirmItemSnapshot,
  changes: readonly SnapshotChange[],
): FirmItemSnapshot => {
  const licenses = new Map(snapshot.licenses.map((license) => [license.ticketLicenseId, license]));
  let { locked, honeypot } = snapshot;
  for (const change of changes) {
    switch (change.op) {
      case 'add_license':
        if (licenses.has(change.license.ticketLicenseId)) {
          throw inconsistent(`license ${change.license.ticketLicenseId} is already in the container`, {
            ticketLicenseId: change.license.ticketLicenseId,
          });
        }
        licenses.set(change.license.ticketLicenseId, change.license);
        break;
      case 'replace_license':
        if (!licenses.delete(change.ticketLicenseId)) {
          throw inconsistent(`license ${change.ticketLicenseId} to replace is not in the container`, {
            ticketLicenseId: change.ticketLicenseId,
          });
        }
        if (licenses.has(change.license.ticketLicenseId)) {
          throw inconsistent(`license ${change.license.ticketLicenseId} is already in the container`, {
            ticketLicenseId: change.license.ticketLicenseId,
          });
        }
        licenses.set(change.license.ticketLicenseId, change.license);
        break;
      case 'remove_license':
        if (!licenses.delete(change.ticketLicenseId)) {
          throw inconsistent(`license ${change.ticketLicenseId} to remove is not in the container`, {
            ticketLicenseId: change.ticketLicenseId,
          });
        }
        break;
      case 'lock_firm_item':
        locked = true;
        break;
      case 'write_honeypot':
        honeypot = true;
        break;
    }
  }
  return {
    firmCode: snapshot.firmCode,
    fuc: snapshot.fuc + 1,
    locked,
    honeypot,
    licenses: [...licenses.values()].sort(byTicketLicenseId),
  };
};

/** Two snapshots describe the same container state (license order does not matter). */
export const sameSnapshot = (a: FirmItemSnapshot, b: FirmItemSnapshot): boolean => {
  if (a.firmCode !== b.firmCode || a.fuc !== b.fuc || a.locked !== b.locked || a.honeypot !== b.honeypot)
    return false;
  if (a.licenses.length !== b.licenses.length) return false;
  const left = [...a.licenses].sort(byTicketLicenseId);
  const right = [...b.licenses].sort(byTicketLicenseId);
  return left.every((license, i) => {
    const other = right[i];
    return (
      other !== undefined &&
      license.ticketLicenseId === other.ticketLicenseId &&
      license.generation === other.generation &&
      license.productCode === other.productCode &&
      license.digest === other.digest
    );
  });
};
