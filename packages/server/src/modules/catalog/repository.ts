// Kysely queries of the catalog: firm codes and their keys, products, settings. Written once for SQLite and
// PostgreSQL; every function takes its executor from the caller and never opens a transaction. Rows become
// camelCase records here, JSON columns are parsed here; the sealed private key only leaves through
// FirmKeyRecord, which the keyring opens.

import type { ModuleItem } from '@tessera/core';
import { type SqlBool, sql } from 'kysely';
import { type Arg, prepared } from '../../db/prepared.js';
import type { ContainerTypeName, ProductTable, ReactivationBehaviour } from '../../db/schema-licensing.js';
import type { Executor } from '../../db/transaction.js';
import type { LicenseTemplate, OrderOptionName } from './license-template.js';

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
const activeFirmKey = prepared((qb, arg: Arg<{ firmCode: number }>) =>
  qb
    .selectFrom('firm_keys')
    .innerJoin('firm_codes', 'firm_codes.id', 'firm_keys.firm_code_id')
    .select(firmKeyColumns)
    .where('firm_codes.firm_code', '=', arg('firmCode'))
    // A literal, not a parameter: SQLite re-plans a statement on every execution when a bound value decides
    // whether a partial index (firm_keys_one_active) applies.
    .where('firm_keys.status', '=', sql.lit('active')),
);

