import {
  applyUpdate,
  generateKeyPair,
  makeContext,
  openContext,
  signKeyRotation,
  type TesseraError,
  verifyFirmItem,
} from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { aContainer, addLicense, aFirm, aLicense, anUpdate, T0 } from './builders.js';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return (error as TesseraError).code;
  }
  return 'no error';
};

describe('applying an update to a container', () => {
  const firm = aFirm();
  const serial = '130-100000001';

  it('creates the firm item, pins the signing key and adds the license', () => {
    const { state } = aContainer(serial);
    const license = aLicense(firm, serial);
    const { state: next, result } = applyUpdate(
      state,
      anUpdate(firm, serial, [{ fromFuc: 0, toFuc: 1, operations: [addLicense(license)] }]),
    );
    expect(result).toMatchObject({
      fromFuc: 0,
      toFuc: 1,
      stepsApplied: 1,
      stepsSkipped: 0,
      createdFirmItem: true,
    });
    const item = next.firmItems[0];
    expect(item?.fuc).toBe(1);
    expect(item?.trustedKeys).toEqual([firm.key.publicKey]);
    expect(item?.licenses.map((l) => l.digest)).toEqual([license.digest]);
    expect(state.firmItems).toEqual([]); // the input state is untouched
    expect(next.time.signed).toBe(T0.toISOString());
  });

  it('says so when an update is replayed, and changes nothing', () => {
    const { state } = aContainer(serial);
    const update = anUpdate(firm, serial, [
      { fromFuc: 0, toFuc: 1, operations: [addLicense(aLicense(firm, serial))] },
    ]);
    const once = applyUpdate(state, update).state;
    expect(codeOf(() => applyUpdate(once, update))).toBe('update_already_applied');
  });

  it('refuses an update whose first step starts past the container’s counter and names the FUC it needs', () => {
    const { state } = aContainer(serial);
    const update = anUpdate(firm, serial, [
      { fromFuc: 1, toFuc: 2, operations: [addLicense(aLicense(firm, serial))] },
    ]);
    try {
      applyUpdate(state, update);
      expect.unreachable();
    } catch (error) {
      expect((error as TesseraError).code).toBe('update_gap');
      expect((error as TesseraError).details).toMatchObject({ needsFuc: 1, fuc: 0 });
    }
  });

  it('skips the steps of a multi-step update that the container already has', () => {
    const { state } = aContainer(serial);
    const first = aLicense(firm, serial, { ticketLicenseId: 'tl-1' });
    const second = aLicense(firm, serial, { ticketLicenseId: 'tl-2', productCode: 1002 });
    const step1 = { fromFuc: 0, toFuc: 1, operations: [addLicense(first)] };
    const step2 = { fromFuc: 1, toFuc: 2, operations: [addLicense(second)] };
    const afterFirst = applyUpdate(state, anUpdate(firm, serial, [step1])).state;
    const { state: next, result } = applyUpdate(afterFirst, anUpdate(firm, serial, [step1, step2]));
    expect(result).toMatchObject({ fromFuc: 1, toFuc: 2, stepsApplied: 1, stepsSkipped: 1 });
    expect(next.firmItems[0]?.licenses.map((l) => l.ticketLicenseId).sort()).toEqual(['tl-1', 'tl-2']);
  });

  it('refuses an update for another container', () => {
    const { state } = aContainer(serial);
    const update = anUpdate(firm, '130-100000002', [
      { fromFuc: 0, toFuc: 1, operations: [addLicense(aLicense(firm, '130-100000002'))] },
    ]);
    expect(codeOf(() => applyUpdate(state, update))).toBe('foreign_serial');
  });

  it('refuses a license issued for another container inside an update for this one', () => {
    const { state } = aContainer(serial);
    const update = anUpdate(firm, serial, [
      { fromFuc: 0, toFuc: 1, operations: [addLicense(aLicense(firm, '130-100000002'))] },
    ]);
    expect(codeOf(() => applyUpdate(state, update))).toBe('foreign_serial');
  });

  it('refuses a later update signed by a key the firm item does not trust', () => {
    const { state } = aContainer(serial);
    const pinned = applyUpdate(
      state,
      anUpdate(firm, serial, [{ fromFuc: 0, toFuc: 1, operations: [addLicense(aLicense(firm, serial))] }]),
    ).state;
    const impostor = { firmCode: firm.firmCode, key: generateKeyPair() };
    const forged = anUpdate(impostor, serial, [
      {
        fromFuc: 1,
        toFuc: 2,
        operations: [addLicense(aLicense(impostor, serial, { ticketLicenseId: 'tl-x' }))],
      },
    ]);
    expect(codeOf(() => applyUpdate(pinned, forged))).toBe('unknown_firm_key');
  });

  it('refuses a license signed by an untrusted key inside a trusted update', () => {
    const { state } = aContainer(serial);
    const impostor = { firmCode: firm.firmCode, key: generateKeyPair() };
    const update = anUpdate(firm, serial, [
      { fromFuc: 0, toFuc: 1, operations: [addLicense(aLicense(impostor, serial))] },
    ]);
    expect(codeOf(() => applyUpdate(state, update))).toBe('unknown_firm_key');
  });

  it('refuses an update whose signature does not verify', () => {
    const { state } = aContainer(serial);
    const update = anUpdate(firm, serial, [
      { fromFuc: 0, toFuc: 1, operations: [addLicense(aLicense(firm, serial))] },
    ]);
    const lines = update.split('\n');
    const body = lines.slice(1, -2).join('');
    // Re-encode the envelope with a different (but well-formed) signature.
    const envelope = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    const other = anUpdate(firm, serial, [
      { fromFuc: 0, toFuc: 1, operations: [addLicense(aLicense(firm, serial, { ticketLicenseId: 'tl-9' }))] },
    ]);
    const otherEnvelope = JSON.parse(
      Buffer.from(other.split('\n').slice(1, -2).join(''), 'base64url').toString('utf8'),
    );
    envelope.signature = otherEnvelope.signature;
    const canonical = JSON.stringify(
      Object.fromEntries(Object.entries(envelope).sort(([a], [b]) => (a < b ? -1 : 1))),
    );
    const reencoded = Buffer.from(canonical)
      .toString('base64url')
      .match(/.{1,64}/g)
      ?.join('\n');
    const forged = `-----BEGIN TESSERA UPDATE-----\n${reencoded}\n-----END TESSERA UPDATE-----\n`;
    expect(codeOf(() => applyUpdate(state, forged))).toBe('signature_invalid');
  });

  it('accepts updates from a rotated key that the pinned key signed, and old licenses keep verifying', () => {
    const { state } = aContainer(serial);
    const oldLicense = aLicense(firm, serial, { ticketLicenseId: 'tl-old' });
    const pinned = applyUpdate(
      state,
      anUpdate(firm, serial, [{ fromFuc: 0, toFuc: 1, operations: [addLicense(oldLicense)] }]),
    ).state;
    const successor = { firmCode: firm.firmCode, key: generateKeyPair() };
    const rotation = signKeyRotation(firm.firmCode, firm.key, successor.key.publicKey, T0.toISOString());
    const newLicense = aLicense(successor, serial, { ticketLicenseId: 'tl-new', productCode: 1002 });
    const update = anUpdate(
      successor,
      serial,
      [{ fromFuc: 1, toFuc: 2, operations: [addLicense(newLicense)] }],
      {
        keyChain: [rotation] as never[],
      },
    );
    const { state: next } = applyUpdate(pinned, update);
    expect(next.firmItems[0]?.trustedKeys).toEqual([firm.key.publicKey, successor.key.publicKey]);
    // The vendor's software only embeds the original key: the stored chain lets it verify both licenses.
    const verified = verifyFirmItem(next, firm.firmCode, [firm.key.publicKey]);
    expect(verified?.rejected).toEqual([]);
    expect(verified?.entitlements.map((e) => e.ticketLicenseId).sort()).toEqual(['tl-new', 'tl-old']);
  });

  it('creates a firm item from an update signed after a rotation that carries a license the old key signed', () => {
    const { state } = aContainer(serial);
    const successor = { firmCode: firm.firmCode, key: generateKeyPair() };
    const rotation = signKeyRotation(firm.firmCode, firm.key, successor.key.publicKey, T0.toISOString());
    // Step 1 was issued (and its license signed) before the rotation but reached the container only now.
    const early = aLicense(firm, serial, { ticketLicenseId: 'tl-early' });
    const late = aLicense(successor, serial, { ticketLicenseId: 'tl-late', productCode: 1002 });
    const update = anUpdate(
      successor,
      serial,
      [
        { fromFuc: 0, toFuc: 1, operations: [addLicense(early)] },
        { fromFuc: 1, toFuc: 2, operations: [addLicense(late)] },
      ],
      { keyChain: [rotation] as never[] },
    );
    const { state: next } = applyUpdate(state, update);
    expect(next.firmItems[0]?.licenses.map((l) => l.ticketLicenseId).sort()).toEqual(['tl-early', 'tl-late']);
    expect(verifyFirmItem(next, firm.firmCode, [firm.key.publicKey])?.rejected).toEqual([]);
  });

  it('does not let a chain that leads elsewhere vouch for a key on creation', () => {
    const { state } = aContainer(serial);
    const successor = { firmCode: firm.firmCode, key: generateKeyPair() };
    const stranger = { firmCode: firm.firmCode, key: generateKeyPair() };
    const rotation = signKeyRotation(firm.firmCode, firm.key, successor.key.publicKey, T0.toISOString());
    const update = anUpdate(
      stranger,
      serial,
      [{ fromFuc: 0, toFuc: 1, operations: [addLicense(aLicense(firm, serial))] }],
      {
        keyChain: [rotation] as never[],
      },
    );
    expect(codeOf(() => applyUpdate(state, update))).toBe('unknown_firm_key');
  });

  it('refuses an online answer that does not echo the request’s nonce', () => {
    const { state } = aContainer(serial);
    const update = anUpdate(
      firm,
      serial,
      [{ fromFuc: 0, toFuc: 1, operations: [addLicense(aLicense(firm, serial))] }],
      {
        nonce: 'nonce-of-another-request',
      },
    );
    expect(codeOf(() => applyUpdate(state, update, { expectedNonce: 'nonce-of-this-request-1' }))).toBe(
      'nonce_mismatch',
    );
  });

  it('locks the firm item and writes the honey-pot marker', () => {
    const { state } = aContainer(serial);
    const license = aLicense(firm, serial);
    const update = anUpdate(firm, serial, [
      { fromFuc: 0, toFuc: 1, operations: [addLicense(license)] },
      {
        fromFuc: 1,
        toFuc: 2,
        operations: [
          { op: 'lock_firm_item', reason: 'blacklisted' },
          { op: 'write_honeypot', marker: 'hp-1' },
        ],
      },
    ]);
    const { state: next } = applyUpdate(state, update);
    expect(next.firmItems[0]).toMatchObject({
      locked: true,
      lockReason: 'blacklisted',
      honeypot: 'hp-1',
      fuc: 2,
    });
  });

  it('replaces and removes licenses, refusing to remove one the container does not hold', () => {
    const { state } = aContainer(serial);
    const gen1 = aLicense(firm, serial, { ticketLicenseId: 'tl-1', generation: 1 });
    const gen2 = aLicense(firm, serial, { ticketLicenseId: 'tl-1', generation: 2 });
    const withGen1 = applyUpdate(
      state,
      anUpdate(firm, serial, [{ fromFuc: 0, toFuc: 1, operations: [addLicense(gen1)] }]),
    ).state;
    const withGen2 = applyUpdate(
      withGen1,
      anUpdate(firm, serial, [
        {
          fromFuc: 1,
          toFuc: 2,
          operations: [{ op: 'replace_license', ticketLicenseId: 'tl-1', license: gen2.envelope }],
        },
      ]),
    ).state;
    expect(withGen2.firmItems[0]?.licenses.map((l) => l.generation)).toEqual([2]);
    const removeMissing = anUpdate(firm, serial, [
      { fromFuc: 2, toFuc: 3, operations: [{ op: 'remove_license', ticketLicenseId: 'tl-9' }] },
    ]);
    expect(codeOf(() => applyUpdate(withGen2, removeMissing))).toBe('update_inconsistent');
    const removed = applyUpdate(
      withGen2,
      anUpdate(firm, serial, [
        { fromFuc: 2, toFuc: 3, operations: [{ op: 'remove_license', ticketLicenseId: 'tl-1' }] },
      ]),
    ).state;
    expect(removed.firmItems[0]?.licenses).toEqual([]);
  });
});

