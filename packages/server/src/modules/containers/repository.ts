// Kysely queries of the container registry: containers, Central's record per firm item, and the update
// steps it issued. Written once for both dialects; the caller passes the transaction.

import type { FirmItemSnapshot, Operation } from '@tessera/core';
import type { Dialect } from '../../db/database.js';
import type {
  ContainerStatus,
  ContainerTable,
  ContainerTypeName,
  StepChannel,
} from '../../db/schema-licensing.js';
import type { Executor } from '../../db/transaction.js';

export interface Container {
  id: string;
  serial: string;
  type: ContainerTypeName;
  publicKey: string | null;
  status: ContainerStatus;
  statusReason: string | null;
  statusChangedAt: string | null;
  groupId: string | null;
  createdAt: string;
  lastContactAt: string | null;
}

/** What a step means for ticket licenses, so confirming it can move their states. */
export interface StepEffect {
  kind: 'activate' | 'deactivate' | 'withdraw' | 'lock';
  licenseId?: string;
  generation?: number;
}

export interface FirmItemRecord {
  containerId: string;
  firmCode: number;
  epoch: number;
  baselineFuc: number;
  baselineSnapshot: FirmItemSnapshot;
  issuedFuc: number;
  confirmedFuc: number;
  pinnedKeyId: string | null;
  reportedFuc: number | null;
  reportedSnapshot: FirmItemSnapshot | null;
  reportedAt: string | null;
}

export interface StepRecord {
  id: string;
  containerId: string;
  firmCode: number;
  epoch: number;
  fromFuc: number;
  toFuc: number;
  updateId: string;
  operations: Operation[];
  effects: StepEffect[];
  snapshotAfter: FirmItemSnapshot;
  channel: StepChannel;
  issuedAt: string;
  confirmedAt: string | null;
}

const toContainer = (row: ContainerTable): Container => ({
  id: row.id,
  serial: row.serial,
  type: row.type,
  publicKey: row.public_key,
  status: row.status,
  statusReason: row.status_reason,
  statusChangedAt: row.status_changed_at,
  groupId: row.group_id,
  createdAt: row.created_at,
  lastContactAt: row.last_contact_at,
});

