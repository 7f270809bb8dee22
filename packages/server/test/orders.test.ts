// Orders and tickets over HTTP on both databases: who may order for whom, what an order creates (tickets,
// ticket licenses, audit entries, ticket.created events — in one transaction), order options, pre-assigned
// containers, Idempotency-Key, batches, and who sees and re-allocates which ticket.

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../src/db/test-helper.js';
import { parseTicketCode } from '../src/modules/orders/ticket-code.js';
import { type Actor, anonymous, useTestApp } from '../src/testing/test-app.js';

const TICKET_DISPLAY = /^([0-9A-HJKMNP-TV-Z]{5}-){4}[0-9A-HJKMNP-TV-Z]{5}$/;
const aSerialNumber = () => 100_000_000 + (randomBytes(4).readUInt32BE() % 900_000_000);
const marker = () => `EXT-${randomBytes(6).toString('hex')}`;

describeEachDatabase('orders and tickets', (ctx) => {
  const t = useTestApp(ctx);
  const db = () => ctx.database.db;

  let catalogReady:
    | Promise<{ firmCode: number; pro: Json; payg: Json; cloudOnly: Json; archived: Json }>
    | undefined;
  type Json = Record<string, unknown> & { id: string; sku: string };

  /** One firm code and a few products, created once per suite through the catalog API. */
  const catalog = () => {
    catalogReady ??= (async () => {
      const firmCode = 6_200_000 + (randomBytes(3).readUIntBE(0, 3) % 1_000_000);
      expect(
        (await t.call(t.isvAdmin, 'POST', '/api/v1/firm-codes', { firmCode, name: 'Orders Firm' }))
          .statusCode,
      ).toBe(201);
      const product = async (body: Record<string, unknown>) => {
        const res = await t.call(t.isvAdmin, 'POST', '/api/v1/products', {
          sku: `SKU-${randomBytes(5).toString('hex')}`,
          name: 'Product',
          firmCode,
          productCode: 10,
          containerTypes: ['machine', 'portable'],
          ...body,
        });
        expect(res.statusCode, res.body).toBe(201);
        return res.json() as Json;
      };
      const pro = await product({
        productCode: 11,
        defaultOptions: { featureMap: 15, expirationDays: 365 },
        modules: [{ productCode: 111, featureMap: 1, text: 'Module' }],
      });
      const payg = await product({
        productCode: 12,
        defaultOptions: { unitCounter: 1000, activationTime: '2026-01-01T00:00:00.000Z' },
        orderOptions: ['unitCounter', 'expirationTime'],
      });
      const cloudOnly = await product({ productCode: 13, containerTypes: ['cloud'] });
      const archived = await product({ productCode: 14 });
      expect((await t.call(t.isvAdmin, 'POST', `/api/v1/products/${archived.id}/archive`)).statusCode).toBe(
        200,
      );
      return { firmCode, pro, payg, cloudOnly, archived };
    })();
    return catalogReady;
  };

  /** A reseller with a customer below it, their admins, two members of the customer, and an unrelated customer. */
  const aWorld = async () => {
    const reseller = await t.aGroup({ kind: 'reseller' });
    const customer = await t.aGroup({ parent: reseller });
    const other = await t.aGroup();
    return {
      reseller,
      customer,
      other,
      resellerAdmin: await t.anAdminOf(reseller),
      customerAdmin: await t.anAdminOf(customer),
      member: await t.aMemberOf(customer),
      secondMember: await t.aMemberOf(customer),
      otherAdmin: await t.anAdminOf(other),
    };
  };

  const order = async (actor: Actor, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: { ...actor.headers, ...headers },
      payload: body,
    });

  const anOrder = async (customerGroupId: string, items?: unknown[], extra: Record<string, unknown> = {}) => {
    const { pro } = await catalog();
    const res = await order(t.isvAdmin, {
      customerGroupId,
      items: items ?? [{ sku: pro.sku, quantity: 1 }],
      ...extra,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { order: { id: string }; tickets: { code: string; licenses: { id: string }[] }[] };
  };

  const count = async (table: 'orders' | 'events' | 'audit_events', column: string, value: string) =>
    Number(
      (
        await db()
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where(column as never, '=', value as never)
          .executeTakeFirstOrThrow()
      ).n,
    );

  describe('POST /api/v1/orders', () => {
    it('creates one ticket per license, copies the product into each license, audits and emits ticket.created', async () => {
      const { pro, payg } = await catalog();
      const world = await aWorld();
      // Events are kept for the subscriptions that receive them.
      const hook = await t.call(t.isvAdmin, 'POST', '/api/v1/webhooks', {
        url: 'https://erp.example.com/tessera',
        events: ['ticket.created'],
      });
      expect(hook.statusCode, hook.body).toBe(201);
      const ext = marker();
      const res = await order(t.isvAdmin, {
        customerGroupId: world.customer.id,
        externalOrderId: ext,
        data: { reference: 'PO-4711' },
        items: [
          { sku: pro.sku, quantity: 2 },
          { productId: payg.id, quantity: 1, options: { unitCounter: 250 } },
        ],
      });
      expect(res.statusCode, res.body).toBe(201);
      const body = res.json();
      expect(body.order).toMatchObject({
        customerGroupId: world.customer.id,
        externalOrderId: ext,
        data: { reference: 'PO-4711' },
        containerSerial: null,
        createdBy: t.isvAdmin.user.id,
      });
      expect(body.tickets).toHaveLength(3);
      for (const ticket of body.tickets) {
        expect(ticket.code).toMatch(TICKET_DISPLAY);
        expect(ticket.licenses).toHaveLength(1);
        expect(ticket.licenses[0].state).toBe('available');
      }
      expect(body.tickets.map((tk: { licenses: { sku: string }[] }) => tk.licenses[0]?.sku)).toEqual([
        pro.sku,
        pro.sku,
        payg.sku,
      ]);

      const rows = await db()
        .selectFrom('licenses')
        .selectAll()
        .where('order_id', '=', body.order.id)
        .orderBy('id')
        .execute();
      expect(rows).toHaveLength(3);
      expect(rows[0]).toMatchObject({
        state: 'available',
        generation: 1,
        container_id: null,
        product_id: pro.id,
      });
      expect(Number(rows[0]?.firm_code)).toBe(pro.firmCode);
      expect(Number(rows[0]?.product_code)).toBe(11);
      expect(JSON.parse(rows[0]?.options ?? '{}')).toMatchObject({ featureMap: 15, expirationDays: 365 });
      expect(JSON.parse(rows[0]?.modules ?? '[]')).toEqual([
        { productCode: 111, featureMap: 1, text: 'Module' },
      ]);
      expect(JSON.parse(rows[2]?.options ?? '{}')).toMatchObject({
        unitCounter: 250,
        activationTime: '2026-01-01T00:00:00.000Z',
      });

      expect(await count('audit_events', 'subject_id', body.order.id)).toBe(1);
      for (const row of rows) expect(await count('audit_events', 'subject_id', row.id)).toBe(1);
      const events = await db()
        .selectFrom('events')
        .select(['type', 'data', 'group_path'])
        .where('type', '=', 'ticket.created')
        .where('data', 'like', `%${body.order.id}%`)
        .execute();
      expect(events).toHaveLength(3);
      expect(events[0]?.group_path).toBe(world.customer.path);
      expect(body.tickets.map((tk: { code: string }) => tk.code)).toContain(
        JSON.parse(events[0]?.data ?? '{}').code,
      );
      const removed = await t.call(t.isvAdmin, 'DELETE', `/api/v1/webhooks/${hook.json().webhook.id}`);
      expect(removed.statusCode, removed.body).toBe(204);
    });

    it('puts all licenses of the order into one ticket when ticketPerLicense is false', async () => {
      const { pro, payg } = await catalog();
      const world = await aWorld();
      const { tickets } = await anOrder(
        world.customer.id,
        [
          { sku: pro.sku, quantity: 2 },
          { sku: payg.sku, quantity: 1 },
        ],
        { ticketPerLicense: false },
      );
      expect(tickets).toHaveLength(1);
      expect(tickets[0]?.licenses).toHaveLength(3);
    });

    it('finds the customer by its externalId', async () => {
      const { pro } = await catalog();
      const world = await aWorld();
      const externalId = marker();
      await db()
        .updateTable('groups')
        .set({ external_id: externalId })
        .where('id', '=', world.customer.id)
        .execute();
      const res = await order(t.isvAdmin, {
        customerExternalId: externalId,
        items: [{ sku: pro.sku, quantity: 1 }],
      });
      expect(res.statusCode).toBe(201);
      expect(res.json().order.customerGroupId).toBe(world.customer.id);
      const unknown = await order(t.isvAdmin, {
        customerExternalId: marker(),
        items: [{ sku: pro.sku, quantity: 1 }],
      });
      expect(unknown.json()).toMatchObject({ code: 'group_not_found', field: 'customerExternalId' });
    });

    it.each([
      ['no items', { items: [] }, 'items'],
      ['a zero quantity', { items: [{ sku: 'X', quantity: 0 }] }, 'items.0.quantity'],
      ['a quantity over 1000', { items: [{ sku: 'X', quantity: 1001 }] }, 'items.0.quantity'],
      ['neither sku nor productId', { items: [{ quantity: 1 }] }, 'items.0.sku'],
      ['a malformed container serial', { containerSerial: '999-1' }, 'containerSerial'],
      ['a data field that is not text', { data: { a: 1 } }, 'data.a'],
    ])('refuses an order with %s, naming %s', async (_what, overrides, field) => {
      const world = await aWorld();
      const { pro } = await catalog();
      const res = await order(t.isvAdmin, {
        customerGroupId: world.customer.id,
        items: [{ sku: pro.sku, quantity: 1 }],
        ...overrides,
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().field).toBe(field);
    });

    it('refuses unknown and archived products, foreign order options and unsignable option values', async () => {
      const { pro, payg, archived } = await catalog();
      const world = await aWorld();
      const refuse = async (items: unknown[]) =>
        (await order(t.isvAdmin, { customerGroupId: world.customer.id, items })).json();
      expect(
        await refuse([
          { sku: pro.sku, quantity: 1 },
          { sku: 'NO-SUCH-SKU', quantity: 1 },
        ]),
      ).toMatchObject({
        status: 400,
        field: 'items.1.sku',
      });
      expect(
        await refuse([{ productId: '0190a000-0000-7000-8000-000000000000', quantity: 1 }]),
      ).toMatchObject({
        status: 400,
        field: 'items.0.productId',
      });
      expect(await refuse([{ sku: archived.sku, quantity: 1 }])).toMatchObject({
        status: 409,
        code: 'product_archived',
        field: 'items.0.sku',
      });
      expect(await refuse([{ sku: pro.sku, quantity: 1, options: { featureMap: 1 } }])).toMatchObject({
        status: 400,
        field: 'items.0.options.featureMap',
      });
      expect(
        await refuse([
          { sku: payg.sku, quantity: 1, options: { expirationTime: '2025-01-01T00:00:00.000Z' } },
        ]),
      ).toMatchObject({ status: 400, field: 'items.0.options.expirationTime' });
      expect(
        await refuse([
          { sku: pro.sku, quantity: 600 },
          { sku: pro.sku, quantity: 600 },
        ]),
      ).toMatchObject({
        status: 400,
        field: 'items',
      });
      const noOrder = await db()
        .selectFrom('orders')
        .select('id')
        .where('customer_group_id', '=', world.customer.id)
        .execute();
      expect(noOrder).toEqual([]);
    });

    it('lets ISV admins order for anyone, reseller admins for their subtree, and nobody else', async () => {
      const { pro } = await catalog();
      const world = await aWorld();
      const body = (groupId: string) => ({
        customerGroupId: groupId,
        items: [{ sku: pro.sku, quantity: 1 }],
      });
      expect((await order(world.resellerAdmin, body(world.customer.id))).statusCode).toBe(201);
      expect((await order(world.resellerAdmin, body(world.other.id))).json()).toMatchObject({
        status: 404,
        code: 'group_not_found',
      });
      expect((await order(world.customerAdmin, body(world.customer.id))).statusCode).toBe(403);
      expect((await order(world.member, body(world.customer.id))).statusCode).toBe(403);
      expect((await order(world.otherAdmin, body(world.customer.id))).statusCode).toBe(404);
      expect((await order(anonymous, body(world.customer.id))).statusCode).toBe(401);
      const reader = await t.tokenFor(t.isvAdmin.user, ['read']);
      expect((await order(reader, body(world.customer.id))).json().code).toBe('insufficient_scope');
      const connectorOnly = await t.tokenFor(t.isvAdmin.user, ['connector']);
      expect((await order(connectorOnly, body(world.customer.id))).json().code).toBe('insufficient_scope');
      const writer = await t.tokenFor(t.isvAdmin.user, ['write']);
      expect((await order(writer, body(world.customer.id))).statusCode).toBe(201);
    });

    it('allocates the tickets to a member of the customer group, refusing anyone else', async () => {
      const { pro } = await catalog();
      const world = await aWorld();
      const ok = await order(t.isvAdmin, {
        customerGroupId: world.customer.id,
        items: [{ sku: pro.sku, quantity: 1 }],
        allocation: { userId: world.member.user.id },
      });
      expect(ok.statusCode).toBe(201);
      const ticket = await t.call(world.member, 'GET', `/api/v1/tickets/${ok.json().tickets[0].code}`);
      expect(ticket.json().allocation).toMatchObject({
        userId: world.member.user.id,
        visibleToMembers: false,
      });
      const refused = await order(t.isvAdmin, {
        customerGroupId: world.customer.id,
        items: [{ sku: pro.sku, quantity: 1 }],
        allocation: { userId: world.otherAdmin.user.id },
      });
      expect(refused.json()).toMatchObject({ status: 400, field: 'allocation.userId' });
    });

    it('pre-assigns the licenses to a container serial, creating the container Central has not seen', async () => {
      const { pro, cloudOnly } = await catalog();
      const world = await aWorld();
      const serial = `130-${aSerialNumber()}`;
      const res = await order(t.isvAdmin, {
        customerGroupId: world.customer.id,
        items: [{ sku: pro.sku, quantity: 2 }],
        containerSerial: serial,
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().order.containerSerial).toBe(serial);
      const container = await db()
        .selectFrom('containers')
        .selectAll()
        .where('serial', '=', serial)
        .executeTakeFirstOrThrow();
      expect(container).toMatchObject({
        type: 'machine',
        status: 'ok',
        public_key: null,
        group_id: world.customer.id,
      });
      const licenses = await db()
        .selectFrom('licenses')
        .select(['pre_assigned_container_id', 'state'])
        .where('order_id', '=', res.json().order.id)
        .execute();
      expect(licenses.map((l) => l.pre_assigned_container_id)).toEqual([container.id, container.id]);
      const ticket = await t.call(t.isvAdmin, 'GET', `/api/v1/tickets/${res.json().tickets[0].code}`);
      expect(ticket.json().licenses[0]).toMatchObject({ preAssignedSerial: serial, containerSerial: null });

      // A second order for the same container reuses it.
      expect(
        (
          await order(t.isvAdmin, {
            customerGroupId: world.customer.id,
            items: [{ sku: pro.sku, quantity: 1 }],
            containerSerial: serial,
          })
        ).statusCode,
      ).toBe(201);
      // A product that does not allow the container's type, and a container of another customer, are refused.
      const wrongType = await order(t.isvAdmin, {
        customerGroupId: world.customer.id,
        items: [{ sku: cloudOnly.sku, quantity: 1 }],
        containerSerial: serial,
      });
      expect(wrongType.json()).toMatchObject({ status: 400, field: 'containerSerial' });
      const foreign = await order(t.isvAdmin, {
        customerGroupId: world.other.id,
        items: [{ sku: pro.sku, quantity: 1 }],
        containerSerial: serial,
      });
      expect(foreign.json()).toMatchObject({
        status: 409,
        code: 'container_not_usable',
        field: 'containerSerial',
      });
      const portable = `3-${aSerialNumber()}`;
      await anOrder(world.customer.id, undefined, { containerSerial: portable });
      expect(
        (
          await db()
            .selectFrom('containers')
            .select('type')
            .where('serial', '=', portable)
            .executeTakeFirstOrThrow()
        ).type,
      ).toBe('portable');
    });
  });

  describe('Idempotency-Key', () => {
    it('returns the first response for a retry with the same key and body, and refuses another body', async () => {
      const { pro } = await catalog();
      const world = await aWorld();
      const key = `key-${randomBytes(8).toString('hex')}`;
      const body = {
        customerGroupId: world.customer.id,
        externalOrderId: marker(),
        items: [{ sku: pro.sku, quantity: 2 }],
      };
      const first = await order(t.isvAdmin, body, { 'idempotency-key': key });
      expect(first.statusCode).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const again = await order(t.isvAdmin, body, { 'idempotency-key': key });
      expect(again.statusCode).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json()).toEqual(first.json());
      expect(await count('orders', 'external_order_id', body.externalOrderId)).toBe(1);

      const other = await order(
        t.isvAdmin,
        { ...body, items: [{ sku: pro.sku, quantity: 3 }] },
        { 'idempotency-key': key },
      );
      expect(other.json()).toMatchObject({
        status: 409,
        code: 'idempotency_key_reused',
        field: 'Idempotency-Key',
      });
      // Keys belong to the caller: another principal's identical key is a different request.
      const writer = await t.tokenFor(world.resellerAdmin.user, ['write']);
      expect(
        (await order(writer, body, { 'idempotency-key': key })).headers['idempotent-replayed'],
      ).toBeUndefined();
    });

    it('creates one order for concurrent retries with one key', async () => {
      const { pro } = await catalog();
      const world = await aWorld();
      const key = `key-${randomBytes(8).toString('hex')}`;
      const body = {
        customerGroupId: world.customer.id,
        externalOrderId: marker(),
        items: [{ sku: pro.sku, quantity: 1 }],
      };
      const responses = await Promise.all(
        Array.from({ length: 8 }, () => order(t.isvAdmin, body, { 'idempotency-key': key })),
      );
      const created = responses.filter((r) => r.statusCode === 201);
      for (const r of responses) expect([201, 409]).toContain(r.statusCode);
      expect(new Set(created.map((r) => r.json().order.id)).size).toBe(1);
      expect(await count('orders', 'external_order_id', body.externalOrderId)).toBe(1);
    });

    it('forgets keys after 24 hours', async () => {
      const { pro } = await catalog();
      const world = await aWorld();
      const key = `key-${randomBytes(8).toString('hex')}`;
      const body = {
        customerGroupId: world.customer.id,
        externalOrderId: marker(),
        items: [{ sku: pro.sku, quantity: 1 }],
      };
      // A token, not a session: sessions end after 12 idle hours.
      const writer = await t.tokenFor(t.isvAdmin.user, ['write']);
      const first = await order(writer, body, { 'idempotency-key': key });
      t.clock.advance(24 * 3600 * 1000 + 1);
      try {
        const later = await order(writer, body, { 'idempotency-key': key });
        expect(later.headers['idempotent-replayed']).toBeUndefined();
        expect(later.json().order.id).not.toBe(first.json().order.id);
      } finally {
        t.clock.advance(-(24 * 3600 * 1000 + 1));
      }
    });

    it('refuses a malformed key, naming the header', async () => {
      const world = await aWorld();
      const { pro } = await catalog();
      const res = await order(
        t.isvAdmin,
        { customerGroupId: world.customer.id, items: [{ sku: pro.sku, quantity: 1 }] },
        { 'idempotency-key': 'has spaces in it' },
      );
      expect(res.json()).toMatchObject({ status: 400, field: 'Idempotency-Key' });
    });
  });

  describe('POST /api/v1/orders/batch', () => {
    const batch = (actor: Actor, body: unknown, headers: Record<string, string> = {}) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/orders/batch',
        headers: { ...actor.headers, ...headers },
        payload: body as object,
      });

    it('creates every order of the batch', async () => {
      const { pro, payg } = await catalog();
      const world = await aWorld();
      const res = await batch(t.isvAdmin, {
        orders: [
          { customerGroupId: world.customer.id, items: [{ sku: pro.sku, quantity: 1 }] },
          {
            customerGroupId: world.customer.id,
            items: [{ sku: payg.sku, quantity: 2 }],
            ticketPerLicense: false,
          },
        ],
      });
      expect(res.statusCode, res.body).toBe(201);
      const { results } = res.json();
      expect(results).toHaveLength(2);
      expect(results[1].tickets[0].licenses).toHaveLength(2);
    });

    it('is all or nothing: the first failure is named by its index and nothing is created', async () => {
      const { pro } = await catalog();
      const world = await aWorld();
      const ext = marker();
      const res = await batch(t.isvAdmin, {
        orders: [
          {
            customerGroupId: world.customer.id,
            externalOrderId: ext,
            items: [{ sku: pro.sku, quantity: 1 }],
          },
          {
            customerGroupId: world.customer.id,
            externalOrderId: ext,
            items: [{ sku: 'NO-SUCH', quantity: 1 }],
          },
        ],
      });
      expect(res.json()).toMatchObject({ status: 400, field: 'orders.1.items.0.sku' });
      expect(await count('orders', 'external_order_id', ext)).toBe(0);
      const schemaError = await batch(t.isvAdmin, {
        orders: [{ customerGroupId: world.customer.id, items: [{ sku: pro.sku, quantity: 0 }] }],
      });
      expect(schemaError.json()).toMatchObject({ status: 400, field: 'orders.0.items.0.quantity' });
      const forbidden = await batch(world.resellerAdmin, {
        orders: [
          { customerGroupId: world.customer.id, items: [{ sku: pro.sku, quantity: 1 }] },
          { customerGroupId: world.other.id, externalOrderId: ext, items: [{ sku: pro.sku, quantity: 1 }] },
        ],
      });
      expect(forbidden.json()).toMatchObject({ status: 404, field: 'orders.1.customerGroupId' });
    });

    it('refuses an empty batch and one over 1000 orders, and anonymous callers', async () => {
      const world = await aWorld();
      const { pro } = await catalog();
      expect((await batch(t.isvAdmin, { orders: [] })).json().field).toBe('orders');
      const tooMany = Array.from({ length: 1001 }, () => ({
        customerGroupId: world.customer.id,
        items: [{ sku: pro.sku, quantity: 1 }],
      }));
      expect((await batch(t.isvAdmin, { orders: tooMany })).json().field).toBe('orders');
      expect((await batch(anonymous, { orders: [] })).statusCode).toBe(401);
      expect(
        (
          await batch(world.member, {
            orders: [{ customerGroupId: world.customer.id, items: [{ sku: pro.sku, quantity: 1 }] }],
          })
        ).statusCode,
      ).toBe(403);
    });

    it('replays a batch retried with its Idempotency-Key', async () => {
      const { pro } = await catalog();
      const world = await aWorld();
      const key = `batch-${randomBytes(8).toString('hex')}`;
      const body = {
        orders: [
          {
            customerGroupId: world.customer.id,
            externalOrderId: marker(),
            items: [{ sku: pro.sku, quantity: 1 }],
          },
        ],
      };
      const first = await batch(t.isvAdmin, body, { 'idempotency-key': key });
      const again = await batch(t.isvAdmin, body, { 'idempotency-key': key });
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json()).toEqual(first.json());
    });
  });

  describe('GET /api/v1/orders', () => {
    it('lists orders of the groups an admin manages, with filters and a cursor', async () => {
      const world = await aWorld();
      const ext = marker();
      const a = await anOrder(world.customer.id, undefined, { externalOrderId: ext });
      t.clock.advance(60_000);
      const b = await anOrder(world.customer.id);
      const c = await anOrder(world.other.id);
      t.clock.advance(-60_000);
      const ids = async (actor: Actor, query: string) =>
        (await t.call(actor, 'GET', `/api/v1/orders?${query}`)).json().items.map((o: { id: string }) => o.id);
      expect(await ids(t.isvAdmin, `customerGroupId=${world.customer.id}`)).toEqual([a.order.id, b.order.id]);
      expect(await ids(t.isvAdmin, `externalOrderId=${ext}`)).toEqual([a.order.id]);
      const later = new Date(Date.parse('2026-03-01T09:00:30.000Z')).toISOString();
      expect(await ids(t.isvAdmin, `customerGroupId=${world.customer.id}&createdFrom=${later}`)).toEqual([
        b.order.id,
      ]);
      expect(await ids(t.isvAdmin, `customerGroupId=${world.customer.id}&createdTo=${later}`)).toEqual([
        a.order.id,
      ]);
      expect(await ids(world.resellerAdmin, `customerGroupId=${world.customer.id}`)).toEqual([
        a.order.id,
        b.order.id,
      ]);
      expect(await ids(world.resellerAdmin, `customerGroupId=${world.other.id}`)).toEqual([]);
      expect(await ids(world.otherAdmin, 'limit=100')).toEqual([c.order.id]);
      const page = (await t.call(world.customerAdmin, 'GET', '/api/v1/orders?limit=1')).json();
      expect(page.items).toHaveLength(1);
      expect(page.nextCursor).not.toBeNull();
    });

    it('refuses members, anonymous callers and malformed filters', async () => {
      const world = await aWorld();
      expect((await t.call(world.member, 'GET', '/api/v1/orders')).statusCode).toBe(403);
      expect((await t.call(anonymous, 'GET', '/api/v1/orders')).statusCode).toBe(401);
      expect((await t.call(t.isvAdmin, 'GET', '/api/v1/orders?createdFrom=yesterday')).json().field).toBe(
        'createdFrom',
      );
    });
  });

  describe('GET /api/v1/orders/{id}', () => {
    it('shows an order with its tickets to admins above its customer, and 404 to everyone else', async () => {
      const world = await aWorld();
      const created = await anOrder(world.customer.id);
      for (const actor of [t.isvAdmin, world.resellerAdmin, world.customerAdmin]) {
        const res = await t.call(actor, 'GET', `/api/v1/orders/${created.order.id}`);
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual(created);
      }
      for (const actor of [world.member, world.otherAdmin]) {
        expect((await t.call(actor, 'GET', `/api/v1/orders/${created.order.id}`)).json().code).toBe(
          'order_not_found',
        );
      }
      expect((await t.call(anonymous, 'GET', `/api/v1/orders/${created.order.id}`)).statusCode).toBe(401);
      expect((await t.call(t.isvAdmin, 'GET', '/api/v1/orders/nope')).json().field).toBe('id');
    });
  });

  describe('GET /api/v1/tickets/{code}', () => {
    it('shows the ticket with order, allocation and each license, to those who may see it', async () => {
      const { pro } = await catalog();
      const world = await aWorld();
      const created = await anOrder(world.customer.id, [{ sku: pro.sku, quantity: 2 }], {
        ticketPerLicense: false,
      });
      const code = created.tickets[0]?.code ?? '';
      for (const actor of [t.isvAdmin, world.resellerAdmin, world.customerAdmin, world.member]) {
        const res = await t.call(actor, 'GET', `/api/v1/tickets/${code}`);
        expect(res.statusCode).toBe(200);
      }
      const ticket = (await t.call(world.member, 'GET', `/api/v1/tickets/${code}`)).json();
      expect(ticket).toMatchObject({
        code,
        status: 'available',
        order: { id: created.order.id },
        allocation: {
          groupId: world.customer.id,
          groupName: world.customer.name,
          userId: null,
          visibleToMembers: true,
        },
      });
      expect(ticket.licenses).toHaveLength(2);
      expect(ticket.licenses[0]).toMatchObject({
        sku: pro.sku,
        productCode: 11,
        state: 'available',
        generation: 1,
        containerSerial: null,
        preAssignedSerial: null,
        activatedAt: null,
      });
      // Typed loosely: lower case, without dashes.
      const loose = code.toLowerCase().replace(/-/g, '');
      expect((await t.call(world.member, 'GET', `/api/v1/tickets/${loose}`)).json().id).toBe(ticket.id);
      for (const actor of [world.otherAdmin]) {
        expect((await t.call(actor, 'GET', `/api/v1/tickets/${code}`)).json()).toMatchObject({
          status: 404,
          code: 'ticket_not_found',
        });
      }
      expect((await t.call(anonymous, 'GET', `/api/v1/tickets/${code}`)).statusCode).toBe(401);
    });

    it('checks the code before any lookup: a typo is 400, an unknown valid code 404', async () => {
      const world = await aWorld();
      const created = await anOrder(world.customer.id);
      const code = created.tickets[0]?.code ?? '';
      const last = code.at(-1) === '0' ? '1' : '0';
      const typo = `${code.slice(0, -1)}${last}`;
      expect((await t.call(t.isvAdmin, 'GET', `/api/v1/tickets/${typo}`)).json()).toMatchObject({
        status: 400,
        code: 'ticket_code_invalid',
        field: 'code',
      });
      expect((await t.call(t.isvAdmin, 'GET', '/api/v1/tickets/ABC')).json().code).toBe(
        'ticket_code_invalid',
      );
      // All zeros happens to carry a valid check character, and no random code is all zeros in practice.
      const unknown = parseTicketCode('00000-00000-00000-00000-00000');
      expect((await t.call(t.isvAdmin, 'GET', `/api/v1/tickets/${unknown}`)).json().code).toBe(
        'ticket_not_found',
      );
    });

    it('hides a ticket from plain members when it is not visible to members, but not from its named user', async () => {
      const world = await aWorld();
      const hidden = await anOrder(world.customer.id, undefined, { allocation: { visibleToMembers: false } });
      const code = hidden.tickets[0]?.code ?? '';
      expect((await t.call(world.member, 'GET', `/api/v1/tickets/${code}`)).statusCode).toBe(404);
      expect((await t.call(world.customerAdmin, 'GET', `/api/v1/tickets/${code}`)).statusCode).toBe(200);
      const named = await anOrder(world.customer.id, undefined, {
        allocation: { userId: world.member.user.id },
      });
      const namedCode = named.tickets[0]?.code ?? '';
      expect((await t.call(world.member, 'GET', `/api/v1/tickets/${namedCode}`)).statusCode).toBe(200);
      expect((await t.call(world.secondMember, 'GET', `/api/v1/tickets/${namedCode}`)).statusCode).toBe(404);
    });
  });

  describe('GET /api/v1/tickets', () => {
    it('lists the tickets visible to the caller, filtered by group, order, state and code prefix', async () => {
      const world = await aWorld();
      const visible = await anOrder(world.customer.id);
      const hidden = await anOrder(world.customer.id, undefined, { allocation: { visibleToMembers: false } });
      const mine = await anOrder(world.customer.id, undefined, {
        allocation: { userId: world.member.user.id },
      });
      await anOrder(world.other.id);
      const codes = async (actor: Actor, query = '') =>
        (await t.call(actor, 'GET', `/api/v1/tickets?limit=100${query}`))
          .json()
          .items.map((tk: { code: string }) => tk.code);
      const all = [visible, hidden, mine].map((o) => o.tickets[0]?.code);
      expect(await codes(world.customerAdmin)).toEqual(all);
      expect(await codes(world.resellerAdmin, `&groupId=${world.customer.id}`)).toEqual(all);
      expect(await codes(world.member)).toEqual([visible.tickets[0]?.code, mine.tickets[0]?.code]);
      expect(await codes(world.secondMember)).toEqual([visible.tickets[0]?.code]);
      expect(await codes(world.otherAdmin, `&groupId=${world.other.id}`)).toHaveLength(1);
      expect(await codes(t.isvAdmin, `&orderId=${hidden.order.id}`)).toEqual([hidden.tickets[0]?.code]);
      expect(await codes(world.customerAdmin, '&state=available')).toEqual(all);
      expect(await codes(world.customerAdmin, '&state=confirmed')).toEqual([]);
      const prefix = (mine.tickets[0]?.code ?? '').slice(0, 8).toLowerCase();
      expect(await codes(world.customerAdmin, `&q=${prefix}`)).toEqual([mine.tickets[0]?.code]);
    });

    it('refuses a group the caller cannot see, a malformed prefix and anonymous callers', async () => {
      const world = await aWorld();
      expect(
        (await t.call(world.member, 'GET', `/api/v1/tickets?groupId=${world.other.id}`)).json(),
      ).toMatchObject({
        status: 404,
        code: 'group_not_found',
      });
      expect((await t.call(world.member, 'GET', '/api/v1/tickets?q=U!')).json()).toMatchObject({
        status: 400,
        field: 'q',
      });
      expect((await t.call(world.member, 'GET', '/api/v1/tickets?state=lost')).json().field).toBe('state');
      expect((await t.call(anonymous, 'GET', '/api/v1/tickets')).statusCode).toBe(401);
    });
  });

  describe('PATCH /api/v1/tickets/{code}', () => {
    it('re-allocates a ticket to a member and back to the group, audited', async () => {
      const world = await aWorld();
      const created = await anOrder(world.customer.id);
      const code = created.tickets[0]?.code ?? '';
      const toMember = await t.call(world.customerAdmin, 'PATCH', `/api/v1/tickets/${code}`, {
        userId: world.member.user.id,
        visibleToMembers: false,
      });
      expect(toMember.statusCode, toMember.body).toBe(200);
      expect(toMember.json().allocation).toMatchObject({
        userId: world.member.user.id,
        visibleToMembers: false,
      });
      expect((await t.call(world.secondMember, 'GET', `/api/v1/tickets/${code}`)).statusCode).toBe(404);
      const back = await t.call(world.resellerAdmin, 'PATCH', `/api/v1/tickets/${code}`, {
        userId: null,
        visibleToMembers: true,
      });
      expect(back.json().allocation).toMatchObject({ userId: null, visibleToMembers: true });
      expect((await t.call(world.secondMember, 'GET', `/api/v1/tickets/${code}`)).statusCode).toBe(200);
      const ticketId = back.json().id;
      expect(await count('audit_events', 'subject_id', ticketId)).toBe(2);
    });

    it('refuses members (403), outsiders (404), non-members as the new user (400) and anonymous callers', async () => {
      const world = await aWorld();
      const created = await anOrder(world.customer.id);
      const code = created.tickets[0]?.code ?? '';
      const patch = (actor: Actor, body: unknown) => t.call(actor, 'PATCH', `/api/v1/tickets/${code}`, body);
      expect((await patch(world.member, { visibleToMembers: false })).statusCode).toBe(403);
      expect((await patch(world.otherAdmin, { visibleToMembers: false })).statusCode).toBe(404);
      expect((await patch(world.customerAdmin, { userId: world.otherAdmin.user.id })).json()).toMatchObject({
        status: 400,
        field: 'userId',
      });
      expect((await patch(world.customerAdmin, { userId: 'nope' })).json().field).toBe('userId');
      expect((await patch(anonymous, { visibleToMembers: false })).statusCode).toBe(401);
      const typo = `${code.slice(0, -1)}${code.at(-1) === '0' ? '1' : '0'}`;
      expect((await t.call(world.customerAdmin, 'PATCH', `/api/v1/tickets/${typo}`, {})).json().code).toBe(
        'ticket_code_invalid',
      );
    });
  });
});
