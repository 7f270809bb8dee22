// Domain logic of orders and tickets: an order turns items (product × quantity, with order-specific option
// values) into ticket licenses, grouped into tickets (one license per ticket unless asked otherwise), all in the
// caller's transaction together with their audit entries and `ticket.created` events. Tickets are read and
// re-allocated here too. Not here: HTTP (routes.ts, connector.ts), SQL (repository.ts), idempotency
// (idempotency.ts), and what happens to licenses after they are created (the activation module).

import { type Clock, TesseraError } from '@tessera/core';
import type { ContainerTypeName, LicenseState } from '../../db/schema-licensing.js';
import { type Executor, isoTime, newId, type Trx } from '../../db/transaction.js';
import { type Page, type PageRequest, toPage } from '../../http/pagination.js';
import { canManageGroup, canSeeGroup, forbidden, isAnyAdmin, managedVisibility } from '../accounts/policy.js';
import type { Random } from '../accounts/secrets.js';
import { auditActor, type Caller } from '../accounts/service.js';
import type { AuditLog } from '../audit/service.js';
import type { LicenseTemplate, OrderOptionName } from '../catalog/license-template.js';
import { parseLicenseTemplate } from '../catalog/license-template.js';
import type { Product } from '../catalog/repository.js';
import { findProductsByIdsOrSkus } from '../catalog/repository.js';
import type { EventSink } from '../events/service.js';
import { adminGroupIds, canManageTicket, canOrderFor, canSeeTicket } from './policy.js';
import type { CustomerGroup, OrderRow, TicketLicenseRow, TicketRow } from './repository.js';
import * as repo from './repository.js';
import { formatTicketCode, newTicketCode, parseTicketCode, ticketCodePrefix } from './ticket-code.js';

export { canSeeTicket } from './policy.js';
export { parseTicketCode } from './ticket-code.js';

/** The ticket with this code (no dashes, as parseTicketCode returns it) and its group's path, for visibility. */
export const findTicketByCode = (ex: Executor, code: string): Promise<repo.TicketWithGroupPath | undefined> =>
  repo.findTicketByCode(ex, code);

/** At most this many licenses per order (the sum of the item quantities). */
export const MAX_LICENSES_PER_ORDER = 1000;

const SERIAL_TYPES: Record<string, ContainerTypeName> = { '130': 'machine', '3': 'portable', '128': 'cloud' };

/** The container type a serial's mask names (130 machine, 3 portable, 128 cloud); undefined for others. */
export const containerTypeOfSerial = (serial: string): ContainerTypeName | undefined =>
  SERIAL_TYPES[serial.split('-')[0] ?? ''];

// ——— inputs and views ———

export interface OrderItemInput {
  sku?: string | undefined;
  productId?: string | undefined;
  quantity: number;
  options?: Partial<LicenseTemplate> | undefined;
}

export interface OrderInput {
  customerGroupId?: string | undefined;
  customerExternalId?: string | undefined;
  externalOrderId?: string | undefined;
  data?: Record<string, string> | undefined;
  items: OrderItemInput[];
  ticketPerLicense?: boolean | undefined;
  allocation?: { userId?: string | undefined; visibleToMembers?: boolean | undefined } | undefined;
  containerSerial?: string | undefined;
  /** the container's public key; pins it now so that no other container can claim the serial first */
  containerKey?: string | undefined;
}

export interface OrderView {
  id: string;
  customerGroupId: string;
  externalOrderId: string | null;
  data: Record<string, string>;
  containerSerial: string | null;
  createdBy: string | null;
  createdAt: string;
}

export interface LicenseSummary {
  id: string;
  sku: string;
  productCode: number;
  state: LicenseState;
}

export interface TicketSummary {
  /** Display form XXXXX-XXXXX-XXXXX-XXXXX-XXXXX. */
  code: string;
  licenses: LicenseSummary[];
}

export interface OrderWithTickets {
  order: OrderView;
  tickets: TicketSummary[];
}

export type TicketStatus = LicenseState | 'mixed';

export interface TicketView {
  id: string;
  code: string;
  status: TicketStatus;
  order: { id: string; externalOrderId: string | null; createdAt: string };
  allocation: { groupId: string; groupName: string; userId: string | null; visibleToMembers: boolean };
  createdAt: string;
  licenses: {
    id: string;
    sku: string;
    productName: string;
    productCode: number;
    state: LicenseState;
    generation: number;
    containerSerial: string | null;
    preAssignedSerial: string | null;
    createdAt: string;
    activatedAt: string | null;
  }[];
}

