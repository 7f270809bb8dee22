// Kysely queries of the container registry: containers, Central's record per firm item, and the update
// steps it issued. Written once for both dialects; the caller passes the transaction.

import type { FirmItemSnapshot, Operation } from '@tessera/core';
import { type Arg, columnArgs, columnChanges, prepared, preparedShape } from '../../db/prepared.js';
import type {
  ContainerFirmItemTable,
  ContainerStatus,
  ContainerStepTable,
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
  /** not written yet: the ledger inserts it with the step it issues (or as it is) before the transaction ends */
  unsaved?: boolean;
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

const containerBySerial = prepared<{ serial: string }, ContainerTable>((qb, arg) =>
  qb.selectFrom('containers').selectAll().where('serial', '=', arg('serial')),
);

// The contact's read of the container also brings its customer group's path, which its audit entries carry.
// Locking the row serializes every change to one container on PostgreSQL; SQLite transactions are serial anyway.
const containerForContact = prepared((qb, arg: Arg<{ serial: string }>, dialect) => {
  const query = qb
    .selectFrom('containers')
    .leftJoin('groups', 'groups.id', 'containers.group_id')
    .selectAll('containers')
    .select('groups.path as group_path')
    .where('containers.serial', '=', arg('serial'));
  return dialect === 'postgres' ? query.forUpdate('containers') : query;
});

/** The container of a serial with its group's path, locked for the transaction on PostgreSQL. */
export const findContainerForContact = async (
  ex: Executor,
  serial: string,
): Promise<{ container: Container; groupPath: string | null } | undefined> => {
  const row = await containerForContact.first(ex, { serial });
  return row ? { container: toContainer(row), groupPath: row.group_path } : undefined;
};

export const findContainer = async (ex: Executor, serial: string): Promise<Container | undefined> => {
  const row = await containerBySerial.first(ex, { serial });
  return row ? toContainer(row) : undefined;
};

const containerById = prepared<{ id: string }, ContainerTable>((qb, arg) =>
  qb.selectFrom('containers').selectAll().where('id', '=', arg('id')),
);

export const findContainerById = async (ex: Executor, id: string): Promise<Container | undefined> => {
  const row = await containerById.first(ex, { id });
  return row ? toContainer(row) : undefined;
};

const containerColumns = [
  'id',
  'serial',
  'type',
  'public_key',
  'status',
  'status_reason',
  'status_changed_at',
  'group_id',
  'created_at',
  'last_contact_at',
] as const satisfies readonly (keyof ContainerTable)[];

const insertContainer = prepared<ContainerTable, { id: string }>((qb, arg) =>
  qb
    .insertInto('containers')
    .values(columnArgs(containerColumns, arg))
    .onConflict((oc) => oc.column('serial').doNothing())
    .returning('id'),
);

/** Inserts the container unless its serial exists (a concurrent first contact may have won); true if inserted. */
export const insertContainerIfAbsent = async (ex: Executor, container: Container): Promise<boolean> => {
  const inserted = await insertContainer.first(ex, {
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
  });
  return inserted !== undefined;
};

export type ContainerChanges = Partial<{
  publicKey: string | null;
  status: ContainerStatus;
  statusReason: string | null;
  statusChangedAt: string | null;
  groupId: string | null;
  lastContactAt: string | null;
}>;

const CONTAINER_COLUMN: Record<keyof ContainerChanges, keyof ContainerTable> = {
  publicKey: 'public_key',
  status: 'status',
  statusReason: 'status_reason',
  statusChangedAt: 'status_changed_at',
  groupId: 'group_id',
  lastContactAt: 'last_contact_at',
};

const updateContainerColumns = preparedShape<ContainerTable>(
  (shape) => (qb, arg) =>
    qb
      .updateTable('containers')
      .set(columnArgs(shape.split(',') as (keyof ContainerTable)[], arg))
      .where('id', '=', arg('id')),
);

export const updateContainer = async (ex: Executor, id: string, changes: ContainerChanges): Promise<void> => {
  const { shape, values } = columnChanges<ContainerTable>(changes, CONTAINER_COLUMN);
  if (shape === '') return;
  await updateContainerColumns(shape).execute(ex, { ...(values as ContainerTable), id });
};

const parseSnapshot = (text: string): FirmItemSnapshot => JSON.parse(text) as FirmItemSnapshot;

const firmItemsOf = prepared<{ containerId: string }, ContainerFirmItemTable>((qb, arg) =>
  qb
    .selectFrom('container_firm_items')
    .selectAll()
    .where('container_id', '=', arg('containerId'))
    .orderBy('firm_code'),
);

export const findFirmItems = async (ex: Executor, containerId: string): Promise<FirmItemRecord[]> => {
  const rows = await firmItemsOf.rows(ex, { containerId });
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

const firmItemColumns = [
  'container_id',
  'firm_code',
  'epoch',
  'baseline_fuc',
  'baseline_snapshot',
  'issued_fuc',
  'confirmed_fuc',
  'pinned_key_id',
  'reported_fuc',
  'reported_snapshot',
  'reported_at',
] as const satisfies readonly (keyof ContainerFirmItemTable)[];

const insertFirmItemRow = prepared<ContainerFirmItemTable>((qb, arg) =>
  qb.insertInto('container_firm_items').values(columnArgs(firmItemColumns, arg)),
);

const insertFirmItemUnlessPresent = prepared<ContainerFirmItemTable>((qb, arg) =>
  qb
    .insertInto('container_firm_items')
    .values(columnArgs(firmItemColumns, arg))
    .onConflict((oc) => oc.columns(['container_id', 'firm_code']).doNothing()),
);

const firmItemRow = (item: FirmItemRecord): ContainerFirmItemTable => ({
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
});

/** Inserts the firm item unless the container already has one for its firm code; true if inserted. */
export const insertFirmItemIfAbsent = async (ex: Executor, item: FirmItemRecord): Promise<boolean> =>
  (await insertFirmItemUnlessPresent.affected(ex, firmItemRow(item))) === 1;

export const insertFirmItem = async (ex: Executor, item: FirmItemRecord): Promise<void> => {
  await insertFirmItemRow.execute(ex, firmItemRow(item));
};

type FirmItemChanges = Partial<Omit<FirmItemRecord, 'containerId' | 'firmCode' | 'unsaved'>>;

const FIRM_ITEM_COLUMN: Record<keyof FirmItemChanges, keyof ContainerFirmItemTable> = {
  epoch: 'epoch',
  baselineFuc: 'baseline_fuc',
  baselineSnapshot: 'baseline_snapshot',
  issuedFuc: 'issued_fuc',
  confirmedFuc: 'confirmed_fuc',
  pinnedKeyId: 'pinned_key_id',
  reportedFuc: 'reported_fuc',
  reportedSnapshot: 'reported_snapshot',
  reportedAt: 'reported_at',
};

type FirmItemUpdate = ContainerFirmItemTable & { $expectIssuedFuc: number | null };

// The expected FUC has its own argument name: the same update sets issued_fuc to its next value.
const updateFirmItemColumns = preparedShape<FirmItemUpdate>((shape) => (qb, arg) => {
  const [columns = '', guard] = shape.split('|');
  const query = qb
    .updateTable('container_firm_items')
    .set(columnArgs(columns.split(',') as (keyof ContainerFirmItemTable)[], arg))
    .where('container_id', '=', arg('container_id'))
    .where('firm_code', '=', arg('firm_code'));
  return guard === 'fuc' ? query.where('issued_fuc', '=', arg('$expectIssuedFuc') as number) : query;
});

export const updateFirmItem = async (
  ex: Executor,
  item: Pick<FirmItemRecord, 'containerId' | 'firmCode'>,
  changes: FirmItemChanges,
  /** When given, the update only happens if the record still has this issued FUC (a lost race → 0 rows). */
  expectIssuedFuc?: number,
): Promise<boolean> => {
  const encoded: Record<string, unknown> = { ...changes };
  if (changes.baselineSnapshot !== undefined)
    encoded.baselineSnapshot = JSON.stringify(changes.baselineSnapshot);
  if (changes.reportedSnapshot !== undefined) {
    encoded.reportedSnapshot =
      changes.reportedSnapshot === null ? null : JSON.stringify(changes.reportedSnapshot);
  }
  const { shape, values } = columnChanges<ContainerFirmItemTable>(encoded, FIRM_ITEM_COLUMN);
  if (shape === '') return true;
  const updated = await updateFirmItemColumns(
    expectIssuedFuc === undefined ? shape : `${shape}|fuc`,
  ).affected(ex, {
    ...(values as ContainerFirmItemTable),
    container_id: item.containerId,
    firm_code: item.firmCode,
    $expectIssuedFuc: expectIssuedFuc ?? null,
  });
  return updated === 1;
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
type StepKey = { containerId: string; firmCode: number; epoch: number };

const stepsInRange = prepared<StepKey & { after: number; upTo: number }, ContainerStepTable>((qb, arg) =>
  qb
    .selectFrom('container_steps')
    .selectAll()
    .where('container_id', '=', arg('containerId'))
    .where('firm_code', '=', arg('firmCode'))
    .where('epoch', '=', arg('epoch'))
    .where('to_fuc', '>', arg('after'))
    .where('to_fuc', '<=', arg('upTo'))
    .orderBy('to_fuc'),
);

/** Steps of the current epoch with `toFuc` in (after, upTo], in order. */
export const findSteps = async (
  ex: Executor,
  item: Pick<FirmItemRecord, 'containerId' | 'firmCode' | 'epoch'>,
  range: { after: number; upTo?: number },
): Promise<StepRecord[]> => {
  const rows = await stepsInRange.rows(ex, {
    containerId: item.containerId,
    firmCode: item.firmCode,
    epoch: item.epoch,
    after: range.after,
    // The largest 32-bit integer: FUC columns are `integer` on PostgreSQL, so an open range ends there.
    upTo: range.upTo ?? 2_147_483_647,
  });
  return rows.map(toStep);
};

const stepAt = prepared<StepKey & { toFuc: number }, ContainerStepTable>((qb, arg) =>
  qb
    .selectFrom('container_steps')
    .selectAll()
    .where('container_id', '=', arg('containerId'))
    .where('firm_code', '=', arg('firmCode'))
    .where('epoch', '=', arg('epoch'))
    .where('to_fuc', '=', arg('toFuc')),
);

export const findStepAt = async (
  ex: Executor,
  item: Pick<FirmItemRecord, 'containerId' | 'firmCode' | 'epoch'>,
  toFuc: number,
): Promise<StepRecord | undefined> => {
  const row = await stepAt.first(ex, {
    containerId: item.containerId,
    firmCode: item.firmCode,
    epoch: item.epoch,
    toFuc,
  });
  return row ? toStep(row) : undefined;
};

const stepColumns = [
  'id',
  'container_id',
  'firm_code',
  'epoch',
  'from_fuc',
  'to_fuc',
  'update_id',
  'operations',
  'effects',
  'snapshot_after',
  'channel',
  'issued_at',
  'confirmed_at',
] as const satisfies readonly (keyof ContainerStepTable)[];

const insertStepRow = prepared<ContainerStepTable>((qb, arg) =>
  qb.insertInto('container_steps').values(columnArgs(stepColumns, arg)),
);

export const insertStep = async (ex: Executor, step: StepRecord): Promise<void> => {
  await insertStepRow.execute(ex, {
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
  });
};

const confirmStep = prepared<{ id: string; at: string }>((qb, arg) =>
  qb
    .updateTable('container_steps')
    .set({ confirmed_at: arg('at') })
    .where('id', '=', arg('id')),
);

export const confirmSteps = async (ex: Executor, ids: string[], at: string): Promise<void> => {
  if (ids.length === 0) return;
  if (ids.length === 1) {
    await confirmStep.execute(ex, { id: ids[0] as string, at });
    return;
  }
  await ex.updateTable('container_steps').set({ confirmed_at: at }).where('id', 'in', ids).execute();
};

const insertNonce = prepared<{ containerId: string; nonce: string; at: string }>((qb, arg) =>
  qb
    .insertInto('context_nonces')
    .values({ container_id: arg('containerId'), nonce: arg('nonce'), received_at: arg('at') })
    .onConflict((oc) => oc.columns(['container_id', 'nonce']).doNothing()),
);

/** Records a context's nonce; false when this container already sent it (a replayed document). */
export const rememberNonce = async (
  ex: Executor,
  containerId: string,
  nonce: string,
  at: string,
): Promise<boolean> => {
  return (await insertNonce.affected(ex, { containerId, nonce, at })) === 1;
};
