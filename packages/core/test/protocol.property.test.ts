// Property: whatever order, duplication, tampering or misdirection update files arrive in, a container
// holds exactly what the signer issued up to its FUC — never a license the signer did not issue, never
// losing one that was applied.

import {
  applyUpdate,
  emptySnapshot,
  type FirmItemSnapshot,
  generateKeyPair,
  isTesseraError,
  type Operation,
  type SignedLicense,
  type Step,
  sameSnapshot,
  snapshotOf,
  verifyFirmItem,
} from '@tessera/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aContainer, aFirm, aLicense, anUpdate, predict } from './builders.js';

type Action =
  | { t: 'issue'; change: 'add' | 'remove' | 'replace' | 'lock'; catchUp: number; pick: number }
  | { t: 'deliver'; pick: number }
  | { t: 'tamper'; pick: number; position: number; replacement: number }
  | { t: 'foreign'; pick: number }
  | { t: 'forge'; atCurrent: boolean };

const actionArbitrary: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('issue' as const),
      change: fc.constantFrom('add', 'add', 'remove', 'replace', 'lock') as fc.Arbitrary<
        'add' | 'remove' | 'replace' | 'lock'
      >,
      catchUp: fc.nat(4),
      pick: fc.nat(),
    }),
  },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('deliver' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('tamper' as const),
      pick: fc.nat(),
      position: fc.nat(),
      replacement: fc.nat(63),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('foreign' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('forge' as const), atCurrent: fc.boolean() }) },
);

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('the update protocol under arbitrary delivery', () => {
  it('never yields an unissued license and never loses an applied one', () => {
    let applied = 0;
    let multiStepCatchUps = 0;
    fc.assert(
      fc.property(fc.array(actionArbitrary, { minLength: 1, maxLength: 40 }), (actions) => {
        const firm = aFirm();
        const attacker = { firmCode: firm.firmCode, key: generateKeyPair() };
        const serial = '130-100000001';
        const otherSerial = '130-100000002';
        let { state } = aContainer(serial);

        // Central's side: every step it issued and the state it predicts after each.
        const steps: Step[] = [];
        const predicted: FirmItemSnapshot[] = [emptySnapshot(firm.firmCode)];
        const issued = new Map<string, SignedLicense>();
        const mailbox: string[] = [];
        const foreignMailbox: string[] = [];
        let nextTicket = 1;

        const issue = (action: Extract<Action, { t: 'issue' }>) => {
          const current = predicted[predicted.length - 1] as FirmItemSnapshot;
          let operation: Operation;
          const held = current.licenses;
          const target = held[action.pick % Math.max(1, held.length)];
          if (action.change === 'lock') operation = { op: 'lock_firm_item', reason: 'blacklisted' };
          else if (action.change === 'remove' && target)
            operation = { op: 'remove_license', ticketLicenseId: target.ticketLicenseId };
          else if (action.change === 'replace' && target) {
            const next = aLicense(firm, serial, {
              ticketLicenseId: target.ticketLicenseId,
              generation: target.generation + 1,
              productCode: target.productCode,
            });
            issued.set(next.digest, next);
            operation = {
              op: 'replace_license',
              ticketLicenseId: target.ticketLicenseId,
              license: next.envelope,
            };
          } else {
            const added = aLicense(firm, serial, {
              ticketLicenseId: `tl-${nextTicket++}`,
              productCode: 1000 + nextTicket,
            });
            issued.set(added.digest, added);
            operation = { op: 'add_license', license: added.envelope };
          }
          const step: Step = { fromFuc: steps.length, toFuc: steps.length + 1, operations: [operation] };
          predicted.push(predict(current, step, issued));
          steps.push(step);
          // A multi-step file catches up a few earlier steps, as Central does for unconfirmed ones.
          const from = Math.max(0, steps.length - 1 - action.catchUp);
          mailbox.push(anUpdate(firm, serial, steps.slice(from), { updateId: `u-${mailbox.length}` }));
          // The same programming issued to another container is not valid here.
          const foreignLicense = aLicense(firm, otherSerial, { ticketLicenseId: `tl-f${mailbox.length}` });
          foreignMailbox.push(
            anUpdate(firm, otherSerial, [
              { fromFuc: 0, toFuc: 1, operations: [{ op: 'add_license', license: foreignLicense.envelope }] },
            ]),
          );
        };

        const attempt = (text: string) => {
          const before = structuredClone(state);
          try {
            const outcome = applyUpdate(state, text);
            state = outcome.state;
            applied++;
            if (outcome.result.stepsApplied > 1) multiStepCatchUps++;
            return true;
          } catch (error) {
            expect(isTesseraError(error)).toBe(true);
            expect(state).toEqual(before);
            return false;
          }
        };

        let highestFuc = 0;
        for (const action of actions) {
          if (action.t === 'issue') issue(action);
          else if (action.t === 'deliver' && mailbox.length > 0)
            attempt(mailbox[action.pick % mailbox.length] as string);
          else if (action.t === 'tamper' && mailbox.length > 0) {
            const text = mailbox[action.pick % mailbox.length] as string;
            const bodyStart = text.indexOf('\n') + 1;
            const bodyEnd = text.lastIndexOf('-----END');
            const positions = [...text.slice(bodyStart, bodyEnd)].flatMap((ch, i) =>
              ch === '\n' ? [] : [bodyStart + i],
            );
            const at = positions[action.position % positions.length] as number;
            let replacement = BASE64URL[action.replacement] as string;
            if (replacement === text[at]) replacement = BASE64URL[(action.replacement + 1) % 64] as string;
            expect(attempt(text.slice(0, at) + replacement + text.slice(at + 1))).toBe(false);
          } else if (action.t === 'foreign' && foreignMailbox.length > 0) {
            expect(attempt(foreignMailbox[action.pick % foreignMailbox.length] as string)).toBe(false);
          } else if (action.t === 'forge') {
            const fuc = state.firmItems[0]?.fuc ?? 0;
            const fromFuc = action.atCurrent ? fuc : 0;
            const forged = aLicense(attacker, serial, { ticketLicenseId: 'tl-forged' });
            const accepted = attempt(
              anUpdate(attacker, serial, [
                {
                  fromFuc,
                  toFuc: fromFuc + 1,
                  operations: [{ op: 'add_license', license: forged.envelope }],
                },
              ]),
            );
            // Only a container the vendor never programmed can be made to pin another key — and the
            // vendor's software still finds nothing usable in it (checked below).
            if (accepted) expect(fuc).toBe(0);
          }

          const item = state.firmItems[0];
          if (item && item.trustedKeys[0] === firm.key.publicKey) {
            // Exactly what the signer issued through this FUC: nothing more, nothing lost.
            expect(item.fuc).toBeGreaterThanOrEqual(highestFuc);
            highestFuc = item.fuc;
            expect(sameSnapshot(snapshotOf(item), predicted[item.fuc] as FirmItemSnapshot)).toBe(true);
          }
          const verified = verifyFirmItem(state, firm.firmCode, [firm.key.publicKey]);
          for (const entitlement of verified?.entitlements ?? []) {
            const original = issued.get(entitlement.entry.digest);
            expect(original?.license.serial).toBe(serial);
          }
        }
      }),
      { numRuns: 200 },
    );
    // The generator must actually exercise the interesting paths, or the property proves nothing.
    expect(applied).toBeGreaterThan(50);
    expect(multiStepCatchUps).toBeGreaterThan(2);
  });
});
