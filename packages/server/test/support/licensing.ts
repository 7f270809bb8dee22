// Fixtures for licensing scenarios: a firm code and products through the catalog API, tickets written
// straight into the tables (as the orders module stores them), and a simulated customer device — a real
// core container with its own key that writes contexts and imports updates exactly as the runtime does.

import {
  applyUpdate,
  type ContainerState,
  generateKeyPair,
  type KeyPair,
  makeContext,
  newContainerState,
  randomToken,
} from '@tessera/core';
import { expect } from 'vitest';
import type { DatabaseContext } from '../../src/db/test-helper.js';
import { isoTime, newId } from '../../src/db/transaction.js';
import type { Group } from '../../src/modules/accounts/repository.js';
import { systemRandom } from '../../src/modules/accounts/secrets.js';
import { newTicketCode } from '../../src/modules/orders/ticket-code.js';
import type { Actor, TestApp } from '../../src/testing/test-app.js';

let firmCounter = 0;
let productCounter = 0;
let serialCounter = 0;

/** A firm code number unique in this process (and very likely across concurrent runs). */
export const aFirmCodeNumber = () => 7_000_000 + (process.pid % 1000) * 1000 + firmCounter++;

export const aSerial = (type: 'machine' | 'portable' = 'machine') =>
  `${type === 'machine' ? 130 : 3}-${100_000_000 + (process.pid % 10_000) * 10_000 + serialCounter++}`;

export interface Product {
  id: string;
  sku: string;
  firmCode: number;
  productCode: number;
}

export const aFirmCode = async (t: TestApp): Promise<number> => {
  const firmCode = aFirmCodeNumber();
  const created = await t.call(t.isvAdmin, 'POST', '/api/v1/firm-codes', {
    firmCode,
    name: `Firm ${firmCode}`,
  });
  expect(created.statusCode, created.body).toBe(201);
  return firmCode;
};

export const aProduct = async (
  t: TestApp,
  firmCode: number,
  overrides: Partial<{
    productCode: number;
    containerTypes: string[];
    defaultOptions: Record<string, unknown>;
    orderOptions: string[];
    policies: Record<string, unknown>;
    modules: unknown[];
  }> = {},
): Promise<Product> => {
  const sku = `SKU-${process.pid}-${productCounter++}`;
  const productCode = overrides.productCode ?? 100 + productCounter;
  const created = await t.call(t.isvAdmin, 'POST', '/api/v1/products', {
    sku,
    name: `Product ${sku}`,
    firmCode,
    productCode,
    containerTypes: overrides.containerTypes ?? ['machine', 'portable'],
    defaultOptions: overrides.defaultOptions ?? {},
    orderOptions: overrides.orderOptions ?? [],
    policies: overrides.policies ?? {},
    modules: overrides.modules ?? [],
  });
  expect(created.statusCode, created.body).toBe(201);
  return { id: created.json().id, sku, firmCode, productCode };
};

export interface TicketFixture {
  id: string;
  code: string;
  orderId: string;
  licenseIds: string[];
}

/**
 * A ticket with `count` licenses of a product for a customer group, as an order creates it. `userId`
 * allocates it to one person; `preAssignedTo` reserves its licenses for a container serial.
 */
export const aTicket = async (
  ctx: DatabaseContext,
  t: TestApp,
  product: Product,
  group: Group,
  options: {
    count?: number;
    userId?: string;
    visibleToMembers?: boolean;
    preAssignedContainerId?: string;
  } = {},
): Promise<TicketFixture> => {
  const db = ctx.database.db;
  const at = isoTime(t.clock.now());
  const orderId = newId();
  const ticketId = newId();
  const code = newTicketCode(systemRandom);
  const row = await db
    .selectFrom('products')
    .select(['default_options', 'modules'])
    .where('id', '=', product.id)
    .executeTakeFirstOrThrow();
  await db
    .insertInto('orders')
    .values({
      id: orderId,
      customer_group_id: group.id,
      external_order_id: null,
      data: '{}',
      container_id: null,
      created_by: null,
      created_at: at,
    })
    .execute();
  await db
    .insertInto('tickets')
    .values({
      id: ticketId,
      code,
      order_id: orderId,
      group_id: group.id,
      user_id: options.userId ?? null,
      visible_to_members: options.visibleToMembers === false ? 0 : 1,
      created_at: at,
    })
    .execute();
  const licenseIds: string[] = [];
  for (let i = 0; i < (options.count ?? 1); i++) {
    const id = newId();
    licenseIds.push(id);
    await db
      .insertInto('licenses')
      .values({
        id,
        ticket_id: ticketId,
        order_id: orderId,
        product_id: product.id,
        firm_code: product.firmCode,
        product_code: product.productCode,
        options: row.default_options,
        modules: row.modules,
        generation: 1,
        state: 'available',
        container_id: null,
        pre_assigned_container_id: options.preAssignedContainerId ?? null,
        replaces_license_id: null,
        replaced_by_license_id: null,
        resolved_expiration_time: null,
        reactivation_count: 0,
        last_reactivated_at: null,
        activated_at: null,
        created_at: at,
        updated_at: at,
      })
      .execute();
  }
  return { id: ticketId, code, orderId, licenseIds };
};

