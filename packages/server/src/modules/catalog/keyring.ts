// The firm keyring: the one way the rest of Central gets a firm code's private signing key (opened from its
// sealed column with the master key) and the rotation envelopes that carry trust from an older key to the
// active one. Decrypted keys are cached in-process by key id — a key id names immutable key material, so the
// cache never goes stale; which key is active is read from the database on every call, so a rotation made by
// another instance takes effect at once. Not here: creating or rotating keys (service.ts).

import { type Envelope, envelopeSchema, type KeyPair, TesseraError, toBase64Url } from '@tessera/core';
import type { Executor } from '../../db/transaction.js';
import { type MasterKeys, openSecret, SEAL_CONTEXT } from './master-key.js';
import { type FirmKeyRecord, findActiveFirmKey, listFirmKeysOfCode } from './repository.js';

export interface FirmKeyring {
  /** The active signing key of a firm code. TesseraError 'firm_code_not_found' when unknown. */
  signingKey(ex: Executor, firmCode: number): Promise<{ keyId: string; key: KeyPair }>;
  /** The firm_key_rotation envelopes leading from key `fromKeyId` to the active key, oldest first ([] when fromKeyId is active). */
  rotationChain(ex: Executor, firmCode: number, fromKeyId: string): Promise<Envelope[]>;
}

const CACHE_LIMIT = 1000;

export const firmCodeNotFound = (firmCode: number) =>
  new TesseraError('firm_code_not_found', `No firm code ${firmCode} exists.`, { firmCode });

/** Opens a firm key's sealed private seed. */
export const openFirmKey = (masterKeys: MasterKeys, record: FirmKeyRecord): KeyPair => ({
  publicKey: record.publicKey,
  privateKey: toBase64Url(
    openSecret(masterKeys, record.privateKeySealed, SEAL_CONTEXT.firmPrivateKey(record.keyId)),
  ),
});

export const createFirmKeyring = (masterKeys: MasterKeys): FirmKeyring => {
  const opened = new Map<string, KeyPair>();
  const keyOf = (record: FirmKeyRecord): KeyPair => {
    let key = opened.get(record.keyId);
    if (key === undefined) {
      key = openFirmKey(masterKeys, record);
      if (opened.size >= CACHE_LIMIT) opened.clear();
      opened.set(record.keyId, key);
    }
    return key;
  };

  return {
    signingKey: async (ex, firmCode) => {
      const record = await findActiveFirmKey(ex, firmCode);
      if (!record) throw firmCodeNotFound(firmCode);
      return { keyId: record.keyId, key: keyOf(record) };
    },

    rotationChain: async (ex, firmCode, fromKeyId) => {
      const keys = await listFirmKeysOfCode(ex, firmCode);
      if (keys.length === 0) throw firmCodeNotFound(firmCode);
      const byId = new Map(keys.map((k) => [k.keyId, k]));
      if (!byId.has(fromKeyId)) {
        throw new TesseraError(
          'firm_key_not_found',
          `Key ${fromKeyId} is not a key of firm code ${firmCode}.`,
          { firmCode, keyId: fromKeyId },
        );
      }
      const active = keys.find((k) => k.status === 'active');
      if (!active) throw firmCodeNotFound(firmCode);
      // Walk back from the active key along previous_key_id; each step's rotation was signed by its predecessor.
      const chain: Envelope[] = [];
      let at: FirmKeyRecord | undefined = active;
      while (at !== undefined && at.keyId !== fromKeyId) {
        if (at.rotation === null || at.previousKeyId === null) {
          throw new TesseraError(
            'firm_key_not_found',
            `Key ${fromKeyId} is not an ancestor of the active key of firm code ${firmCode}.`,
            { firmCode, keyId: fromKeyId },
          );
        }
        chain.push(envelopeSchema.parse(JSON.parse(at.rotation)));
        at = byId.get(at.previousKeyId);
      }
      return chain.reverse();
    },
  };
};
