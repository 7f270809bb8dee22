// Read-only queries behind the reports, written once for SQLite and PostgreSQL. Every query takes the
// caller's group visibility and filters in SQL: a license belongs to its ticket's group (or, without a ticket,
// to its order's customer), a container to its `group_id`. Lists use keyset pagination on a stable order;
// each list also has a bounded count so an export can say that it was cut off.

import { type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import type {
  ContainerStatus,
  ContainerTypeName,
  LicenseState,
  StepChannel,
} from '../../db/schema-licensing.js';
import type { Executor } from '../../db/transaction.js';
import type { GroupVisibility } from '../accounts/policy.js';
import { visibilityCondition } from '../accounts/repository.js';

/** A keyset position: the sort value of the last row seen (when the order has one) and its id. */
export interface Position {
  value?: string;
  id: string;
}

export interface Range {
  after: Position | undefined;
  limit: number;
}

/** How many rows `query` yields, counting no further than `max` (enough to tell "more than the cap"). */
const countUpTo = async <TB extends keyof Database, O>(
  ex: Executor,
  query: SelectQueryBuilder<Database, TB, O>,
  max: number,
): Promise<number> => {
  const row = await ex
    .selectFrom(query.limit(max).as('capped'))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
};

// ——— licenses ———

export interface LicenseReportRow {
  licenseId: string;
  ticketCode: string | null;
  sku: string;
  productName: string;
  firmCode: number;
  productCode: number;
  generation: number;
  state: LicenseState;
  activatedAt: string | null;
  expiresAt: string | null;
  groupId: string;
  groupName: string;
  containerSerial: string | null;
}

export interface LicenseFilter {
  containerId?: string;
  ticketId?: string;
  /** Licenses in a container (collected or confirmed) whose expiration time falls in [from, to]. */
  expiring?: { from: string; to: string };
}

const ACTIVE_STATES: readonly LicenseState[] = ['collected', 'confirmed'];

const licenseBase = (ex: Executor, visibility: GroupVisibility, filter: LicenseFilter) => {
  let query = ex
    .selectFrom('licenses')
    .innerJoin('orders', 'orders.id', 'licenses.order_id')
    .leftJoin('tickets', 'tickets.id', 'licenses.ticket_id')
    .innerJoin('groups', (join) =>
      join.on(sql<SqlBool>`groups.id = coalesce(tickets.group_id, orders.customer_group_id)`),
    )
    .where(visibilityCondition(visibility));
  if (filter.containerId !== undefined) query = query.where('licenses.container_id', '=', filter.containerId);
  if (filter.ticketId !== undefined) query = query.where('licenses.ticket_id', '=', filter.ticketId);
  if (filter.expiring !== undefined) {
    query = query
      .where('licenses.state', 'in', ACTIVE_STATES)
      .where('licenses.resolved_expiration_time', '>=', filter.expiring.from)
      .where('licenses.resolved_expiration_time', '<=', filter.expiring.to);
  }
  return query;
};

/** By expiration time (soonest first) for the expiring report, else by license id. */
export const listLicenses = async (
  ex: Executor,
  visibility: GroupVisibility,
  filter: LicenseFilter,
  range: Range,
): Promise<LicenseReportRow[]> => {
  const byExpiry = filter.expiring !== undefined;
  let query = licenseBase(ex, visibility, filter)
    .innerJoin('products', 'products.id', 'licenses.product_id')
    .leftJoin('containers', 'containers.id', 'licenses.container_id')
    .select([
      'licenses.id',
      'tickets.code as ticket_code',
      'products.sku',
      'products.name as product_name',
      'licenses.firm_code',
      'licenses.product_code',
      'licenses.generation',
      'licenses.state',
      'licenses.activated_at',
      'licenses.resolved_expiration_time',
      'groups.id as group_id',
      'groups.name as group_name',
      'containers.serial as container_serial',
    ])
    .limit(range.limit + 1);
  query = byExpiry
    ? query.orderBy('licenses.resolved_expiration_time').orderBy('licenses.id')
    : query.orderBy('licenses.id');
  const after = range.after;
  if (after !== undefined) {
    query =
      byExpiry && after.value !== undefined
        ? query.where((eb) =>
            eb.or([
              eb('licenses.resolved_expiration_time', '>', after.value ?? ''),
              eb.and([
                eb('licenses.resolved_expiration_time', '=', after.value ?? ''),
                eb('licenses.id', '>', after.id),
              ]),
            ]),
          )
        : query.where('licenses.id', '>', after.id);
  }
  const rows = await query.execute();
  return rows.map((row) => ({
    licenseId: row.id,
    ticketCode: row.ticket_code,
    sku: row.sku,
    productName: row.product_name,
    firmCode: Number(row.firm_code),
    productCode: Number(row.product_code),
    generation: row.generation,
    state: row.state,
    activatedAt: row.activated_at,
    expiresAt: row.resolved_expiration_time,
    groupId: row.group_id,
    groupName: row.group_name,
    containerSerial: row.container_serial,
  }));
};

export const countLicenses = (
  ex: Executor,
  visibility: GroupVisibility,
  filter: LicenseFilter,
  max: number,
) => countUpTo(ex, licenseBase(ex, visibility, filter).select('licenses.id'), max);

/** One license with the group it belongs to, whoever may see it (the service decides). */
export const findLicenseGroup = async (
  ex: Executor,
  licenseId: string,
): Promise<{ id: string; groupId: string; groupPath: string } | undefined> =>
  ex
    .selectFrom('licenses')
    .innerJoin('orders', 'orders.id', 'licenses.order_id')
    .leftJoin('tickets', 'tickets.id', 'licenses.ticket_id')
    .innerJoin('groups', (join) =>
      join.on(sql<SqlBool>`groups.id = coalesce(tickets.group_id, orders.customer_group_id)`),
    )
    .select(['licenses.id', 'groups.id as groupId', 'groups.path as groupPath'])
    .where('licenses.id', '=', licenseId)
    .executeTakeFirst();

export const findTicketByCode = async (
  ex: Executor,
  code: string,
): Promise<{ id: string; code: string; groupId: string; groupPath: string } | undefined> =>
  ex
    .selectFrom('tickets')
    .innerJoin('groups', 'groups.id', 'tickets.group_id')
    .select(['tickets.id', 'tickets.code', 'groups.id as groupId', 'groups.path as groupPath'])
    .where('tickets.code', '=', code)
    .executeTakeFirst();

// ——— containers ———

export interface ContainerReportRow {
  serial: string;
  type: ContainerTypeName;
  status: ContainerStatus;
  statusReason: string | null;
  statusChangedAt: string | null;
  groupId: string | null;
  groupName: string | null;
  lastContactAt: string | null;
  licenseCount: number;
}

export interface ContainerFilter {
  /** Containers of this group and every group below it. */
  subtreePath?: string;
  status?: ContainerStatus;
}

const containerBase = (ex: Executor, visibility: GroupVisibility, filter: ContainerFilter) => {
  let query = ex
    .selectFrom('containers')
    .leftJoin('groups', 'groups.id', 'containers.group_id')
    .where(visibilityCondition(visibility));
  if (filter.subtreePath !== undefined) query = query.where('groups.path', 'like', `${filter.subtreePath}%`);
  if (filter.status !== undefined) query = query.where('containers.status', '=', filter.status);
  return query;
};

/** Ordered by serial, which is unique: the serial is the keyset position. */
export const listContainers = async (
  ex: Executor,
  visibility: GroupVisibility,
  filter: ContainerFilter,
  range: Range,
): Promise<ContainerReportRow[]> => {
  let query = containerBase(ex, visibility, filter)
    .select((eb) => [
      'containers.serial',
      'containers.type',
      'containers.status',
      'containers.status_reason',
      'containers.status_changed_at',
      'containers.last_contact_at',
      'groups.id as group_id',
      'groups.name as group_name',
      eb
        .selectFrom('licenses')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('licenses.container_id', '=', 'containers.id')
        .as('license_count'),
    ])
    .orderBy('containers.serial')
    .limit(range.limit + 1);
  if (range.after !== undefined) query = query.where('containers.serial', '>', range.after.id);
  const rows = await query.execute();
  return rows.map((row) => ({
    serial: row.serial,
    type: row.type,
    status: row.status,
    statusReason: row.status_reason,
    statusChangedAt: row.status_changed_at,
    groupId: row.group_id,
    groupName: row.group_name,
    lastContactAt: row.last_contact_at,
    licenseCount: Number(row.license_count ?? 0),
  }));
};

export const countContainers = (
  ex: Executor,
  visibility: GroupVisibility,
  filter: ContainerFilter,
  max: number,
) => countUpTo(ex, containerBase(ex, visibility, filter).select('containers.id'), max);

export const findContainerBySerial = async (
  ex: Executor,
  serial: string,
): Promise<{ id: string; serial: string; groupPath: string | null } | undefined> =>
  ex
    .selectFrom('containers')
    .leftJoin('groups', 'groups.id', 'containers.group_id')
    .select(['containers.id', 'containers.serial', 'groups.path as groupPath'])
    .where('containers.serial', '=', serial)
    .executeTakeFirst();

// ——— license history (audit log) ———

export interface HistoryRow {
  eventId: string;
  at: string;
  action: string;
  actorUserEmail: string | null;
  actorTokenName: string | null;
  data: Record<string, unknown>;
}

const historyBase = (ex: Executor, licenseId: string) =>
  ex
    .selectFrom('audit_events')
    .where('audit_events.subject_type', '=', 'license')
    .where('audit_events.subject_id', '=', licenseId);

/** Oldest first: by the instant recorded, then by id for entries of the same instant. */
export const listHistory = async (ex: Executor, licenseId: string, range: Range): Promise<HistoryRow[]> => {
  let query = historyBase(ex, licenseId)
    .leftJoin('users', 'users.id', 'audit_events.actor_user_id')
    .leftJoin('api_tokens', 'api_tokens.id', 'audit_events.actor_token_id')
    .select([
      'audit_events.id',
      'audit_events.at',
      'audit_events.action',
      'audit_events.data',
      'users.email',
      'api_tokens.name as token_name',
    ])
    .orderBy('audit_events.at')
    .orderBy('audit_events.id')
    .limit(range.limit + 1);
  const after = range.after;
  if (after?.value !== undefined) {
    const at = after.value;
    query = query.where((eb) =>
      eb.or([
        eb('audit_events.at', '>', at),
        eb.and([eb('audit_events.at', '=', at), eb('audit_events.id', '>', after.id)]),
      ]),
    );
  }
  const rows = await query.execute();
  return rows.map((row) => ({
    eventId: row.id,
    at: row.at,
    action: row.action,
    actorUserEmail: row.email,
    actorTokenName: row.token_name,
    data: JSON.parse(row.data) as Record<string, unknown>,
  }));
};

export const countHistory = (ex: Executor, licenseId: string, max: number) =>
  countUpTo(ex, historyBase(ex, licenseId).select('audit_events.id'), max);

// ——— blacklist locks (issued update steps) ———

export interface LockRow {
  stepId: string;
  serial: string;
  containerStatus: ContainerStatus;
  groupId: string | null;
  groupName: string | null;
  firmCode: number;
  channel: StepChannel;
  operations: string;
  issuedAt: string;
  confirmedAt: string | null;
}

export interface LockFilter {
  from: string;
  to: string;
  /** executed = a receipt or later context proved the container applied the step. */
  status?: 'executed' | 'pending';
}

// The operations column is JSON written without whitespace, so the op tag is a fixed substring.
const LOCK_OPERATION = '%"op":"lock_firm_item"%';

const lockBase = (ex: Executor, visibility: GroupVisibility, filter: LockFilter) => {
  let query = ex
    .selectFrom('container_steps')
    .innerJoin('containers', 'containers.id', 'container_steps.container_id')
    .leftJoin('groups', 'groups.id', 'containers.group_id')
    .where(visibilityCondition(visibility))
    .where('container_steps.operations', 'like', LOCK_OPERATION)
    .where('container_steps.issued_at', '>=', filter.from)
    .where('container_steps.issued_at', '<', filter.to);
  if (filter.status === 'executed') query = query.where('container_steps.confirmed_at', 'is not', null);
  if (filter.status === 'pending') query = query.where('container_steps.confirmed_at', 'is', null);
  return query;
};

/** Oldest issued first. */
export const listLocks = async (
  ex: Executor,
  visibility: GroupVisibility,
  filter: LockFilter,
  range: Range,
): Promise<LockRow[]> => {
  let query = lockBase(ex, visibility, filter)
    .select([
      'container_steps.id',
      'containers.serial',
      'containers.status',
      'groups.id as group_id',
      'groups.name as group_name',
      'container_steps.firm_code',
      'container_steps.channel',
      'container_steps.operations',
      'container_steps.issued_at',
      'container_steps.confirmed_at',
    ])
    .orderBy('container_steps.issued_at')
    .orderBy('container_steps.id')
    .limit(range.limit + 1);
  const after = range.after;
  if (after?.value !== undefined) {
    const at = after.value;
    query = query.where((eb) =>
      eb.or([
        eb('container_steps.issued_at', '>', at),
        eb.and([eb('container_steps.issued_at', '=', at), eb('container_steps.id', '>', after.id)]),
      ]),
    );
  }
  const rows = await query.execute();
  return rows.map((row) => ({
    stepId: row.id,
    serial: row.serial,
    containerStatus: row.status,
    groupId: row.group_id,
    groupName: row.group_name,
    firmCode: Number(row.firm_code),
    channel: row.channel,
    operations: row.operations,
    issuedAt: row.issued_at,
    confirmedAt: row.confirmed_at,
  }));
};

export const countLocks = (ex: Executor, visibility: GroupVisibility, filter: LockFilter, max: number) =>
  countUpTo(ex, lockBase(ex, visibility, filter).select('container_steps.id'), max);

// ——— chart series ———

const dayOf = (column: 'audit_events.at' | 'licenses.resolved_expiration_time') =>
  sql<string>`substr(${sql.ref(column)}, 1, 10)`;

/** `license.activated` entries per UTC day in [from, to), for licenses the caller may see. */
export const activationsPerDay = async (
  ex: Executor,
  visibility: GroupVisibility,
  range: { from: string; to: string },
): Promise<{ day: string; count: number }[]> => {
  let query = ex
    .selectFrom('audit_events')
    .select((eb) => [dayOf('audit_events.at').as('day'), eb.fn.countAll<number>().as('n')])
    .where('audit_events.action', '=', 'license.activated')
    .where('audit_events.at', '>=', range.from)
    .where('audit_events.at', '<', range.to)
    .groupBy(dayOf('audit_events.at'));
  if (!visibility.all) {
    query = query.where((eb) =>
      eb.exists(
        licenseBase(ex, visibility, {})
          .select('licenses.id')
          .where(sql<SqlBool>`licenses.id = audit_events.subject_id`),
      ),
    );
  }
  const rows = await query.execute();
  return rows.map((row) => ({ day: row.day, count: Number(row.n) }));
};

/** Licenses in a container (collected or confirmed) expiring per UTC day in [from, to). */
export const expiringPerDay = async (
  ex: Executor,
  visibility: GroupVisibility,
  range: { from: string; to: string },
): Promise<{ day: string; count: number }[]> => {
  const rows = await licenseBase(ex, visibility, {})
    .select((eb) => [dayOf('licenses.resolved_expiration_time').as('day'), eb.fn.countAll<number>().as('n')])
    .where('licenses.state', 'in', ACTIVE_STATES)
    .where('licenses.resolved_expiration_time', '>=', range.from)
    .where('licenses.resolved_expiration_time', '<', range.to)
    .groupBy(dayOf('licenses.resolved_expiration_time'))
    .execute();
  return rows.map((row) => ({ day: row.day, count: Number(row.n) }));
};