const orderView = (order: OrderRow | (repo.OrderRecord & { containerSerial: string | null })): OrderView => ({
  id: order.id,
  customerGroupId: order.customerGroupId,
  externalOrderId: order.externalOrderId,
  data: order.data,
  containerSerial: order.containerSerial,
  createdBy: order.createdBy,
  createdAt: order.createdAt,
});

/** A ticket's status: the state all its current licenses share, or `mixed`. */
export const ticketStatus = (states: readonly LicenseState[]): TicketStatus => {
  const distinct = new Set(states);
  const [only] = distinct;
  return distinct.size === 1 && only !== undefined ? only : 'mixed';
};

const ticketView = (ticket: TicketRow, licenses: TicketLicenseRow[]): TicketView => {
  const own = licenses.filter((l) => l.ticketId === ticket.id);
  return {
    id: ticket.id,
    code: formatTicketCode(ticket.code),
    // Replaced generations are history; the status is about the licenses in play.
    status: ticketStatus(own.filter((l) => l.state !== 'replaced').map((l) => l.state)),
    order: { id: ticket.orderId, externalOrderId: ticket.externalOrderId, createdAt: ticket.orderCreatedAt },
    allocation: {
      groupId: ticket.groupId,
      groupName: ticket.groupName,
      userId: ticket.userId,
      visibleToMembers: ticket.visibleToMembers,
    },
    createdAt: ticket.createdAt,
    licenses: own.map(({ ticketId: _ticketId, ...license }) => license),
  };
};

const validation = (field: string, message: string) =>
  new TesseraError('validation_failed', `${field}: ${message}`, { field });

const groupNotFound = (field: string, id: string) =>
  new TesseraError('group_not_found', `No group ${id} exists or is visible to you.`, { field });

const ticketNotFound = () =>
  new TesseraError('ticket_not_found', 'No ticket with this code exists or is visible to you.', {
    field: 'code',
  });

/** Puts a batch position in front of a field (`items.0.sku` → `orders.17.items.0.sku`). */
export const prefixField = (error: unknown, prefix: string): unknown => {
  if (!(error instanceof TesseraError)) return error;
  const field = typeof error.details.field === 'string' ? `${prefix}.${error.details.field}` : prefix;
  const message = error.message.startsWith(`${error.details.field as string}:`)
    ? `${prefix}.${error.message}`
    : `${field}: ${error.message}`;
  return new TesseraError(error.code, message, { ...error.details, field }, { cause: error });
};

/** Lookups an order makes, shared across the orders of one batch. */
export interface OrderLookups {
  products: Map<string, Product>;
  resellerPaths?: string[];
}

export const newOrderLookups = (): OrderLookups => ({ products: new Map() });

export interface OrdersDeps {
  clock: Clock;
  random: Random;
  audit: AuditLog;
  events: EventSink;
}

export type OrdersService = ReturnType<typeof createOrdersService>;

