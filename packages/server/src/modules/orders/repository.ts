// Kysely queries of orders, tickets and their ticket licenses, the containers an order pre-assigns to, and the
// idempotency keys of order creation. Written once for SQLite and PostgreSQL; every function takes its
// executor from the caller and never opens a transaction. Rows become camelCase records here.

import type { ModuleItem } from '@tessera/core';
import { type SqlBool, sql } from 'kysely';
import type { ContainerTypeName, LicenseState } from '../../db/schema-licensing.js';
import type { Executor } from '../../db/transaction.js';
import type { PageRequest } from '../../http/pagination.js';
import type { GroupVisibility } from '../accounts/policy.js';
import { visibilityCondition } from '../accounts/repository.js';
import type { LicenseTemplate } from '../catalog/license-template.js';

// ——— records ———

export interface OrderRecord {
  id: string;
  customerGroupId: string;
  externalOrderId: string | null;
  data: Record<string, string>;
  containerId: string | null;
  createdBy: string | null;
  createdAt: string;
}

export interface OrderRow extends OrderRecord {
  groupPath: string;
  containerSerial: string | null;
}

export interface TicketRecord {
  id: string;
  code: string;
  orderId: string;
  groupId: string;
  userId: string | null;
  visibleToMembers: boolean;
  createdAt: string;
}

/** A ticket with the path of its group: what visibility decisions need. */
export interface TicketWithGroupPath extends TicketRecord {
  groupPath: string;
}

export interface TicketRow extends TicketWithGroupPath {
  groupName: string;
  externalOrderId: string | null;
  orderCreatedAt: string;
}

export interface NewLicense {
  id: string;
  ticketId: string;
  orderId: string;
  productId: string;
  firmCode: number;
  productCode: number;
  options: LicenseTemplate;
  modules: ModuleItem[];
  preAssignedContainerId: string | null;
  createdAt: string;
}

export interface TicketLicenseRow {
  id: string;
  ticketId: string;
  sku: string;
  productName: string;
  productCode: number;
  state: LicenseState;
  generation: number;
  containerSerial: string | null;
  preAssignedSerial: string | null;
  createdAt: string;
  activatedAt: string | null;
}

// ——— groups (the customer side of an order) ———

export interface CustomerGroup {
  id: string;
  path: string;
  name: string;
  kind: 'vendor' | 'reseller' | 'customer';
  externalId: string | null;
}

const customerColumns = ['id', 'path', 'name', 'kind', 'external_id'] as const;
const toCustomer = (row: {
  id: string;
  path: string;
  name: string;
  kind: CustomerGroup['kind'];
  external_id: string | null;
}): CustomerGroup => ({
  id: row.id,
  path: row.path,
  name: row.name,
  kind: row.kind,
  externalId: row.external_id,
});

export const findCustomerGroup = async (ex: Executor, id: string): Promise<CustomerGroup | undefined> => {
  const row = await ex.selectFrom('groups').select(customerColumns).where('id', '=', id).executeTakeFirst();
  return row && toCustomer(row);
};

export const findCustomerGroupByExternalId = async (
  ex: Executor,
  externalId: string,
): Promise<CustomerGroup | undefined> => {
  const row = await ex
    .selectFrom('groups')
    .select(customerColumns)
    .where('external_id', '=', externalId)
    .executeTakeFirst();
  return row && toCustomer(row);
};

/** Paths of the reseller groups among the given ones (the subtrees whose admins may order). */
export const resellerPaths = async (ex: Executor, groupIds: readonly string[]): Promise<string[]> =>
  groupIds.length === 0
    ? []
    : (
        await ex
          .selectFrom('groups')
          .select('path')
          .where('id', 'in', [...groupIds])
          .where('kind', '=', 'reseller')
          .execute()
      ).map((row) => row.path);

export const isMemberOf = async (ex: Executor, userId: string, groupId: string): Promise<boolean> =>
  (await ex
    .selectFrom('memberships')
    .select('id')
    .where('user_id', '=', userId)
    .where('group_id', '=', groupId)
    .executeTakeFirst()) !== undefined;

// ——— containers an order pre-assigns to ———

export interface ContainerRef {
  id: string;
  serial: string;
  type: ContainerTypeName;
  status: string;
  groupId: string | null;
  /** the pinned container key; null until its first contact (or an order that named it) */
  publicKey: string | null;
}

