// Kysely queries of the catalog: firm codes and their keys, products, settings. Written once for SQLite and
// PostgreSQL; every function takes its executor from the caller and never opens a transaction. Rows become
// camelCase records here, JSON columns are parsed here; the sealed private key only leaves through
// FirmKeyRecord, which the keyring opens.

import type { Executor } from '../../db/transaction.js';

// ——— firm codes and keys ———

export interface FirmCode {
  id: string;
  firmCode: number;
  name: string;
  createdAt: string;
  updatedAt: string;
}

export interface FirmKeyRecord {
  id: string;
  firmCodeId: string;
  keyId: string;
  publicKey: string;
  privateKeySealed: string;
  /** JSON envelope of the rotation the previous key signed; null for a firm code's first key. */
  rotation: string | null;
  previousKeyId: string | null;
  status: 'active' | 'retired';
  createdAt: string;
  retiredAt: string | null;
}

const firmCodeColumns = [
  'firm_codes.id',
  'firm_codes.firm_code',
  'firm_codes.name',
  'firm_codes.created_at',
  'firm_codes.updated_at',
] as const;

const toFirmCode = (row: {
  id: string;
  firm_code: number;
  name: string;
  created_at: string;
  updated_at: string;
}): FirmCode => ({
  id: row.id,
  firmCode: Number(row.firm_code),
  name: row.name,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const firmKeyColumns = [
  'firm_keys.id',
  'firm_keys.firm_code_id',
  'firm_keys.key_id',
  'firm_keys.public_key',
  'firm_keys.private_key_sealed',
  'firm_keys.rotation',
  'firm_keys.previous_key_id',
  'firm_keys.status',
  'firm_keys.created_at',
  'firm_keys.retired_at',
] as const;

const toFirmKey = (row: {
  id: string;
  firm_code_id: string;
  key_id: string;
  public_key: string;
  private_key_sealed: string;
  rotation: string | null;
  previous_key_id: string | null;
  status: 'active' | 'retired';
  created_at: string;
  retired_at: string | null;
}): FirmKeyRecord => ({
  id: row.id,
  firmCodeId: row.firm_code_id,
  keyId: row.key_id,
  publicKey: row.public_key,
  privateKeySealed: row.private_key_sealed,
  rotation: row.rotation,
  previousKeyId: row.previous_key_id,
  status: row.status,
  createdAt: row.created_at,
  retiredAt: row.retired_at,
});

export const insertFirmCode = async (ex: Executor, firmCode: FirmCode): Promise<void> => {
  await ex
    .insertInto('firm_codes')
    .values({
      id: firmCode.id,
      firm_code: firmCode.firmCode,
      name: firmCode.name,
      created_at: firmCode.createdAt,
      updated_at: firmCode.updatedAt,
    })
    .execute();
};

export const findFirmCode = async (ex: Executor, firmCode: number): Promise<FirmCode | undefined> => {
  const row = await ex
    .selectFrom('firm_codes')
    .select(firmCodeColumns)
    .where('firm_code', '=', firmCode)
    .executeTakeFirst();
  return row && toFirmCode(row);
};

export const findFirmCodeById = async (ex: Executor, id: string): Promise<FirmCode | undefined> => {
  const row = await ex
    .selectFrom('firm_codes')
    .select(firmCodeColumns)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && toFirmCode(row);
};

export const listFirmCodes = async (
  ex: Executor,
  page: { after: string | undefined; limit: number },
): Promise<FirmCode[]> => {
  let query = ex
    .selectFrom('firm_codes')
    .select(firmCodeColumns)
    .orderBy('firm_codes.id')
    .limit(page.limit + 1);
  if (page.after !== undefined) query = query.where('firm_codes.id', '>', page.after);
  return (await query.execute()).map(toFirmCode);
};

export const insertFirmKey = async (ex: Executor, key: FirmKeyRecord): Promise<void> => {
  await ex
    .insertInto('firm_keys')
    .values({
      id: key.id,
      firm_code_id: key.firmCodeId,
      key_id: key.keyId,
      public_key: key.publicKey,
      private_key_sealed: key.privateKeySealed,
      rotation: key.rotation,
      previous_key_id: key.previousKeyId,
      status: key.status,
      created_at: key.createdAt,
      retired_at: key.retiredAt,
    })
    .execute();
};

/** The active key of a firm code (by its number). */
export const findActiveFirmKey = async (
  ex: Executor,
  firmCode: number,
): Promise<FirmKeyRecord | undefined> => {
  const row = await ex
    .selectFrom('firm_keys')
    .innerJoin('firm_codes', 'firm_codes.id', 'firm_keys.firm_code_id')
    .select(firmKeyColumns)
    .where('firm_codes.firm_code', '=', firmCode)
    .where('firm_keys.status', '=', 'active')
    .executeTakeFirst();
  return row && toFirmKey(row);
};

/** Every key of a firm code (by its number), oldest first. */
export const listFirmKeysOfCode = async (ex: Executor, firmCode: number): Promise<FirmKeyRecord[]> =>
  (
    await ex
      .selectFrom('firm_keys')
      .innerJoin('firm_codes', 'firm_codes.id', 'firm_keys.firm_code_id')
      .select(firmKeyColumns)
      .where('firm_codes.firm_code', '=', firmCode)
      .orderBy('firm_keys.id')
      .execute()
  ).map(toFirmKey);

/** Every key of the given firm codes (by row id), oldest first. */
export const listFirmKeysOf = async (ex: Executor, firmCodeIds: string[]): Promise<FirmKeyRecord[]> =>
  firmCodeIds.length === 0
    ? []
    : (
        await ex
          .selectFrom('firm_keys')
          .select(firmKeyColumns)
          .where('firm_keys.firm_code_id', 'in', firmCodeIds)
          .orderBy('firm_keys.id')
          .execute()
      ).map(toFirmKey);

/** Retires the active key `keyId`; false when it is no longer the active key (a concurrent rotation won). */
export const retireFirmKey = async (ex: Executor, keyId: string, at: string): Promise<boolean> => {
  const result = await ex
    .updateTable('firm_keys')
    .set({ status: 'retired', retired_at: at })
    .where('key_id', '=', keyId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
};

/** Every sealed firm private key (for reseal). */
export const listSealedFirmKeys = async (ex: Executor): Promise<{ keyId: string; sealed: string }[]> =>
  (await ex.selectFrom('firm_keys').select(['key_id', 'private_key_sealed']).execute()).map((row) => ({
    keyId: row.key_id,
    sealed: row.private_key_sealed,
  }));

export const updateSealedFirmKey = async (
  ex: Executor,
  keyId: string,
  from: string,
  to: string,
): Promise<boolean> => {
  const result = await ex
    .updateTable('firm_keys')
    .set({ private_key_sealed: to })
    .where('key_id', '=', keyId)
    .where('private_key_sealed', '=', from)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
};