export const createOrdersService = (deps: OrdersDeps) => {
  const { clock, random, audit, events } = deps;
  const now = () => isoTime(clock.now());

  const customerOf = async (ex: Executor, caller: Caller, input: OrderInput): Promise<CustomerGroup> => {
    const [field, value] =
      input.customerGroupId !== undefined
        ? ['customerGroupId', input.customerGroupId]
        : ['customerExternalId', input.customerExternalId ?? ''];
    const group =
      field === 'customerGroupId'
        ? await repo.findCustomerGroup(ex, value)
        : await repo.findCustomerGroupByExternalId(ex, value);
    if (!group || !canSeeGroup(caller.principal, group)) throw groupNotFound(field, value);
    return group;
  };

  const loadProducts = async (ex: Executor, items: OrderItemInput[], lookups: OrderLookups) => {
    const missingIds = items.flatMap((i) =>
      i.productId && !lookups.products.has(`id:${i.productId}`) ? [i.productId] : [],
    );
    const missingSkus = items.flatMap((i) => (i.sku && !lookups.products.has(`sku:${i.sku}`) ? [i.sku] : []));
    if (missingIds.length === 0 && missingSkus.length === 0) return;
    for (const product of await findProductsByIdsOrSkus(
      ex,
      [...new Set(missingIds)],
      [...new Set(missingSkus)],
    )) {
      lookups.products.set(`id:${product.id}`, product);
      lookups.products.set(`sku:${product.sku}`, product);
    }
  };

  /** The product of an item and the license template of its licenses (order options merged over defaults). */
  const resolveItem = (item: OrderItemInput, index: number, lookups: OrderLookups) => {
    const field = item.sku !== undefined ? `items.${index}.sku` : `items.${index}.productId`;
    const product = lookups.products.get(item.sku !== undefined ? `sku:${item.sku}` : `id:${item.productId}`);
    if (!product) {
      throw validation(
        field,
        item.sku !== undefined
          ? `no product has the SKU "${item.sku}"`
          : `no product has the id ${item.productId}`,
      );
    }
    if (product.archivedAt !== null) {
      throw new TesseraError(
        'product_archived',
        `${field}: product ${product.sku} is archived and cannot be ordered.`,
        {
          field,
        },
      );
    }
    const options = item.options ?? {};
    for (const name of Object.keys(options)) {
      if (!product.orderOptions.includes(name as OrderOptionName)) {
        throw validation(
          `items.${index}.options.${name}`,
          `product ${product.sku} does not let orders set ${name} (it allows: ${product.orderOptions.join(', ') || 'none'})`,
        );
      }
    }
    const template = parseLicenseTemplate(
      { ...product.defaultOptions, ...options },
      `items.${index}.options`,
    );
    return { product, template, quantity: item.quantity };
  };

  const preAssignTo = async (
    trx: Trx,
    serial: string,
    customer: CustomerGroup,
    products: Product[],
    at: string,
    publicKey: string | null,
  ): Promise<repo.ContainerRef> => {
    const type = containerTypeOfSerial(serial);
    if (type === undefined) {
      throw validation('containerSerial', 'the mask must be 130 (machine), 3 (portable) or 128 (cloud)');
    }
    const refused = products.find((p) => !p.containerTypes.includes(type));
    if (refused) {
      throw validation('containerSerial', `product ${refused.sku} cannot go into a ${type} container`);
    }
    const container = await repo.ensureContainer(trx, {
      id: newId(),
      serial,
      type,
      groupId: customer.id,
      createdAt: at,
      publicKey,
    });
    if (publicKey !== null && container.publicKey !== null && container.publicKey !== publicKey) {
      throw new TesseraError(
        'container_key_conflict',
        `containerKey: container ${serial} is known with another key.`,
        { field: 'containerKey' },
      );
    }
    if (publicKey !== null && container.publicKey === null)
      await repo.pinContainerKey(trx, container.id, publicKey);
    if (container.status !== 'ok') {
      throw new TesseraError(
        'container_not_usable',
        `containerSerial: container ${serial} is ${container.status}.`,
        {
          field: 'containerSerial',
        },
      );
    }
    if (container.groupId !== null && container.groupId !== customer.id) {
      throw new TesseraError(
        'container_not_usable',
        `containerSerial: container ${serial} belongs to another customer.`,
        { field: 'containerSerial' },
      );
    }
    return container;
  };

  const withTickets = async (ex: Executor, orders: OrderRow[]): Promise<OrderWithTickets[]> => {
    const tickets = await repo.ticketsOfOrders(
      ex,
      orders.map((o) => o.id),
    );
    const licenses = await repo.licensesOfTickets(
      ex,
      tickets.map((t) => t.id),
    );
    return orders.map((order) => ({
      order: orderView(order),
      tickets: tickets
        .filter((t) => t.orderId === order.id)
        .map((t) => ({
          code: formatTicketCode(t.code),
          licenses: licenses
            .filter((l) => l.ticketId === t.id)
            .map((l) => ({ id: l.id, sku: l.sku, productCode: l.productCode, state: l.state })),
        })),
    }));
  };

  const createOrder = async (
    trx: Trx,
    caller: Caller,
    input: OrderInput,
    lookups: OrderLookups = newOrderLookups(),
  ): Promise<OrderWithTickets> => {
    const customer = await customerOf(trx, caller, input);
    lookups.resellerPaths ??= await repo.resellerPaths(trx, adminGroupIds(caller.principal));
    if (!canOrderFor(caller.principal, lookups.resellerPaths, customer)) {
      throw forbidden('Only ISV admins, and admins of a reseller for the groups below it, can order.');
    }
    const total = input.items.reduce((sum, item) => sum + item.quantity, 0);
    if (total > MAX_LICENSES_PER_ORDER) {
      throw validation(
        'items',
        `an order holds at most ${MAX_LICENSES_PER_ORDER} licenses (this one ${total})`,
      );
    }
    const userId = input.allocation?.userId ?? null;
    if (userId !== null && !(await repo.isMemberOf(trx, userId, customer.id))) {
      throw validation('allocation.userId', 'is not a member of the customer group');
    }
    await loadProducts(trx, input.items, lookups);
    const lines = input.items.map((item, index) => resolveItem(item, index, lookups));

    const at = now();
    const container =
      input.containerSerial !== undefined
        ? await preAssignTo(
            trx,
            input.containerSerial,
            customer,
            lines.map((l) => l.product),
            at,
            input.containerKey ?? null,
          )
        : null;
    const order: repo.OrderRecord = {
      id: newId(),
      customerGroupId: customer.id,
      externalOrderId: input.externalOrderId ?? null,
      data: input.data ?? {},
      containerId: container?.id ?? null,
      createdBy: caller.principal.user.id,
      createdAt: at,
    };
    // A ticket allocated to a named user is that user's unless the order says members may see it too.
    const visibleToMembers = input.allocation?.visibleToMembers ?? userId === null;
    const newTicket = (): repo.TicketRecord => ({
      id: newId(),
      code: newTicketCode(random),
      orderId: order.id,
      groupId: customer.id,
      userId,
      visibleToMembers,
      createdAt: at,
    });
    const tickets: repo.TicketRecord[] = [];
    const licenses: (repo.NewLicense & { sku: string })[] = [];
    const oneTicket = input.ticketPerLicense === false ? newTicket() : null;
    if (oneTicket) tickets.push(oneTicket);
    for (const line of lines) {
      for (let n = 0; n < line.quantity; n++) {
        const ticket = oneTicket ?? newTicket();
        if (!oneTicket) tickets.push(ticket);
        licenses.push({
          id: newId(),
          ticketId: ticket.id,
          orderId: order.id,
          productId: line.product.id,
          firmCode: line.product.firmCode,
          productCode: line.product.productCode,
          options: line.template,
          modules: line.product.modules,
          preAssignedContainerId: container?.id ?? null,
          createdAt: at,
          sku: line.product.sku,
        });
      }
    }

    await repo.insertOrder(trx, order);
    await repo.insertTickets(trx, tickets);
    await repo.insertLicenses(trx, licenses);

    const actor = auditActor(caller);
    await audit.record(trx, {
      actor,
      action: 'order.created',
      subject: { type: 'order', id: order.id },
      groupPath: customer.path,
      data: {
        customerGroupId: customer.id,
        externalOrderId: order.externalOrderId,
        items: lines.map((l) => ({ sku: l.product.sku, quantity: l.quantity })),
        tickets: tickets.length,
        containerSerial: container?.serial ?? null,
      },
    });
    for (const license of licenses) {
      await audit.record(trx, {
        actor,
        action: 'license.created',
        subject: { type: 'license', id: license.id },
        groupPath: customer.path,
        data: {
          orderId: order.id,
          ticketId: license.ticketId,
          sku: license.sku,
          productCode: license.productCode,
          generation: 1,
          state: 'available',
          preAssignedSerial: container?.serial ?? null,
        },
      });
    }
    const summaries: TicketSummary[] = tickets.map((ticket) => ({
      code: formatTicketCode(ticket.code),
      licenses: licenses
        .filter((l) => l.ticketId === ticket.id)
        .map((l) => ({ id: l.id, sku: l.sku, productCode: l.productCode, state: 'available' as const })),
    }));
    for (const [index, ticket] of tickets.entries()) {
      await events.emit(trx, {
        type: 'ticket.created',
        subject: { type: 'ticket', id: ticket.id },
        groupPath: customer.path,
        data: {
          code: summaries[index]?.code,
          orderId: order.id,
          externalOrderId: order.externalOrderId,
          groupId: customer.id,
          userId: ticket.userId,
          licenses: summaries[index]?.licenses ?? [],
        },
      });
    }
    return { order: orderView({ ...order, containerSerial: container?.serial ?? null }), tickets: summaries };
  };

  return {
    createOrder,

    /** Several orders, all or nothing: the first failure rolls everything back and is named by its index. */
    createOrders: async (trx: Trx, caller: Caller, inputs: OrderInput[]): Promise<OrderWithTickets[]> => {
      const lookups = newOrderLookups();
      const results: OrderWithTickets[] = [];
      for (const [index, input] of inputs.entries()) {
        try {
          results.push(await createOrder(trx, caller, input, lookups));
        } catch (error) {
          throw prefixField(error, `orders.${index}`);
        }
      }
      return results;
    },

    /** The order of a customer with this external order id, with its tickets (the connector's retry). */
    findByExternalId: async (
      ex: Executor,
      customerGroupId: string,
      externalOrderId: string,
    ): Promise<OrderWithTickets | undefined> => {
      const order = await repo.findOrderByExternalId(ex, customerGroupId, externalOrderId);
      return order ? (await withTickets(ex, [order]))[0] : undefined;
    },

    listOrders: async (
      ex: Executor,
      caller: Caller,
      filter: Omit<repo.OrderFilter, 'visibility'>,
      page: PageRequest,
    ): Promise<Page<OrderView>> => {
      if (!isAnyAdmin(caller.principal)) throw forbidden('Only group admins can read orders.');
      const rows = await repo.listOrders(
        ex,
        { ...filter, visibility: managedVisibility(caller.principal) },
        page,
      );
      const result = toPage(rows, page, (o) => o.id);
      return { items: result.items.map(orderView), nextCursor: result.nextCursor };
    },

    getOrder: async (ex: Executor, caller: Caller, id: string): Promise<OrderWithTickets> => {
      const order = await repo.findOrder(ex, id);
      if (!order || !canManageGroup(caller.principal, { path: order.groupPath })) {
        throw new TesseraError('order_not_found', `No order with id ${id} exists or is visible to you.`);
      }
      const [result] = await withTickets(ex, [order]);
      if (!result) throw new TesseraError('order_not_found', `No order with id ${id} exists.`);
      return result;
    },

    // ——— tickets ———

    getTicket: async (ex: Executor, caller: Caller, codeInput: string): Promise<TicketView> => {
      const code = parseTicketCode(codeInput, 'code');
      const ticket = await repo.findTicketByCode(ex, code);
      if (!ticket || !canSeeTicket(caller.principal, ticket)) throw ticketNotFound();
      return ticketView(ticket, await repo.licensesOfTickets(ex, [ticket.id]));
    },

    listTickets: async (
      ex: Executor,
      caller: Caller,
      filter: {
        groupId?: string | undefined;
        orderId?: string | undefined;
        state?: LicenseState | undefined;
        q?: string | undefined;
      },
      page: PageRequest,
    ): Promise<Page<TicketView>> => {
      const principal = caller.principal;
      if (filter.groupId !== undefined) {
        const group = await repo.findCustomerGroup(ex, filter.groupId);
        if (!group || !canSeeGroup(principal, group)) throw groupNotFound('groupId', filter.groupId);
      }
      const codePrefix = filter.q === undefined ? undefined : ticketCodePrefix(filter.q);
      if (filter.q !== undefined && codePrefix === undefined) {
        throw validation(
          'q',
          'a ticket code prefix holds at most 25 characters of 0–9 and A–Z without I, L, O, U',
        );
      }
      const visibility = managedVisibility(principal);
      const rows = await repo.listTickets(
        ex,
        {
          visibility: visibility.all
            ? null
            : {
                managedPaths: visibility.subtreePaths,
                memberGroupIds: principal.memberships.map((m) => m.groupId),
                userId: principal.user.id,
              },
          groupId: filter.groupId,
          orderId: filter.orderId,
          state: filter.state,
          codePrefix,
        },
        page,
      );
      const result = toPage(rows, page, (t) => t.id);
      const licenses = await repo.licensesOfTickets(
        ex,
        result.items.map((t) => t.id),
      );
      return { items: result.items.map((t) => ticketView(t, licenses)), nextCursor: result.nextCursor };
    },

    /** Re-allocates a ticket to a user of its group (or back to the group) and sets who of the group sees it. */
    allocateTicket: async (
      trx: Trx,
      caller: Caller,
      codeInput: string,
      patch: { userId?: string | null | undefined; visibleToMembers?: boolean | undefined },
    ): Promise<TicketView> => {
      const code = parseTicketCode(codeInput, 'code');
      const ticket = await repo.findTicketByCode(trx, code);
      if (!ticket || !canSeeTicket(caller.principal, ticket)) throw ticketNotFound();
      if (!canManageTicket(caller.principal, ticket)) {
        throw forbidden('Only admins of the ticket’s group can re-allocate it.');
      }
      const userId = patch.userId === undefined ? ticket.userId : patch.userId;
      if (
        userId !== null &&
        userId !== ticket.userId &&
        !(await repo.isMemberOf(trx, userId, ticket.groupId))
      ) {
        throw validation('userId', 'is not a member of the ticket’s group');
      }
      const visibleToMembers = patch.visibleToMembers ?? ticket.visibleToMembers;
      if (userId !== ticket.userId || visibleToMembers !== ticket.visibleToMembers) {
        await repo.updateTicketAllocation(trx, ticket.id, { userId, visibleToMembers });
        await audit.record(trx, {
          actor: auditActor(caller),
          action: 'ticket.allocated',
          subject: { type: 'ticket', id: ticket.id },
          groupPath: ticket.groupPath,
          data: {
            from: { userId: ticket.userId, visibleToMembers: ticket.visibleToMembers },
            to: { userId, visibleToMembers },
          },
        });
      }
      const updated = { ...ticket, userId, visibleToMembers };
      return ticketView(updated, await repo.licensesOfTickets(trx, [ticket.id]));
    },
  };
};