describe('contexts', () => {
  const firm = aFirm();
  const serial = '3-200000001';

  it('report each firm item’s FUC and license digests, signed by the container key', () => {
    const { state, key } = aContainer(serial, 'portable');
    const license = aLicense(firm, serial);
    const next = applyUpdate(
      state,
      anUpdate(firm, serial, [{ fromFuc: 0, toFuc: 1, operations: [addLicense(license)] }]),
    ).state;
    const text = makeContext(next, key, { nonce: 'abcdefghijklmnop', now: T0, receiptFor: 'u-0-1' });
    const { context } = openContext(text);
    expect(context).toMatchObject({ serial, containerType: 'portable', scope: 'all', receiptFor: 'u-0-1' });
    expect(context.firmItems).toEqual([
      {
        firmCode: firm.firmCode,
        fuc: 1,
        locked: false,
        honeypot: false,
        licenses: [{ ticketLicenseId: 'tl-1', generation: 1, productCode: 1001, digest: license.digest }],
      },
    ]);
  });

  it('report a requested firm code the container lacks as FUC 0', () => {
    const { state, key } = aContainer(serial, 'portable');
    const { context } = openContext(
      makeContext(state, key, { nonce: 'abcdefghijklmnop', now: T0, firmCodes: [42] }),
    );
    expect(context.scope).toBe('selected');
    expect(context.firmItems).toEqual([
      { firmCode: 42, fuc: 0, locked: false, honeypot: false, licenses: [] },
    ]);
  });

  it('are refused when another key signed them than the container key they name', () => {
    const { state, key } = aContainer(serial, 'portable');
    const text = makeContext(state, key, { nonce: 'abcdefghijklmnop', now: T0 });
    const body = JSON.parse(
      Buffer.from(text.split('\n').slice(1, -2).join(''), 'base64url').toString('utf8'),
    );
    const stranger = generateKeyPair();
    body.key = stranger.publicKey; // claims another key: the key id no longer matches
    const canonical = JSON.stringify(
      Object.fromEntries(Object.entries(body).sort(([a], [b]) => (a < b ? -1 : 1))),
    );
    const forged = `-----BEGIN TESSERA CONTEXT-----\n${Buffer.from(canonical)
      .toString('base64url')
      .match(/.{1,64}/g)
      ?.join('\n')}\n-----END TESSERA CONTEXT-----\n`;
    expect(codeOf(() => openContext(forged))).toBe('signature_invalid');
  });
});
