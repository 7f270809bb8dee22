// Kysely queries for ticket licenses and their lifecycle. Every state change is a conditional update
// (`… where state in (…)`) whose affected-row count the service checks: two requests racing for one license
// can never both win (DESIGN.md §5).

import type { ModuleItem } from '@tessera/core';
import { perTransaction } from '../../db/memo.js';
import { type Arg, columnArgs, columnChanges, prepared, preparedShape } from '../../db/prepared.js';
import type { LicenseState, LicenseTable } from '../../db/schema-licensing.js';
import type { Executor } from '../../db/transaction.js';
import type { LicenseTemplate } from '../catalog/license-template.js';

export interface LicenseRecord {
  id: string;
  ticketId: string | null;
  orderId: string;
  productId: string;
  firmCode: number;
  productCode: number;
  template: LicenseTemplate;
  modules: ModuleItem[];
  generation: number;
  state: LicenseState;
  containerId: string | null;
  preAssignedContainerId: string | null;
  replacesLicenseId: string | null;
  replacedByLicenseId: string | null;
  resolvedExpirationTime: string | null;
  reactivationCount: number;
  lastReactivatedAt: string | null;
  activatedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export const toLicense = (row: LicenseTable): LicenseRecord => ({
  id: row.id,
  ticketId: row.ticket_id,
  orderId: row.order_id,
  productId: row.product_id,
  firmCode: row.firm_code,
  productCode: row.product_code,
  template: JSON.parse(row.options) as LicenseTemplate,
  modules: JSON.parse(row.modules) as ModuleItem[],
  generation: row.generation,
  state: row.state,
  containerId: row.container_id,
  preAssignedContainerId: row.pre_assigned_container_id,
  replacesLicenseId: row.replaces_license_id,
  replacedByLicenseId: row.replaced_by_license_id,
  resolvedExpirationTime: row.resolved_expiration_time,
  reactivationCount: row.reactivation_count,
  lastReactivatedAt: row.last_reactivated_at,
  activatedAt: row.activated_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const licenseById = prepared<{ id: string }, LicenseTable>((qb, arg) =>
  qb.selectFrom('licenses').selectAll().where('id', '=', arg('id')),
);

export const findLicense = async (ex: Executor, id: string): Promise<LicenseRecord | undefined> => {
  const row = await licenseById.first(ex, { id });
  return row ? toLicense(row) : undefined;
};

/** IN lists up to this length get a prepared query per length; longer ones are built each time. */
const PREPARED_LIST_MAX = 16;

const licensesByIds = preparedShape<Record<string, string>, LicenseTable>(
  (shape) => (qb, arg) =>
    qb
      .selectFrom('licenses')
      .selectAll()
      .where(
        'id',
        'in',
        Array.from({ length: Number(shape) }, (_, i) => arg(`id${i}`)),
      ),
);

export const findLicenses = async (ex: Executor, ids: readonly string[]): Promise<LicenseRecord[]> => {
  if (ids.length === 0) return [];
  if (ids.length === 1)
    return licenseById.rows(ex, { id: ids[0] as string }).then((rows) => rows.map(toLicense));
  const rows =
    ids.length <= PREPARED_LIST_MAX
      ? await licensesByIds(String(ids.length)).rows(
          ex,
          Object.fromEntries(ids.map((id, i) => [`id${i}`, id])),
        )
      : await ex
          .selectFrom('licenses')
          .selectAll()
          .where('id', 'in', [...ids])
          .execute();
  return rows.map(toLicense);
};

const licensesOfTicketQuery = prepared<{ ticketId: string }, LicenseTable>((qb, arg) =>
  qb
    .selectFrom('licenses')
    .selectAll()
    .where('ticket_id', '=', arg('ticketId'))
    .orderBy('created_at')
    .orderBy('id'),
);

export const licensesOfTicket = async (ex: Executor, ticketId: string): Promise<LicenseRecord[]> =>
  (await licensesOfTicketQuery.rows(ex, { ticketId })).map(toLicense);

const licensesInContainerQuery = prepared<{ containerId: string }, LicenseTable>((qb, arg) =>
  qb.selectFrom('licenses').selectAll().where('container_id', '=', arg('containerId')).orderBy('id'),
);

/** Licenses whose current generation sits in (or is on its way into or out of) the container. */
export const licensesInContainer = async (ex: Executor, containerId: string): Promise<LicenseRecord[]> =>
  (await licensesInContainerQuery.rows(ex, { containerId })).map(toLicense);

const licensesPreAssignedQuery = prepared<{ containerId: string }, LicenseTable>((qb, arg) =>
  qb
    .selectFrom('licenses')
    .selectAll()
    .where('pre_assigned_container_id', '=', arg('containerId'))
    .where('state', 'in', ['available', 'returned'])
    .orderBy('id'),
);

// Shape: "<number of ids>|<with pre-assigned: y or n>".
const licensesForContactQuery = preparedShape<Record<string, string>, LicenseTable>((shape) => (qb, arg) => {
  const [count, withPreAssigned] = shape.split('|');
  return qb
    .selectFrom('licenses')
    .selectAll()
    .where((eb) =>
      eb.or([
        ...(Number(count) > 0
          ? [
              eb(
                'id',
                'in',
                Array.from({ length: Number(count) }, (_, i) => arg(`id${i}`)),
              ),
            ]
          : []),
        ...(withPreAssigned === 'y'
          ? [
              eb.and([
                eb('pre_assigned_container_id', '=', arg('containerId')),
                eb('state', 'in', ['available', 'returned']),
              ]),
            ]
          : []),
      ]),
    )
    .orderBy('id');
});

/**
 * What a contact needs to know about licenses, in one read: the rows of the licenses with these ids (those
 * Central predicts in the container), and — with `preAssigned` — the licenses waiting for its next contact.
 */
export const licensesForContact = async (
  ex: Executor,
  containerId: string,
  wanted: { ids: readonly string[]; preAssigned: boolean },
): Promise<{ byId: Map<string, LicenseRecord>; preAssigned: LicenseRecord[] }> => {
  const ids = [...new Set(wanted.ids)];
  let rows: LicenseRecord[];
  if (ids.length === 0 && !wanted.preAssigned) rows = [];
  else if (ids.length > PREPARED_LIST_MAX) {
    rows = [
      ...(await findLicenses(ex, ids)),
      ...(wanted.preAssigned ? await licensesPreAssignedTo(ex, containerId) : []),
    ];
  } else {
    const args: Record<string, string> = { containerId };
    ids.forEach((id, i) => {
      args[`id${i}`] = id;
    });
    const query = licensesForContactQuery(`${ids.length}|${wanted.preAssigned ? 'y' : 'n'}`);
    rows = (await query.rows(ex, args)).map(toLicense);
  }
  const wantedIds = new Set(ids);
  const unique = [...new Map(rows.map((l) => [l.id, l])).values()];
  return {
    byId: new Map(unique.filter((l) => wantedIds.has(l.id)).map((l) => [l.id, l])),
    preAssigned: wanted.preAssigned
      ? unique.filter(
          (l) =>
            l.preAssignedContainerId === containerId && (l.state === 'available' || l.state === 'returned'),
        )
      : [],
  };
};

/** Licenses waiting for the container's next contact. */
export const licensesPreAssignedTo = async (ex: Executor, containerId: string): Promise<LicenseRecord[]> =>
  (await licensesPreAssignedQuery.rows(ex, { containerId })).map(toLicense);

export interface LicenseChanges {
  state?: LicenseState;
  containerId?: string | null;
  preAssignedContainerId?: string | null;
  generation?: number;
  replacedByLicenseId?: string | null;
  resolvedExpirationTime?: string | null;
  reactivationCount?: number;
  lastReactivatedAt?: string | null;
  activatedAt?: string | null;
}

/**
 * Changes a license only if it is still in one of `from` (and matches the extra conditions). Returns whether
 * it changed: false means another request got there first.
 */
const LICENSE_COLUMN: Record<keyof LicenseChanges | 'updatedAt', keyof LicenseTable> = {
  updatedAt: 'updated_at',
  state: 'state',
  containerId: 'container_id',
  preAssignedContainerId: 'pre_assigned_container_id',
  generation: 'generation',
  replacedByLicenseId: 'replaced_by_license_id',
  resolvedExpirationTime: 'resolved_expiration_time',
  reactivationCount: 'reactivation_count',
  lastReactivatedAt: 'last_reactivated_at',
  activatedAt: 'activated_at',
};

/** What a transition matches on, named apart from the columns it sets (state, container and generation are both). */
type TransitionArgs = LicenseTable & {
  $id: string;
  $containerId: string | null;
  $generation: number;
} & Record<`$from${number}`, LicenseState>;

// Shape: "<set columns>|<number of from-states>|<container condition: -, null or =>|<generation: - or =>".
const transitionQuery = preparedShape<TransitionArgs>((shape) => (qb, arg) => {
  const [columns = '', fromCount, containerCondition, generationCondition] = shape.split('|');
  let query = qb
    .updateTable('licenses')
    .set(columnArgs(columns.split(',') as (keyof LicenseTable)[], arg))
    .where('id', '=', arg('$id'))
    .where(
      'state',
      'in',
      Array.from({ length: Number(fromCount) }, (_, i) => arg(`$from${i}`)),
    );
  if (containerCondition === 'null') query = query.where('container_id', 'is', null);
  if (containerCondition === '=') query = query.where('container_id', '=', arg('$containerId'));
  if (generationCondition === '=') query = query.where('generation', '=', arg('$generation'));
  return query;
});

/**
 * Changes a license only if it is still in one of `from` (and matches the extra conditions). Returns whether
 * it changed: false means another request got there first.
 */
export const transitionLicense = async (
  ex: Executor,
  id: string,
  condition: { from: readonly LicenseState[]; containerId?: string | null; generation?: number },
  changes: LicenseChanges,
  at: string,
): Promise<boolean> => {
  const { shape, values } = columnChanges<LicenseTable>({ ...changes, updatedAt: at }, LICENSE_COLUMN);
  const containerCondition =
    condition.containerId === undefined ? '-' : condition.containerId === null ? 'null' : '=';
  const query = transitionQuery(
    `${shape}|${condition.from.length}|${containerCondition}|${condition.generation === undefined ? '-' : '='}`,
  );
  const args: Record<string, unknown> = {
    ...values,
    $id: id,
    $containerId: condition.containerId ?? null,
    $generation: condition.generation ?? null,
  };
  condition.from.forEach((state, i) => {
    args[`$from${i}`] = state;
  });
  return (await query.affected(ex, args as TransitionArgs)) === 1;
};

export const insertLicense = async (ex: Executor, license: LicenseRecord): Promise<void> => {
  await ex
    .insertInto('licenses')
    .values({
      id: license.id,
      ticket_id: license.ticketId,
      order_id: license.orderId,
      product_id: license.productId,
      firm_code: license.firmCode,
      product_code: license.productCode,
      options: JSON.stringify(license.template),
      modules: JSON.stringify(license.modules),
      generation: license.generation,
      state: license.state,
      container_id: license.containerId,
      pre_assigned_container_id: license.preAssignedContainerId,
      replaces_license_id: license.replacesLicenseId,
      replaced_by_license_id: license.replacedByLicenseId,
      resolved_expiration_time: license.resolvedExpirationTime,
      reactivation_count: license.reactivationCount,
      last_reactivated_at: license.lastReactivatedAt,
      activated_at: license.activatedAt,
      created_at: license.createdAt,
      updated_at: license.updatedAt,
    })
    .execute();
};

export interface TicketRef {
  id: string;
  code: string;
  groupId: string;
  groupPath: string;
  userId: string | null;
  visibleToMembers: boolean;
}

const ticketRefByCode = prepared((qb, arg: Arg<{ code: string }>) =>
  qb
    .selectFrom('tickets')
    .innerJoin('groups', 'groups.id', 'tickets.group_id')
    .select([
      'tickets.id as id',
      'tickets.code as code',
      'tickets.group_id as groupId',
      'groups.path as groupPath',
      'tickets.user_id as userId',
      'tickets.visible_to_members as visibleToMembers',
    ])
    .where('tickets.code', '=', arg('code')),
);

export const findTicketRef = async (ex: Executor, code: string): Promise<TicketRef | undefined> => {
  const row = await ticketRefByCode.first(ex, { code });
  return row ? { ...row, visibleToMembers: row.visibleToMembers === 1 } : undefined;
};

const ticketWithLicensesByCode = prepared((qb, arg: Arg<{ code: string }>) =>
  qb
    .selectFrom('tickets')
    .innerJoin('groups', 'groups.id', 'tickets.group_id')
    .leftJoin('licenses', 'licenses.ticket_id', 'tickets.id')
    .selectAll('licenses')
    .select([
      'tickets.id as ticket_ref_id',
      'tickets.code as ticket_ref_code',
      'tickets.group_id as ticket_ref_group_id',
      'groups.path as ticket_ref_group_path',
      'tickets.user_id as ticket_ref_user_id',
      'tickets.visible_to_members as ticket_ref_visible_to_members',
    ])
    .where('tickets.code', '=', arg('code'))
    .orderBy('licenses.created_at')
    .orderBy('licenses.id'),
);

/** A ticket and its licenses (oldest first) in one read. */
export const findTicketWithLicenses = async (
  ex: Executor,
  code: string,
): Promise<{ ticket: TicketRef; licenses: LicenseRecord[] } | undefined> => {
  const rows = await ticketWithLicensesByCode.rows(ex, { code });
  const first = rows[0];
  if (!first) return undefined;
  return {
    ticket: {
      id: first.ticket_ref_id,
      code: first.ticket_ref_code,
      groupId: first.ticket_ref_group_id,
      groupPath: first.ticket_ref_group_path,
      userId: first.ticket_ref_user_id,
      visibleToMembers: first.ticket_ref_visible_to_members === 1,
    },
    // A ticket without licenses still yields one row, with every license column null.
    licenses: rows.filter((row) => row.id !== null).map((row) => toLicense(row as LicenseTable)),
  };
};

export const findTicketRefById = async (ex: Executor, id: string): Promise<TicketRef | undefined> => {
  const row = await ex.selectFrom('tickets').select('code').where('id', '=', id).executeTakeFirst();
  return row ? findTicketRef(ex, row.code) : undefined;
};

const groupPathQuery = prepared((qb, arg: Arg<{ id: string }>) =>
  qb.selectFrom('groups').select('path').where('id', '=', arg('id')),
);

const groupPath = perTransaction(async (ex, groupId) => {
  const row = await groupPathQuery.first(ex, { id: groupId });
  return row?.path ?? null;
});

/** A group's materialized path (read once per transaction: a group never moves). */
export const groupPathOf = async (ex: Executor, groupId: string | null): Promise<string | null> =>
  groupId === null ? null : groupPath(ex, groupId);

/** A group path another query of this transaction already read. */
export const rememberGroupPath = (ex: Executor, groupId: string | null, path: string | null): void => {
  if (groupId !== null && path !== null) groupPath.prime(ex, groupId, path);
};
