// Test builders for the protocol: a firm (key pair + firm code), containers, licenses and update files
// issued the way Central issues them.

import {
  type ContainerState,
  defaultLicenseOptions,
  type FirmItemSnapshot,
  generateKeyPair,
  type KeyPair,
  type LicenseOptions,
  newContainerState,
  type Operation,
  projectStep,
  type SignedLicense,
  type SnapshotChange,
  type Step,
  signLicense,
  signUpdate,
} from '@tessera/core';

export const T0 = new Date('2026-06-01T00:00:00.000Z');

export interface Firm {
  firmCode: number;
  key: KeyPair;
}

export const aFirm = (firmCode = 6_000_010): Firm => ({ firmCode, key: generateKeyPair() });

export const aContainer = (serial = '130-100000001', type: ContainerState['type'] = 'machine') => ({
  state: newContainerState(serial, type),
  key: generateKeyPair(),
});

export const aLicense = (
  firm: Firm,
  serial: string,
  overrides: Partial<{
    productCode: number;
    ticketLicenseId: string;
    generation: number;
    options: Partial<LicenseOptions>;
    modules: { productCode: number; featureMap: number | null; text: string | null }[];
    issuedAt: Date;
  }> = {},
): SignedLicense =>
  signLicense(
    {
      serial,
      firmCode: firm.firmCode,
      productCode: overrides.productCode ?? 1001,
      ticketLicenseId: overrides.ticketLicenseId ?? 'tl-1',
      generation: overrides.generation ?? 1,
      issuedAt: (overrides.issuedAt ?? T0).toISOString(),
      options: { ...defaultLicenseOptions(), ...overrides.options },
      modules: overrides.modules ?? [],
    },
    firm.key,
  );

export const addLicense = (license: SignedLicense): Operation => ({
  op: 'add_license',
  license: license.envelope,
});

export const anUpdate = (
  firm: Firm,
  serial: string,
  steps: Step[],
  overrides: Partial<{
    updateId: string;
    issuedAt: Date;
    nonce: string | null;
    signer: KeyPair;
    keyChain: never[];
  }> = {},
): string =>
  signUpdate(
    {
      updateId: overrides.updateId ?? `u-${steps[0]?.fromFuc}-${steps[steps.length - 1]?.toFuc}`,
      serial,
      firmCode: firm.firmCode,
      issuedAt: (overrides.issuedAt ?? T0).toISOString(),
      nonce: overrides.nonce ?? null,
      keyChain: overrides.keyChain ?? [],
      steps,
    },
    overrides.signer ?? firm.key,
  );

/** The snapshot change Central would predict for an operation it issued. */
export const changeOf = (operation: Operation, licenses: Map<string, SignedLicense>): SnapshotChange => {
  switch (operation.op) {
    case 'add_license':
    case 'replace_license': {
      const signed = [...licenses.values()].find((l) => l.envelope.signature === operation.license.signature);
      if (!signed) throw new Error('test issued a license it does not know');
      const license = {
        ticketLicenseId: signed.license.ticketLicenseId,
        generation: signed.license.generation,
        productCode: signed.license.productCode,
        digest: signed.digest,
      };
      return operation.op === 'add_license'
        ? { op: 'add_license', license }
        : { op: 'replace_license', ticketLicenseId: operation.ticketLicenseId, license };
    }
    case 'remove_license':
      return { op: 'remove_license', ticketLicenseId: operation.ticketLicenseId };
    case 'lock_firm_item':
      return { op: 'lock_firm_item' };
    case 'write_honeypot':
      return { op: 'write_honeypot' };
  }
};

export const predict = (snapshot: FirmItemSnapshot, step: Step, licenses: Map<string, SignedLicense>) =>
  projectStep(
    snapshot,
    step.operations.map((op) => changeOf(op, licenses)),
  );
