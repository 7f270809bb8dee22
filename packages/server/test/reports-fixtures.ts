// Fixture builders for the reports tests: products, orders, tickets, containers, ticket licenses, issued
// update steps and audit entries, inserted directly (the activation flows that normally write them are
// separate modules). Every builder makes unique values, so tests sharing one database do not collide.

import { randomBytes, randomInt } from 'node:crypto';
import type {
  ContainerStatus,
  ContainerTypeName,
  LicenseState,
  StepChannel,
} from '../src/db/schema-licensing.js';
import type { DatabaseContext } from '../src/db/test-helper.js';
import { inTransaction, isoTime, newId } from '../src/db/transaction.js';
import type { Group } from '../src/modules/accounts/repository.js';
import { type AuditActor, SYSTEM_ACTOR } from '../src/modules/audit/service.js';
import type { TestApp } from '../src/testing/test-app.js';

const CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';

export interface Product {
  id: string;
  sku: string;
  name: string;
  firmCode: number;
  productCode: number;
}
export interface Ticket {
  id: string;
  code: string;
  orderId: string;
  group: Group;
}
export interface Container {
  id: string;
  serial: string;
}
export interface License {
  id: string;
}

export const licensingFixtures = (ctx: DatabaseContext, t: TestApp) => {
  const db = () => ctx.database.db;
  const now = () => isoTime(t.clock.now());
  const nextFuc = new Map<string, number>();

  const fixtures = {
    aProduct: async (options: { name?: string; productCode?: number } = {}): Promise<Product> => {
      const firmCodeId = newId();
      const firmCode = 6_000_000 + randomInt(1, 2_000_000_000);
      await db()
        .insertInto('firm_codes')
        .values({ id: firmCodeId, firm_code: firmCode, name: 'Vendor', created_at: now(), updated_at: now() })
        .execute();
      const product: Product = {
        id: newId(),
        sku: `SKU-${randomBytes(5).toString('hex').toUpperCase()}`,
        name: options.name ?? 'Designer Pro',
        firmCode,
        productCode: options.productCode ?? 1001,
      };
      await db()
        .insertInto('products')
        .values({
          id: product.id,
          sku: product.sku,
          name: product.name,
          description: '',
          firm_code_id: firmCodeId,
          product_code: product.productCode,
          container_types: '["machine","portable"]',
          default_options: '{}',
          order_options: '[]',
          modules: '[]',
          deactivation_allowed: null,
          reactivations_allowed: null,
          reactivation_min_wait_seconds: null,
          reactivation_behaviour: null,
          keep_ticket_complete: 0,
          archived_at: null,
          created_at: now(),
          updated_at: now(),
        })
        .execute();
      return product;
    },

    aTicket: async (group: Group): Promise<Ticket> => {
      const orderId = newId();
      await db()
        .insertInto('orders')
        .values({
          id: orderId,
          customer_group_id: group.id,
          external_order_id: null,
          data: '{}',
          container_id: null,
          created_by: null,
          created_at: now(),
        })
        .execute();
      const code = Array.from({ length: 25 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');
      const ticket: Ticket = { id: newId(), code, orderId, group };
      await db()
        .insertInto('tickets')
        .values({
          id: ticket.id,
          code,
          order_id: orderId,
          group_id: group.id,
          user_id: null,
          visible_to_members: 1,
          created_at: now(),
        })
        .execute();
      return ticket;
    },

    aContainer: async (
      options: {
        group?: Group | null;
        serial?: string;
        type?: ContainerTypeName;
        status?: ContainerStatus;
        statusReason?: string | null;
        statusChangedAt?: string | null;
        lastContactAt?: string | null;
      } = {},
    ): Promise<Container> => {
      const container: Container = {
        id: newId(),
        serial: options.serial ?? `130-${randomInt(1_000_000, 9_999_999)}${randomInt(100, 999)}`,
      };
      await db()
        .insertInto('containers')
        .values({
          id: container.id,
          serial: container.serial,
          type: options.type ?? 'machine',
          public_key: null,
          status: options.status ?? 'ok',
          status_reason: options.statusReason ?? null,
          status_changed_at: options.statusChangedAt ?? null,
          group_id: options.group === undefined || options.group === null ? null : options.group.id,
          created_at: now(),
          last_contact_at: options.lastContactAt ?? null,
        })
        .execute();
      return container;
    },

    aLicense: async (options: {
      ticket: Ticket;
      product: Product;
      state?: LicenseState;
      container?: Container | null;
      generation?: number;
      expiresAt?: string | null;
      activatedAt?: string | null;
    }): Promise<License> => {
      const license: License = { id: newId() };
      const state = options.state ?? 'available';
      await db()
        .insertInto('licenses')
        .values({
          id: license.id,
          ticket_id: options.ticket.id,
          order_id: options.ticket.orderId,
          product_id: options.product.id,
          firm_code: options.product.firmCode,
          product_code: options.product.productCode,
          options: '{}',
          modules: '[]',
          generation: options.generation ?? 1,
          state,
          container_id: options.container?.id ?? null,
          pre_assigned_container_id: null,
          replaces_license_id: null,
          replaced_by_license_id: null,
          resolved_expiration_time: options.expiresAt ?? null,
          reactivation_count: 0,
          last_reactivated_at: null,
          activated_at: options.activatedAt ?? (state === 'available' ? null : now()),
          created_at: now(),
          updated_at: now(),
        })
        .execute();
      return license;
    },

    /** An issued update step; `operations` are core operations (a lock is `{ op: 'lock_firm_item' }`). */
    aStep: async (options: {
      container: Container;
      operations: Record<string, unknown>[];
      issuedAt?: string;
      confirmedAt?: string | null;
      channel?: StepChannel;
      firmCode?: number;
    }): Promise<{ id: string }> => {
      const from = nextFuc.get(options.container.id) ?? 0;
      nextFuc.set(options.container.id, from + 1);
      const id = newId();
      await db()
        .insertInto('container_steps')
        .values({
          id,
          container_id: options.container.id,
          firm_code: options.firmCode ?? 6_000_010,
          epoch: 0,
          from_fuc: from,
          to_fuc: from + 1,
          update_id: newId(),
          operations: JSON.stringify(options.operations),
          effects: '[]',
          snapshot_after: '{}',
          channel: options.channel ?? 'auto',
          issued_at: options.issuedAt ?? now(),
          confirmed_at: options.confirmedAt ?? null,
        })
        .execute();
      return { id };
    },

    /** An audit entry about a license, written the way the activation module writes it. */
    recordLicenseEvent: async (
      license: License,
      action: string,
      data: Record<string, unknown>,
      actor: AuditActor = SYSTEM_ACTOR,
    ): Promise<void> => {
      await inTransaction(db(), (trx) =>
        t.audit.record(trx, { actor, action, subject: { type: 'license', id: license.id }, data }),
      );
    },

    /**
     * A small customer world: reseller R with customer C (and C's subgroup D), plus an unrelated customer O,
     * with an admin of each and a member of C.
     */
    aWorld: async () => {
      const reseller = await t.aGroup({ kind: 'reseller' });
      const customer = await t.aGroup({ parent: reseller });
      const department = await t.aGroup({ parent: customer });
      const other = await t.aGroup();
      return {
        reseller,
        customer,
        department,
        other,
        resellerAdmin: await t.anAdminOf(reseller),
        customerAdmin: await t.anAdminOf(customer),
        departmentAdmin: await t.anAdminOf(department),
        customerMember: await t.aMemberOf(customer),
        otherAdmin: await t.anAdminOf(other),
      };
    },
  };
  return fixtures;
};

/** An instant `days` days (may be fractional or negative) after the test clock's now. */
export const daysFrom = (t: TestApp, days: number): string =>
  new Date(t.clock.now().getTime() + days * 86_400_000).toISOString();

/** The display form of a stored ticket code. */
export const grouped = (code: string): string => code.match(/.{5}/g)?.join('-') ?? code;
