// Kysely queries for ticket licenses and their lifecycle. Every state change is a conditional update
// (`… where state in (…)`) whose affected-row count the service checks: two requests racing for one license
// can never both win (DESIGN.md §5).

import type { ModuleItem } from '@tessera/core';
import { perTransaction } from '../../db/memo.js';
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

export const findLicense = async (ex: Executor, id: string): Promise<LicenseRecord | undefined> => {
  const row = await ex.selectFrom('licenses').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toLicense(row) : undefined;
};

export const findLicenses = async (ex: Executor, ids: readonly string[]): Promise<LicenseRecord[]> => {
  if (ids.length === 0) return [];
  const rows = await ex
    .selectFrom('licenses')
    .selectAll()
    .where('id', 'in', [...ids])
    .execute();
  return rows.map(toLicense);
};

export const licensesOfTicket = async (ex: Executor, ticketId: string): Promise<LicenseRecord[]> => {
  const rows = await ex
    .selectFrom('licenses')
    .selectAll()
    .where('ticket_id', '=', ticketId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toLicense);
};

/** Licenses whose current generation sits in (or is on its way into or out of) the container. */
export const licensesInContainer = async (ex: Executor, containerId: string): Promise<LicenseRecord[]> => {
  const rows = await ex
    .selectFrom('licenses')
    .selectAll()
    .where('container_id', '=', containerId)
    .orderBy('id')
    .execute();
  return rows.map(toLicense);
};

/** Licenses waiting for the container's next contact. */
export const licensesPreAssignedTo = async (ex: Executor, containerId: string): Promise<LicenseRecord[]> => {
  const rows = await ex
    .selectFrom('licenses')
    .selectAll()
    .where('pre_assigned_container_id', '=', containerId)
    .where('state', 'in', ['available', 'returned'])
    .orderBy('id')
    .execute();
  return rows.map(toLicense);
};

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
export const transitionLicense = async (
  ex: Executor,
  id: string,
  condition: { from: readonly LicenseState[]; containerId?: string | null; generation?: number },
  changes: LicenseChanges,
  at: string,
): Promise<boolean> => {
  const result = await ex
    .updateTable('licenses')
    .set({
      updated_at: at,
      ...(changes.state !== undefined ? { state: changes.state } : {}),
      ...(changes.containerId !== undefined ? { container_id: changes.containerId } : {}),
      ...(changes.preAssignedContainerId !== undefined
        ? { pre_assigned_container_id: changes.preAssignedContainerId }
        : {}),
      ...(changes.generation !== undefined ? { generation: changes.generation } : {}),
      ...(changes.replacedByLicenseId !== undefined
        ? { replaced_by_license_id: changes.replacedByLicenseId }
        : {}),
      ...(changes.resolvedExpirationTime !== undefined
        ? { resolved_expiration_time: changes.resolvedExpirationTime }
        : {}),
      ...(changes.reactivationCount !== undefined ? { reactivation_count: changes.reactivationCount } : {}),
      ...(changes.lastReactivatedAt !== undefined ? { last_reactivated_at: changes.lastReactivatedAt } : {}),
      ...(changes.activatedAt !== undefined ? { activated_at: changes.activatedAt } : {}),
    })
    .where('id', '=', id)
    .where('state', 'in', [...condition.from])
    .$if(condition.containerId !== undefined, (q) =>
      condition.containerId === null
        ? q.where('container_id', 'is', null)
        : q.where('container_id', '=', condition.containerId as string),
    )
    .$if(condition.generation !== undefined, (q) =>
      q.where('generation', '=', condition.generation as number),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
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

export const findTicketRef = async (ex: Executor, code: string): Promise<TicketRef | undefined> => {
  const row = await ex
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
    .where('tickets.code', '=', code)
    .executeTakeFirst();
  return row ? { ...row, visibleToMembers: row.visibleToMembers === 1 } : undefined;
};

export const findTicketRefById = async (ex: Executor, id: string): Promise<TicketRef | undefined> => {
  const row = await ex.selectFrom('tickets').select('code').where('id', '=', id).executeTakeFirst();
  return row ? findTicketRef(ex, row.code) : undefined;
};

const groupPath = perTransaction(async (ex, groupId) => {
  const row = await ex.selectFrom('groups').select('path').where('id', '=', groupId).executeTakeFirst();
  return row?.path ?? null;
});

/** A group's materialized path (read once per transaction: a group never moves). */
export const groupPathOf = async (ex: Executor, groupId: string | null): Promise<string | null> =>
  groupId === null ? null : groupPath(ex, groupId);
