// Plans the next update step for one firm item of one container: what must change so the container holds
// exactly what the licenses' states say it should. Pure: it reads Central's prediction of the container and
// the license rows, and returns intents in the programming order of DOMAIN.md §3.1 — (1) withdrawals and
// blacklist locks, (2) the user's deactivations, (3) pre-assigned licenses, (4) replacements, (5) the user's
// activations. Vendor-ordered intents (1, 3, 4) are always included; nothing the user asks can skip them.

import type { FirmItemSnapshot } from '@tessera/core';
import type { LicenseRecord } from './repository.js';

export type StepIntent =
  | { op: 'add'; license: LicenseRecord; reason: 'pre_assigned' | 'activation' }
  | { op: 'replace'; replacedTicketLicenseId: string; replacedGeneration: number; license: LicenseRecord }
  | { op: 'remove'; ticketLicenseId: string; generation: number; reason: 'withdraw' | 'deactivate' }
  | { op: 'lock'; reason: string }
  | { op: 'honeypot'; marker: string };

export interface PlanInput {
  containerId: string;
  /** Central's prediction of the firm item once every issued step is applied */
  predicted: FirmItemSnapshot;
  blacklisted: boolean;
  honeypotMarker: string;
  /** license rows of the ticket-license ids in `predicted` (absent = unknown to Central) */
  known: ReadonlyMap<string, LicenseRecord>;
  /** licenses pre-assigned to this container, already moved to `collected` in it */
  preAssigned: readonly LicenseRecord[];
  /** licenses the user returns, already moved to `returning` */
  deactivations: readonly LicenseRecord[];
  /** licenses the user activates (or reactivates), already moved to `collected` in this container */
  activations: readonly LicenseRecord[];
}

/** Whether an entry the container holds is still meant to be there. */
const belongs = (entry: { ticketLicenseId: string; generation: number }, input: PlanInput): boolean => {
  const license = input.known.get(entry.ticketLicenseId);
  return (
    license !== undefined &&
    license.containerId === input.containerId &&
    license.generation === entry.generation &&
    (license.state === 'collected' || license.state === 'confirmed')
  );
};

export const planStep = (input: PlanInput): StepIntent[] => {
  const intents: StepIntent[] = [];
  const returning = new Set(input.deactivations.map((l) => l.id));
  const present = new Map(input.predicted.licenses.map((entry) => [entry.ticketLicenseId, entry]));
  const replacements = input.preAssigned.filter(
    (l) => l.replacesLicenseId !== null && present.has(l.replacesLicenseId),
  );
  const replaced = new Set(replacements.map((l) => l.replacesLicenseId));

  // (1) withdrawals: anything held that no longer belongs — withdrawn, replaced, reactivated elsewhere,
  // revoked or unknown to Central — and the blacklist lock.
  for (const entry of input.predicted.licenses) {
    if (returning.has(entry.ticketLicenseId) || replaced.has(entry.ticketLicenseId)) continue;
    if (!belongs(entry, input)) {
      intents.push({
        op: 'remove',
        ticketLicenseId: entry.ticketLicenseId,
        generation: entry.generation,
        reason: 'withdraw',
      });
    }
  }
  if (input.blacklisted && !input.predicted.locked) {
    intents.push({ op: 'lock', reason: 'blacklisted' });
    if (!input.predicted.honeypot) intents.push({ op: 'honeypot', marker: input.honeypotMarker });
  }
  // (2) the user's deactivations
  for (const license of input.deactivations) {
    const entry = present.get(license.id);
    if (entry)
      intents.push({
        op: 'remove',
        ticketLicenseId: license.id,
        generation: entry.generation,
        reason: 'deactivate',
      });
  }
  // (3) pre-assigned licenses
  for (const license of input.preAssigned) {
    if (!replaced.has(license.replacesLicenseId) && !present.has(license.id)) {
      intents.push({ op: 'add', license, reason: 'pre_assigned' });
    }
  }
  // (4) replacements: the new license takes the old one's place in one operation
  for (const license of replacements) {
    const old = present.get(license.replacesLicenseId as string);
    if (old) {
      intents.push({
        op: 'replace',
        replacedTicketLicenseId: old.ticketLicenseId,
        replacedGeneration: old.generation,
        license,
      });
    }
  }
  // (5) the user's activations
  for (const license of input.activations) {
    if (!present.has(license.id)) intents.push({ op: 'add', license, reason: 'activation' });
  }
  return intents;
};