export const findActiveFirmKey = async (
  ex: Executor,
  firmCode: number,
): Promise<FirmKeyRecord | undefined> => {
  const row = await activeFirmKey.first(ex, { firmCode });
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

// ——— products ———

export interface ProductPolicies {
  deactivationAllowed: boolean | null;
  reactivationsAllowed: number | null;
  reactivationMinWaitSeconds: number | null;
  reactivationBehaviour: ReactivationBehaviour | null;
  keepTicketComplete: boolean;
}

export interface Product {
  id: string;
  sku: string;
  name: string;
  description: string;
  firmCodeId: string;
  /** The firm code number (from firm_codes). */
  firmCode: number;
  productCode: number;
  containerTypes: ContainerTypeName[];
  defaultOptions: LicenseTemplate;
  orderOptions: OrderOptionName[];
  modules: ModuleItem[];
  policies: ProductPolicies;
  archivedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

const productColumns = [
  'products.id',
  'products.sku',
  'products.name',
  'products.description',
  'products.firm_code_id',
  'firm_codes.firm_code',
  'products.product_code',
  'products.container_types',
  'products.default_options',
  'products.order_options',
  'products.modules',
  'products.deactivation_allowed',
  'products.reactivations_allowed',
  'products.reactivation_min_wait_seconds',
  'products.reactivation_behaviour',
  'products.keep_ticket_complete',
  'products.archived_at',
  'products.created_at',
  'products.updated_at',
] as const;

type ProductRow = ProductTable & { firm_code: number };

const toProduct = (row: ProductRow): Product => ({
  id: row.id,
  sku: row.sku,
  name: row.name,
  description: row.description,
  firmCodeId: row.firm_code_id,
  firmCode: Number(row.firm_code),
  productCode: Number(row.product_code),
  containerTypes: JSON.parse(row.container_types) as ContainerTypeName[],
  defaultOptions: JSON.parse(row.default_options) as LicenseTemplate,
  orderOptions: JSON.parse(row.order_options) as OrderOptionName[],
  modules: JSON.parse(row.modules) as ModuleItem[],
  policies: {
    deactivationAllowed: row.deactivation_allowed === null ? null : row.deactivation_allowed === 1,
    reactivationsAllowed: row.reactivations_allowed === null ? null : Number(row.reactivations_allowed),
    reactivationMinWaitSeconds:
      row.reactivation_min_wait_seconds === null ? null : Number(row.reactivation_min_wait_seconds),
    reactivationBehaviour: row.reactivation_behaviour,
    keepTicketComplete: row.keep_ticket_complete === 1,
  },
  archivedAt: row.archived_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const flag = (value: boolean | null): number | null => (value === null ? null : value ? 1 : 0);

const productValues = (product: Omit<Product, 'id' | 'firmCode' | 'createdAt'>) => ({
  sku: product.sku,
  name: product.name,
  description: product.description,
  firm_code_id: product.firmCodeId,
  product_code: product.productCode,
  container_types: JSON.stringify(product.containerTypes),
  default_options: JSON.stringify(product.defaultOptions),
  order_options: JSON.stringify(product.orderOptions),
  modules: JSON.stringify(product.modules),
  deactivation_allowed: flag(product.policies.deactivationAllowed),
  reactivations_allowed: product.policies.reactivationsAllowed,
  reactivation_min_wait_seconds: product.policies.reactivationMinWaitSeconds,
  reactivation_behaviour: product.policies.reactivationBehaviour,
  keep_ticket_complete: product.policies.keepTicketComplete ? 1 : 0,
  archived_at: product.archivedAt,
  updated_at: product.updatedAt,
});

const selectProducts = (ex: Executor) =>
  ex
    .selectFrom('products')
    .innerJoin('firm_codes', 'firm_codes.id', 'products.firm_code_id')
    .select(productColumns);

export const insertProduct = async (ex: Executor, product: Product): Promise<void> => {
  await ex
    .insertInto('products')
    .values({ id: product.id, created_at: product.createdAt, ...productValues(product) })
    .execute();
};

/** Replaces every changeable column of a product. */
export const updateProduct = async (ex: Executor, product: Product): Promise<boolean> => {
  const result = await ex
    .updateTable('products')
    .set(productValues(product))
    .where('id', '=', product.id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
};

/** Takes the product's row lock (PostgreSQL) so a read-modify-write of it is not interleaved. */
export const lockProduct = async (ex: Executor, id: string): Promise<void> => {
  await ex
    .updateTable('products')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('id', '=', id)
    .execute();
};

/** Archives (or un-archives) a product; false when it already was in that state. */
export const setProductArchived = async (ex: Executor, id: string, at: string | null, now: string) => {
  const result = await ex
    .updateTable('products')
    .set({ archived_at: at, updated_at: now })
    .where('id', '=', id)
    .where('archived_at', at === null ? 'is not' : 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
};

const productById = prepared((qb, arg: Arg<{ id: string }>) =>
  qb
    .selectFrom('products')
    .innerJoin('firm_codes', 'firm_codes.id', 'products.firm_code_id')
    .select(productColumns)
    .where('products.id', '=', arg('id')),
);

export const findProduct = async (ex: Executor, id: string): Promise<Product | undefined> => {
  const row = await productById.first(ex, { id });
  return row && toProduct(row);
};

export const findProductBySku = async (ex: Executor, sku: string): Promise<Product | undefined> => {
  const row = await selectProducts(ex).where('products.sku', '=', sku).executeTakeFirst();
  return row && toProduct(row);
};

/** Products by id and by SKU in one query (for orders naming many items). */
export const findProductsByIdsOrSkus = async (
  ex: Executor,
  ids: readonly string[],
  skus: readonly string[],
): Promise<Product[]> => {
  if (ids.length === 0 && skus.length === 0) return [];
  const rows = await selectProducts(ex)
    .where((eb) =>
      eb.or([
        ...(ids.length > 0 ? [eb('products.id', 'in', [...ids])] : []),
        ...(skus.length > 0 ? [eb('products.sku', 'in', [...skus])] : []),
      ]),
    )
    .execute();
  return rows.map(toProduct);
};

const likePattern = (text: string): string => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export const listProducts = async (
  ex: Executor,
  filter: { firmCode?: number | undefined; q?: string | undefined; includeArchived: boolean },
  page: { after: string | undefined; limit: number },
): Promise<Product[]> => {
  let query = selectProducts(ex)
    .orderBy('products.id')
    .limit(page.limit + 1);
  if (filter.firmCode !== undefined) query = query.where('firm_codes.firm_code', '=', filter.firmCode);
  if (!filter.includeArchived) query = query.where('products.archived_at', 'is', null);
  if (filter.q !== undefined) {
    const pattern = likePattern(filter.q);
    query = query.where((eb) =>
      eb.or([
        sql<SqlBool>`lower(${sql.ref('products.sku')}) like ${pattern} escape '\\'`,
        sql<SqlBool>`lower(${sql.ref('products.name')}) like ${pattern} escape '\\'`,
      ]),
    );
  }
  if (page.after !== undefined) query = query.where('products.id', '>', page.after);
  return (await query.execute()).map(toProduct);
};

// ——— settings ———

/** The stored settings rows (JSON values by key); keys never set are absent. */
const allSettings = prepared((qb) => qb.selectFrom('settings').select(['key', 'value', 'updated_at']));

export const readSettings = async (
  ex: Executor,
): Promise<{ values: Map<string, unknown>; updatedAt: string | null }> => {
  const rows = await allSettings.rows(ex, {});
  const updatedAt = rows.reduce<string | null>(
    (latest, row) => (latest === null || row.updated_at > latest ? row.updated_at : latest),
    null,
  );
  return { values: new Map(rows.map((row) => [row.key, JSON.parse(row.value) as unknown])), updatedAt };
};

export const writeSetting = async (ex: Executor, key: string, value: unknown, at: string): Promise<void> => {
  const json = JSON.stringify(value);
  await ex
    .insertInto('settings')
    .values({ key, value: json, updated_at: at })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: at }))
    .execute();
};
