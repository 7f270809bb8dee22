// The development signer: issues updates from a local firm key so the runtime, its tests and a vendor's
// first experiments work without Central. It knows nothing but the context it is given — no history, no
// catch-up, no withdrawals; Central replaces it for real use.

import {
  type Clock,
  defaultLicenseOptions,
  encodeFirmPrivateKey,
  encodeFirmPublicKey,
  firmItemInContext,
  generateKeyPair,
  type LicenseOptions,
  licenseOptionsSchema,
  openContext,
  parseFirmPrivateKey,
  randomToken,
  signLicense,
  signUpdate,
  TesseraError,
} from '@tessera/core';

export const generateFirmKeyFiles = (firmCode: number): { privateKeyFile: string; publicKeyFile: string } => {
  const key = generateKeyPair();
  return {
    privateKeyFile: encodeFirmPrivateKey(firmCode, key),
    publicKeyFile: encodeFirmPublicKey(firmCode, key.publicKey),
  };
};

export interface IssueRequest {
  keyFile: string;
  context: string;
  productCode: number;
  options?: Partial<LicenseOptions>;
  modules?: { productCode: number; featureMap: number | null; text: string | null }[];
  ticketLicenseId?: string;
  generation?: number;
  clock: Clock;
}

export const issueDevelopmentUpdate = (
  request: IssueRequest,
): { update: string; ticketLicenseId: string; serial: string } => {
  const { firmCode, key } = parseFirmPrivateKey(request.keyFile);
  const { context } = openContext(request.context);
  const item = firmItemInContext(context, firmCode);
  if (!item) {
    throw new TesseraError(
      'context_missing_firm_item',
      `the context does not report firm code ${firmCode}; write it with --firm-code ${firmCode} or without a firm code filter`,
    );
  }
  const options = licenseOptionsSchema.safeParse({ ...defaultLicenseOptions(), ...request.options });
  if (!options.success) {
    const issue = options.error.issues[0];
    throw new TesseraError(
      'invalid_license_options',
      `${issue?.path.join('.') || 'options'}: ${issue?.message}`,
    );
  }
  const issuedAt = request.clock.now().toISOString();
  const ticketLicenseId = request.ticketLicenseId ?? `dev-${randomToken(9)}`;
  const license = signLicense(
    {
      serial: context.serial,
      firmCode,
      productCode: request.productCode,
      ticketLicenseId,
      generation: request.generation ?? 1,
      issuedAt,
      options: options.data,
      modules: request.modules ?? [],
    },
    key,
  );
  const update = signUpdate(
    {
      updateId: `dev-${randomToken(12)}`,
      serial: context.serial,
      firmCode,
      issuedAt,
      nonce: context.nonce,
      keyChain: [],
      steps: [
        {
          fromFuc: item.fuc,
          toFuc: item.fuc + 1,
          operations: [{ op: 'add_license', license: license.envelope }],
        },
      ],
    },
    key,
  );
  return { update, ticketLicenseId, serial: context.serial };
};