/** The container with this serial, created (status ok, no key pinned yet) when Central has never seen it. */
export const ensureContainer = async (
  ex: Executor,
  container: {
    id: string;
    serial: string;
    type: ContainerTypeName;
    groupId: string;
    createdAt: string;
    publicKey?: string | null;
  },
): Promise<ContainerRef> => {
  await ex
    .insertInto('containers')
    .values({
      id: container.id,
      serial: container.serial,
      type: container.type,
      public_key: container.publicKey ?? null,
      status: 'ok',
      status_reason: null,
      status_changed_at: null,
      group_id: container.groupId,
      created_at: container.createdAt,
      last_contact_at: null,
    })
    .onConflict((oc) => oc.column('serial').doNothing())
    .execute();
  const row = await ex
    .selectFrom('containers')
    .select(['id', 'serial', 'type', 'status', 'group_id', 'public_key'])
    .where('serial', '=', container.serial)
    .executeTakeFirstOrThrow();
  return {
    id: row.id,
    serial: row.serial,
    type: row.type,
    status: row.status,
    groupId: row.group_id,
    publicKey: row.public_key,
  };
};

/** Pins a container's key before its first contact (an order named it with its key). */
export const pinContainerKey = async (
  ex: Executor,
  containerId: string,
  publicKey: string,
): Promise<void> => {
  await ex
    .updateTable('containers')
    .set({ public_key: publicKey })
    .where('id', '=', containerId)
    .where('public_key', 'is', null)
    .execute();
};

// ——— orders ———

export const insertOrder = async (ex: Executor, order: OrderRecord): Promise<void> => {
  await ex
    .insertInto('orders')
    .values({
      id: order.id,
      customer_group_id: order.customerGroupId,
      external_order_id: order.externalOrderId,
      data: JSON.stringify(order.data),
      container_id: order.containerId,
      created_by: order.createdBy,
      created_at: order.createdAt,
    })
    .execute();
};

const selectOrders = (ex: Executor) =>
  ex
    .selectFrom('orders')
    .innerJoin('groups', 'groups.id', 'orders.customer_group_id')
    .leftJoin('containers', 'containers.id', 'orders.container_id')
    .select([
      'orders.id',
      'orders.customer_group_id',
      'orders.external_order_id',
      'orders.data',
      'orders.container_id',
      'orders.created_by',
      'orders.created_at',
      'groups.path',
      'containers.serial',
    ]);

const toOrder = (row: {
  id: string;
  customer_group_id: string;
  external_order_id: string | null;
  data: string;
  container_id: string | null;
  created_by: string | null;
  created_at: string;
  path: string;
  serial: string | null;
}): OrderRow => ({
  id: row.id,
  customerGroupId: row.customer_group_id,
  externalOrderId: row.external_order_id,
  data: JSON.parse(row.data) as Record<string, string>,
  containerId: row.container_id,
  createdBy: row.created_by,
  createdAt: row.created_at,
  groupPath: row.path,
  containerSerial: row.serial,
});

export const findOrder = async (ex: Executor, id: string): Promise<OrderRow | undefined> => {
  const row = await selectOrders(ex).where('orders.id', '=', id).executeTakeFirst();
  return row && toOrder(row);
};

/** The oldest order of a customer with this external order id (the connector's idempotency). */
export const findOrderByExternalId = async (
  ex: Executor,
  customerGroupId: string,
  externalOrderId: string,
): Promise<OrderRow | undefined> => {
  const row = await selectOrders(ex)
    .where('orders.customer_group_id', '=', customerGroupId)
    .where('orders.external_order_id', '=', externalOrderId)
    .orderBy('orders.id')
    .executeTakeFirst();
  return row && toOrder(row);
};

export interface OrderFilter {
  visibility: GroupVisibility;
  customerGroupId?: string | undefined;
  externalOrderId?: string | undefined;
  createdFrom?: string | undefined;
  createdTo?: string | undefined;
}

export const listOrders = async (
  ex: Executor,
  filter: OrderFilter,
  page: PageRequest,
): Promise<OrderRow[]> => {
  let query = selectOrders(ex)
    .where(visibilityCondition(filter.visibility))
    .orderBy('orders.id')
    .limit(page.limit + 1);
  if (filter.customerGroupId !== undefined)
    query = query.where('orders.customer_group_id', '=', filter.customerGroupId);
  if (filter.externalOrderId !== undefined)
    query = query.where('orders.external_order_id', '=', filter.externalOrderId);
  if (filter.createdFrom !== undefined) query = query.where('orders.created_at', '>=', filter.createdFrom);
  if (filter.createdTo !== undefined) query = query.where('orders.created_at', '<', filter.createdTo);
  if (page.after !== undefined) query = query.where('orders.id', '>', page.after);
  return (await query.execute()).map(toOrder);
};