/** A customer's container as the runtime keeps it: real core state, real keys, real documents. */
export class Device {
  state: ContainerState;
  readonly key: KeyPair;
  lastNonce = '';

  constructor(
    readonly serial: string = aSerial(),
    key?: KeyPair,
  ) {
    this.state = newContainerState(serial, serial.startsWith('3-') ? 'portable' : 'machine');
    this.key = key ?? generateKeyPair();
  }

  context(options: { firmCodes?: number[]; receiptFor?: string } = {}): string {
    this.lastNonce = randomToken(16);
    return makeContext(this.state, this.key, {
      nonce: this.lastNonce,
      now: new Date(),
      ...(options.firmCodes ? { firmCodes: options.firmCodes } : {}),
      ...(options.receiptFor ? { receiptFor: options.receiptFor } : {}),
    });
  }

  import(update: string, expectedNonce?: string) {
    const applied = applyUpdate(this.state, update, expectedNonce ? { expectedNonce } : {});
    this.state = applied.state;
    return applied.result;
  }

  /** Ticket-license ids and generations held for a firm code. */
  holds(firmCode: number): { id: string; generation: number }[] {
    const item = this.state.firmItems.find((f) => f.firmCode === firmCode);
    return (item?.licenses ?? [])
      .map((l) => ({ id: l.ticketLicenseId, generation: l.generation }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  locked(firmCode: number): boolean {
    return this.state.firmItems.find((f) => f.firmCode === firmCode)?.locked ?? false;
  }
}

export interface Gateway {
  activate(
    device: Device,
    ticket: string,
    extra?: Record<string, unknown>,
    actor?: Actor,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  deactivate(
    device: Device,
    ticket: string,
    extra?: Record<string, unknown>,
    actor?: Actor,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  receipt(device: Device, receiptFor?: string): Promise<{ status: number; body: Record<string, unknown> }>;
  updates(device: Device): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Imports every update of an answer into the device and sends the receipt, as the CLI does. */
  apply(device: Device, body: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export const gateway = (t: TestApp, anonymous: Actor = { headers: {} }): Gateway => {
  const post = async (url: string, body: unknown, actor: Actor = anonymous) => {
    const response = await t.call(actor, 'POST', url, body);
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  };
  const self: Gateway = {
    activate: (device, ticket, extra = {}, actor) =>
      post('/api/v1/gateway/activate', { ticket, context: device.context(), ...extra }, actor),
    deactivate: (device, ticket, extra = {}, actor) =>
      post('/api/v1/gateway/deactivate', { ticket, context: device.context(), ...extra }, actor),
    receipt: (device, receiptFor) =>
      post('/api/v1/gateway/receipt', { receipt: device.context(receiptFor ? { receiptFor } : {}) }),
    updates: (device) => post('/api/v1/gateway/updates', { context: device.context() }),
    apply: async (device, body) => {
      const nonce = device.lastNonce;
      let last = body;
      for (const { update } of body.updates as { update: string }[]) device.import(update, nonce);
      const answer = await self.receipt(device);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      last = answer.body;
      return last;
    },
  };
  return self;
};

/** A license's row, read straight from the database. */
export const licenseRow = async (ctx: DatabaseContext, id: string) =>
  ctx.database.db.selectFrom('licenses').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

export const containerRow = async (ctx: DatabaseContext, serial: string) =>
  ctx.database.db.selectFrom('containers').selectAll().where('serial', '=', serial).executeTakeFirstOrThrow();