export const findContainer = async (
  ex: Executor,
  serial: string,
  options: { lock?: Dialect } = {},
): Promise<Container | undefined> => {
  const row = await ex
    .selectFrom('containers')
    .selectAll()
    .where('serial', '=', serial)
    // Serializes every change to one container on PostgreSQL; SQLite transactions are serial anyway.
    .$if(options.lock === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
  return row ? toContainer(row) : undefined;
};

export const findContainerById = async (ex: Executor, id: string): Promise<Container | undefined> => {
  const row = await ex.selectFrom('containers').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toContainer(row) : undefined;
};

/** Inserts the container unless its serial exists (a concurrent first contact may have won); true if inserted. */
export const insertContainerIfAbsent = async (ex: Executor, container: Container): Promise<boolean> => {
  const inserted = await ex
    .insertInto('containers')
    .values({
      id: container.id,
      serial: container.serial,
      type: container.type,
      public_key: container.publicKey,
      status: container.status,
      status_reason: container.statusReason,
      status_changed_at: container.statusChangedAt,
      group_id: container.groupId,
      created_at: container.createdAt,
      last_contact_at: container.lastContactAt,
    })
    .onConflict((oc) => oc.column('serial').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
};

export const updateContainer = async (
  ex: Executor,
  id: string,
  changes: Partial<{
    publicKey: string | null;
    status: ContainerStatus;
    statusReason: string | null;
    statusChangedAt: string | null;
    groupId: string | null;
    lastContactAt: string | null;
  }>,
): Promise<void> => {
  await ex
    .updateTable('containers')
    .set({
      ...(changes.publicKey !== undefined ? { public_key: changes.publicKey } : {}),
      ...(changes.status !== undefined ? { status: changes.status } : {}),
      ...(changes.statusReason !== undefined ? { status_reason: changes.statusReason } : {}),
      ...(changes.statusChangedAt !== undefined ? { status_changed_at: changes.statusChangedAt } : {}),
      ...(changes.groupId !== undefined ? { group_id: changes.groupId } : {}),
      ...(changes.lastContactAt !== undefined ? { last_contact_at: changes.lastContactAt } : {}),
    })
    .where('id', '=', id)
    .execute();
};

const parseSnapshot = (text: string): FirmItemSnapshot => JSON.parse(text) as FirmItemSnapshot;

export const findFirmItems = async (ex: Executor, containerId: string): Promise<FirmItemRecord[]> => {
  const rows = await ex
    .selectFrom('container_firm_items')
    .selectAll()
    .where('container_id', '=', containerId)
    .orderBy('firm_code')
    .execute();
  return rows.map((row) => ({
    containerId: row.container_id,
    firmCode: row.firm_code,
    epoch: row.epoch,
    baselineFuc: row.baseline_fuc,
    baselineSnapshot: parseSnapshot(row.baseline_snapshot),
    issuedFuc: row.issued_fuc,
    confirmedFuc: row.confirmed_fuc,
    pinnedKeyId: row.pinned_key_id,
    reportedFuc: row.reported_fuc,
    reportedSnapshot: row.reported_snapshot === null ? null : parseSnapshot(row.reported_snapshot),
    reportedAt: row.reported_at,
  }));
};

export const insertFirmItem = async (ex: Executor, item: FirmItemRecord): Promise<void> => {
  await ex
    .insertInto('container_firm_items')
    .values({
      container_id: item.containerId,
      firm_code: item.firmCode,
      epoch: item.epoch,
      baseline_fuc: item.baselineFuc,
      baseline_snapshot: JSON.stringify(item.baselineSnapshot),
      issued_fuc: item.issuedFuc,
      confirmed_fuc: item.confirmedFuc,
      pinned_key_id: item.pinnedKeyId,
      reported_fuc: item.reportedFuc,
      reported_snapshot: item.reportedSnapshot === null ? null : JSON.stringify(item.reportedSnapshot),
      reported_at: item.reportedAt,
    })
    .execute();
};

export const updateFirmItem = async (
  ex: Executor,
  item: Pick<FirmItemRecord, 'containerId' | 'firmCode'>,
  changes: Partial<Omit<FirmItemRecord, 'containerId' | 'firmCode'>>,
  /** When given, the update only happens if the record still has this issued FUC (a lost race → 0 rows). */
  expectIssuedFuc?: number,
): Promise<boolean> => {
  const result = await ex
    .updateTable('container_firm_items')
    .set({
      ...(changes.epoch !== undefined ? { epoch: changes.epoch } : {}),
      ...(changes.baselineFuc !== undefined ? { baseline_fuc: changes.baselineFuc } : {}),
      ...(changes.baselineSnapshot !== undefined
        ? { baseline_snapshot: JSON.stringify(changes.baselineSnapshot) }
        : {}),
      ...(changes.issuedFuc !== undefined ? { issued_fuc: changes.issuedFuc } : {}),
      ...(changes.confirmedFuc !== undefined ? { confirmed_fuc: changes.confirmedFuc } : {}),
      ...(changes.pinnedKeyId !== undefined ? { pinned_key_id: changes.pinnedKeyId } : {}),
      ...(changes.reportedFuc !== undefined ? { reported_fuc: changes.reportedFuc } : {}),
      ...(changes.reportedSnapshot !== undefined
        ? {
            reported_snapshot:
              changes.reportedSnapshot === null ? null : JSON.stringify(changes.reportedSnapshot),
          }
        : {}),
      ...(changes.reportedAt !== undefined ? { reported_at: changes.reportedAt } : {}),
    })
    .where('container_id', '=', item.containerId)
    .where('firm_code', '=', item.firmCode)
    .$if(expectIssuedFuc !== undefined, (q) => q.where('issued_fuc', '=', expectIssuedFuc as number))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
};

const toStep = (row: {
  id: string;
  container_id: string;
  firm_code: number;
  epoch: number;
  from_fuc: number;
  to_fuc: number;
  update_id: string;
  operations: string;
  effects: string;
  snapshot_after: string;
  channel: StepChannel;
  issued_at: string;
  confirmed_at: string | null;
}): StepRecord => ({
  id: row.id,
  containerId: row.container_id,
  firmCode: row.firm_code,
  epoch: row.epoch,
  fromFuc: row.from_fuc,
  toFuc: row.to_fuc,
  updateId: row.update_id,
  operations: JSON.parse(row.operations) as Operation[],
  effects: JSON.parse(row.effects) as StepEffect[],
  snapshotAfter: parseSnapshot(row.snapshot_after),
  channel: row.channel,
  issuedAt: row.issued_at,
  confirmedAt: row.confirmed_at,
});

/** Steps of the current epoch with `toFuc` in (after, upTo], in order. */
export const findSteps = async (
  ex: Executor,
  item: Pick<FirmItemRecord, 'containerId' | 'firmCode' | 'epoch'>,
  range: { after: number; upTo?: number },
): Promise<StepRecord[]> => {
  const rows = await ex
    .selectFrom('container_steps')
    .selectAll()
    .where('container_id', '=', item.containerId)
    .where('firm_code', '=', item.firmCode)
    .where('epoch', '=', item.epoch)
    .where('to_fuc', '>', range.after)
    .$if(range.upTo !== undefined, (q) => q.where('to_fuc', '<=', range.upTo as number))
    .orderBy('to_fuc')
    .execute();
  return rows.map(toStep);
};

export const findStepAt = async (
  ex: Executor,
  item: Pick<FirmItemRecord, 'containerId' | 'firmCode' | 'epoch'>,
  toFuc: number,
): Promise<StepRecord | undefined> => {
  const row = await ex
    .selectFrom('container_steps')
    .selectAll()
    .where('container_id', '=', item.containerId)
    .where('firm_code', '=', item.firmCode)
    .where('epoch', '=', item.epoch)
    .where('to_fuc', '=', toFuc)
    .executeTakeFirst();
  return row ? toStep(row) : undefined;
};

export const insertStep = async (ex: Executor, step: StepRecord): Promise<void> => {
  await ex
    .insertInto('container_steps')
    .values({
      id: step.id,
      container_id: step.containerId,
      firm_code: step.firmCode,
      epoch: step.epoch,
      from_fuc: step.fromFuc,
      to_fuc: step.toFuc,
      update_id: step.updateId,
      operations: JSON.stringify(step.operations),
      effects: JSON.stringify(step.effects),
      snapshot_after: JSON.stringify(step.snapshotAfter),
      channel: step.channel,
      issued_at: step.issuedAt,
      confirmed_at: step.confirmedAt,
    })
    .execute();
};

export const confirmSteps = async (ex: Executor, ids: string[], at: string): Promise<void> => {
  if (ids.length === 0) return;
  await ex.updateTable('container_steps').set({ confirmed_at: at }).where('id', 'in', ids).execute();
};

/** Records a context's nonce; false when this container already sent it (a replayed document). */
export const rememberNonce = async (
  ex: Executor,
  containerId: string,
  nonce: string,
  at: string,
): Promise<boolean> => {
  const result = await ex
    .insertInto('context_nonces')
    .values({ container_id: containerId, nonce, received_at: at })
    .onConflict((oc) => oc.columns(['container_id', 'nonce']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
};