// ——— tickets ———

export const insertTickets = async (ex: Executor, tickets: readonly TicketRecord[]): Promise<void> => {
  if (tickets.length === 0) return;
  await ex
    .insertInto('tickets')
    .values(
      tickets.map((t) => ({
        id: t.id,
        code: t.code,
        order_id: t.orderId,
        group_id: t.groupId,
        user_id: t.userId,
        visible_to_members: t.visibleToMembers ? 1 : 0,
        created_at: t.createdAt,
      })),
    )
    .execute();
};

const selectTickets = (ex: Executor) =>
  ex
    .selectFrom('tickets')
    .innerJoin('groups', 'groups.id', 'tickets.group_id')
    .innerJoin('orders', 'orders.id', 'tickets.order_id')
    .select([
      'tickets.id',
      'tickets.code',
      'tickets.order_id',
      'tickets.group_id',
      'tickets.user_id',
      'tickets.visible_to_members',
      'tickets.created_at',
      'groups.path',
      'groups.name',
      'orders.external_order_id',
      'orders.created_at as order_created_at',
    ]);

const toTicket = (row: {
  id: string;
  code: string;
  order_id: string;
  group_id: string;
  user_id: string | null;
  visible_to_members: number;
  created_at: string;
  path: string;
  name: string;
  external_order_id: string | null;
  order_created_at: string;
}): TicketRow => ({
  id: row.id,
  code: row.code,
  orderId: row.order_id,
  groupId: row.group_id,
  userId: row.user_id,
  visibleToMembers: row.visible_to_members === 1,
  createdAt: row.created_at,
  groupPath: row.path,
  groupName: row.name,
  externalOrderId: row.external_order_id,
  orderCreatedAt: row.order_created_at,
});

export const findTicketByCode = async (ex: Executor, code: string): Promise<TicketRow | undefined> => {
  const row = await selectTickets(ex).where('tickets.code', '=', code).executeTakeFirst();
  return row && toTicket(row);
};

export const ticketsOfOrders = async (ex: Executor, orderIds: readonly string[]): Promise<TicketRow[]> =>
  orderIds.length === 0
    ? []
    : (
        await selectTickets(ex)
          .where('tickets.order_id', 'in', [...orderIds])
          .orderBy('tickets.id')
          .execute()
      ).map(toTicket);

export interface TicketFilter {
  /** null = every ticket (ISV admins). */
  visibility: { managedPaths: string[]; memberGroupIds: string[]; userId: string } | null;
  groupId?: string | undefined;
  orderId?: string | undefined;
  state?: LicenseState | undefined;
  codePrefix?: string | undefined;
}

/**
 * The same rule as canSeeTicket, in SQL: tickets of groups the caller administers (or below), tickets of its
 * own groups that are visible to members, and tickets allocated to the caller.
 */
const ticketVisibility = (v: NonNullable<TicketFilter['visibility']>) => {
  const conditions = [
    ...v.managedPaths.map((path) => sql<SqlBool>`${sql.ref('groups.path')} like ${`${path}%`}`),
    sql<SqlBool>`${sql.ref('tickets.user_id')} = ${v.userId}`,
    ...(v.memberGroupIds.length > 0
      ? [
          sql<SqlBool>`(${sql.ref('tickets.group_id')} in (${sql.join(v.memberGroupIds)}) and ${sql.ref(
            'tickets.visible_to_members',
          )} = 1)`,
        ]
      : []),
  ];
  return sql<SqlBool>`(${sql.join(conditions, sql` or `)})`;
};

export const listTickets = async (
  ex: Executor,
  filter: TicketFilter,
  page: PageRequest,
): Promise<TicketRow[]> => {
  let query = selectTickets(ex)
    .orderBy('tickets.id')
    .limit(page.limit + 1);
  if (filter.visibility !== null) query = query.where(ticketVisibility(filter.visibility));
  if (filter.groupId !== undefined) query = query.where('tickets.group_id', '=', filter.groupId);
  if (filter.orderId !== undefined) query = query.where('tickets.order_id', '=', filter.orderId);
  if (filter.codePrefix !== undefined) query = query.where('tickets.code', 'like', `${filter.codePrefix}%`);
  const state = filter.state;
  if (state !== undefined) {
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('licenses')
          .select('licenses.id')
          .whereRef('licenses.ticket_id', '=', 'tickets.id')
          .where('licenses.state', '=', state),
      ),
    );
  }
  if (page.after !== undefined) query = query.where('tickets.id', '>', page.after);
  return (await query.execute()).map(toTicket);
};

export const updateTicketAllocation = async (
  ex: Executor,
  id: string,
  allocation: { userId: string | null; visibleToMembers: boolean },
): Promise<boolean> => {
  const result = await ex
    .updateTable('tickets')
    .set({ user_id: allocation.userId, visible_to_members: allocation.visibleToMembers ? 1 : 0 })
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
};

// ——— ticket licenses ———

export const insertLicenses = async (ex: Executor, licenses: readonly NewLicense[]): Promise<void> => {
  // Chunked: SQLite allows at most 32766 bound parameters per statement.
  for (let at = 0; at < licenses.length; at += 500) {
    await ex
      .insertInto('licenses')
      .values(
        licenses.slice(at, at + 500).map((l) => ({
          id: l.id,
          ticket_id: l.ticketId,
          order_id: l.orderId,
          product_id: l.productId,
          firm_code: l.firmCode,
          product_code: l.productCode,
          options: JSON.stringify(l.options),
          modules: JSON.stringify(l.modules),
          generation: 1,
          state: 'available' as const,
          container_id: null,
          pre_assigned_container_id: l.preAssignedContainerId,
          replaces_license_id: null,
          replaced_by_license_id: null,
          resolved_expiration_time: null,
          reactivation_count: 0,
          last_reactivated_at: null,
          activated_at: null,
          created_at: l.createdAt,
          updated_at: l.createdAt,
        })),
      )
      .execute();
  }
};

/** Every license of the given tickets (all generations), oldest first, with SKU and container serials. */
export const licensesOfTickets = async (
  ex: Executor,
  ticketIds: readonly string[],
): Promise<TicketLicenseRow[]> => {
  if (ticketIds.length === 0) return [];
  const rows = await ex
    .selectFrom('licenses')
    .innerJoin('products', 'products.id', 'licenses.product_id')
    .leftJoin('containers as current', 'current.id', 'licenses.container_id')
    .leftJoin('containers as pre', 'pre.id', 'licenses.pre_assigned_container_id')
    .select([
      'licenses.id',
      'licenses.ticket_id',
      'products.sku',
      'products.name',
      'licenses.product_code',
      'licenses.state',
      'licenses.generation',
      'current.serial as container_serial',
      'pre.serial as pre_assigned_serial',
      'licenses.created_at',
      'licenses.activated_at',
    ])
    .where('licenses.ticket_id', 'in', [...ticketIds])
    .orderBy('licenses.id')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    ticketId: row.ticket_id ?? '',
    sku: row.sku,
    productName: row.name,
    productCode: Number(row.product_code),
    state: row.state,
    generation: Number(row.generation),
    containerSerial: row.container_serial,
    preAssignedSerial: row.pre_assigned_serial,
    createdAt: row.created_at,
    activatedAt: row.activated_at,
  }));
};

// ——— idempotency keys ———

export interface IdempotencyRecord {
  scope: string;
  key: string;
  requestHash: string;
  /** 0 while the first request is still running (never visible outside its transaction). */
  status: number;
  response: string;
  createdAt: string;
}

export const findIdempotencyKey = async (
  ex: Executor,
  scope: string,
  key: string,
): Promise<IdempotencyRecord | undefined> => {
  const row = await ex
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('scope', '=', scope)
    .where('key', '=', key)
    .executeTakeFirst();
  return (
    row && {
      scope: row.scope,
      key: row.key,
      requestHash: row.request_hash,
      status: Number(row.status),
      response: row.response,
      createdAt: row.created_at,
    }
  );
};

export const insertIdempotencyKey = async (ex: Executor, record: IdempotencyRecord): Promise<void> => {
  await ex
    .insertInto('idempotency_keys')
    .values({
      scope: record.scope,
      key: record.key,
      request_hash: record.requestHash,
      status: record.status,
      response: record.response,
      created_at: record.createdAt,
    })
    .execute();
};

export const completeIdempotencyKey = async (
  ex: Executor,
  scope: string,
  key: string,
  status: number,
  response: string,
): Promise<void> => {
  await ex
    .updateTable('idempotency_keys')
    .set({ status, response })
    .where('scope', '=', scope)
    .where('key', '=', key)
    .execute();
};

/** Deletes keys created before `before`: one (scope, key) or, without them, all of them (housekeeping). */
export const deleteExpiredIdempotencyKeys = async (
  ex: Executor,
  before: string,
  only?: { scope: string; key: string },
): Promise<number> => {
  let query = ex.deleteFrom('idempotency_keys').where('created_at', '<', before);
  if (only) query = query.where('scope', '=', only.scope).where('key', '=', only.key);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
};
