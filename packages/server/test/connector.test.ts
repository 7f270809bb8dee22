// The generic connector over HTTP on both databases: orders by URL (GET, or a form POST) from a shop or ERP,
// authenticated by an API token with the connector scope only, answered as text or JSON, idempotent per
// orderid and customer; every problem a 400 naming the parameter, with no order created. Also the group
// externalId the connector's customerid refers to, and that the request log never shows an access_token.

import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../src/db/test-helper.js';
import { redactUrl, requestLogSerializers } from '../src/http/log-redaction.js';
import { parseConnectorOrder } from '../src/modules/orders/connector.js';
import { type Actor, anonymous, useTestApp } from '../src/testing/test-app.js';

const unique = (hint: string) => `${hint}-${randomBytes(6).toString('hex')}`;
const TICKET_LINE = /^([0-9A-HJKMNP-TV-Z]{5}-){4}[0-9A-HJKMNP-TV-Z]{5}$/;

describeEachDatabase('generic connector', (ctx) => {
  const t = useTestApp(ctx);
  const db = () => ctx.database.db;

  let ready: Promise<{ skuA: string; skuB: string; archivedSku: string }> | undefined;
  const catalog = () => {
    ready ??= (async () => {
      const firmCode = 6_300_000 + (randomBytes(3).readUIntBE(0, 3) % 1_000_000);
      await t.call(t.isvAdmin, 'POST', '/api/v1/firm-codes', { firmCode, name: 'Connector Firm' });
      const product = async (productCode: number) => {
        const res = await t.call(t.isvAdmin, 'POST', '/api/v1/products', {
          sku: unique('SHOP'),
          name: 'Shop product',
          firmCode,
          productCode,
          containerTypes: ['machine'],
        });
        expect(res.statusCode, res.body).toBe(201);
        return res.json() as { id: string; sku: string };
      };
      const a = await product(21);
      const b = await product(22);
      const archived = await product(23);
      await t.call(t.isvAdmin, 'POST', `/api/v1/products/${archived.id}/archive`);
      return { skuA: a.sku, skuB: b.sku, archivedSku: archived.sku };
    })();
    return ready;
  };

  /** A customer with an externalId below a reseller, and connector tokens of an ISV admin and the reseller admin. */
  const aShop = async () => {
    const reseller = await t.aGroup({ kind: 'reseller' });
    const customer = await t.aGroup({ parent: reseller });
    const customerId = unique('CUST');
    const patched = await t.call(t.isvAdmin, 'PATCH', `/api/v1/groups/${customer.id}`, {
      externalId: customerId,
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const resellerAdmin = await t.anAdminOf(reseller);
    return {
      reseller,
      customer,
      customerId,
      resellerAdmin,
      vendorToken: await t.tokenFor(t.isvAdmin.user, ['connector']),
      resellerToken: await t.tokenFor(resellerAdmin.user, ['connector']),
    };
  };

  const call = (
    actor: Actor,
    method: 'GET' | 'POST',
    query: string,
    extra: { headers?: Record<string, string>; form?: string } = {},
  ) =>
    t.app.inject({
      method,
      url: `/api/v1/connector/orders${query ? `?${query}` : ''}`,
      headers: {
        ...actor.headers,
        ...(extra.form !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...extra.headers,
      },
      ...(extra.form !== undefined ? { payload: extra.form } : {}),
    });

  const ordersWith = async (externalOrderId: string) =>
    db().selectFrom('orders').select('id').where('external_order_id', '=', externalOrderId).execute();

  it('creates the order and answers 200 with the ticket codes as plain text, one per line', async () => {
    const { skuA, skuB } = await catalog();
    const shop = await aShop();
    const orderId = unique('WEB');
    const res = await call(
      shop.vendorToken,
      'GET',
      `orderid=${orderId}&customerid=${shop.customerId}&item_count=2&item1_id=${skuA}&item1_quantity=2&item2_id=${skuB}`,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const lines = res.body.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(TICKET_LINE);
    const [created] = await ordersWith(orderId);
    expect(created).toBeDefined();
    const order = (await t.call(t.isvAdmin, 'GET', `/api/v1/orders/${created?.id}`)).json();
    expect(order.order).toMatchObject({ customerGroupId: shop.customer.id, externalOrderId: orderId });
    expect(order.tickets.map((tk: { code: string }) => tk.code)).toEqual(lines);
  });

  it('answers JSON when asked, and takes a form POST with the access_token in the body', async () => {
    const { skuA } = await catalog();
    const shop = await aShop();
    const orderId = unique('ERP');
    const res = await call(anonymous, 'POST', '', {
      headers: { accept: 'application/json' },
      form: new URLSearchParams({
        access_token: shop.resellerToken.secret,
        orderid: orderId,
        customerid: shop.customerId,
        item_count: '1',
        item1_id: skuA,
        item1_quantity: '1',
      }).toString(),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      order: { externalOrderId: orderId },
      tickets: [{ licenses: [{ sku: skuA }] }],
    });
  });

  it('takes the access_token as a URL parameter', async () => {
    const { skuA } = await catalog();
    const shop = await aShop();
    const res = await call(
      anonymous,
      'GET',
      `access_token=${shop.vendorToken.secret}&orderid=${unique('URL')}&customerid=${shop.customerId}&item_count=1&item1_id=${skuA}`,
    );
    expect(res.statusCode, res.body).toBe(200);
  });

  it('returns the existing tickets when the same orderid comes again for the same customer', async () => {
    const { skuA, skuB } = await catalog();
    const shop = await aShop();
    const orderId = unique('AGAIN');
    const query = `orderid=${orderId}&customerid=${shop.customerId}&item_count=2&item1_id=${skuA}&item2_id=${skuB}`;
    const first = await call(shop.vendorToken, 'GET', query);
    const second = await call(shop.vendorToken, 'GET', query);
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(second.body).toBe(first.body);
    // The same items in another order of parameters are the same order.
    const swapped = await call(
      shop.vendorToken,
      'GET',
      `orderid=${orderId}&customerid=${shop.customerId}&item_count=2&item1_id=${skuB}&item2_id=${skuA}`,
    );
    expect(swapped.body).toBe(first.body);
    expect(await ordersWith(orderId)).toHaveLength(1);
    const different = await call(
      shop.vendorToken,
      'GET',
      `orderid=${orderId}&customerid=${shop.customerId}&item_count=1&item1_id=${skuA}&item1_quantity=5`,
    );
    expect(different.json()).toMatchObject({
      status: 409,
      code: 'external_order_id_reused',
      field: 'orderid',
    });
  });

  it('creates one order for concurrent identical calls', async () => {
    const { skuA } = await catalog();
    const shop = await aShop();
    const orderId = unique('RACE');
    const query = `orderid=${orderId}&customerid=${shop.customerId}&item_count=1&item1_id=${skuA}`;
    const results = await Promise.all(Array.from({ length: 6 }, () => call(shop.vendorToken, 'GET', query)));
    for (const r of results) expect([200, 409]).toContain(r.statusCode);
    const bodies = new Set(results.filter((r) => r.statusCode < 300).map((r) => r.body));
    expect(bodies.size).toBe(1);
    expect(await ordersWith(orderId)).toHaveLength(1);
  });

  it.each([
    [
      'an unknown SKU',
      'item2_id',
      400,
      (s: Skus, c: string) => `customerid=${c}&item_count=2&item1_id=${s.skuA}&item2_id=NOPE`,
    ],
    [
      'a zero quantity',
      'item1_quantity',
      400,
      (s: Skus, c: string) => `customerid=${c}&item_count=1&item1_id=${s.skuA}&item1_quantity=0`,
    ],
    [
      'a quantity that is not a number',
      'item1_quantity',
      400,
      (s: Skus, c: string) => `customerid=${c}&item_count=1&item1_id=${s.skuA}&item1_quantity=two`,
    ],
    [
      'more items than item_count',
      'item2_id',
      400,
      (s: Skus, c: string) => `customerid=${c}&item_count=1&item1_id=${s.skuA}&item2_id=${s.skuB}`,
    ],
    [
      'fewer items than item_count',
      'item2_id',
      400,
      (s: Skus, c: string) => `customerid=${c}&item_count=2&item1_id=${s.skuA}`,
    ],
    ['no item_count', 'item_count', 400, (s: Skus, c: string) => `customerid=${c}&item1_id=${s.skuA}`],
    ['no customer', 'customerid', 400, (s: Skus) => `item_count=1&item1_id=${s.skuA}`],
    [
      'an unknown customer',
      'customerid',
      400,
      (s: Skus) => `customerid=NOBODY&item_count=1&item1_id=${s.skuA}`,
    ],
    [
      'a repeated parameter',
      'item1_id',
      400,
      (s: Skus, c: string) => `customerid=${c}&item_count=1&item1_id=${s.skuA}&item1_id=${s.skuB}`,
    ],
    [
      'an archived product',
      'item1_id',
      409,
      (s: Skus, c: string) => `customerid=${c}&item_count=1&item1_id=${s.archivedSku}`,
    ],
  ])('refuses %s, naming %s, and creates no order', async (_what, field, status, params) => {
    const skus = await catalog();
    const shop = await aShop();
    const orderId = unique('BAD');
    const res = await call(shop.vendorToken, 'GET', `orderid=${orderId}&${params(skus, shop.customerId)}`);
    expect(res.json(), res.body).toMatchObject({ status, field });
    expect(await ordersWith(orderId)).toEqual([]);
  });

  it('refuses a missing orderid', async () => {
    const { skuA } = await catalog();
    const shop = await aShop();
    const res = await call(
      shop.vendorToken,
      'GET',
      `customerid=${shop.customerId}&item_count=1&item1_id=${skuA}`,
    );
    expect(res.json()).toMatchObject({ status: 400, field: 'orderid' });
  });

  it('takes API tokens with the connector scope only: not sessions, not other scopes, not unknown tokens', async () => {
    const { skuA } = await catalog();
    const shop = await aShop();
    const query = `orderid=${unique('AUTH')}&customerid=${shop.customerId}&item_count=1&item1_id=${skuA}`;
    expect((await call(anonymous, 'GET', query)).statusCode).toBe(401);
    // A logged-in browser following a forged link must not create orders.
    expect((await call(t.isvAdmin, 'GET', query)).statusCode).toBe(401);
    const admin = await t.tokenFor(t.isvAdmin.user, ['admin']);
    expect((await call(admin, 'GET', query)).json()).toMatchObject({
      status: 403,
      code: 'insufficient_scope',
    });
    expect((await call(anonymous, 'GET', `${query}&access_token=tsr_unknown`)).statusCode).toBe(401);
    expect((await call({ headers: { authorization: 'Bearer tsr_unknown' } }, 'GET', query)).statusCode).toBe(
      401,
    );
    // The connector scope grants nothing else.
    expect((await t.call(shop.vendorToken, 'GET', '/api/v1/orders')).json().code).toBe('insufficient_scope');
  });

  it('orders only for customers the token owner may order for', async () => {
    const { skuA } = await catalog();
    const shop = await aShop();
    const elsewhere = await aShop();
    const memberToken = await t.tokenFor((await t.aMemberOf(shop.customer)).user, ['connector']);
    const query = (customerId: string) =>
      `orderid=${unique('WHO')}&customerid=${customerId}&item_count=1&item1_id=${skuA}`;
    expect((await call(shop.resellerToken, 'GET', query(shop.customerId))).statusCode).toBe(200);
    expect((await call(shop.resellerToken, 'GET', query(elsewhere.customerId))).json()).toMatchObject({
      status: 400,
      field: 'customerid',
    });
    expect((await call(memberToken, 'GET', query(shop.customerId))).statusCode).toBe(403);
  });

  describe('group externalId (the connector’s customerid)', () => {
    it('is set at creation or by PATCH by admins above the group, unique, and shown on the group', async () => {
      const reseller = await t.aGroup({ kind: 'reseller' });
      const resellerAdmin = await t.anAdminOf(reseller);
      const externalId = unique('NEW');
      const created = await t.call(resellerAdmin, 'POST', '/api/v1/groups', {
        parentId: reseller.id,
        name: unique('Customer'),
        externalId,
      });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json().externalId).toBe(externalId);
      const id = created.json().id;
      expect((await t.call(resellerAdmin, 'GET', `/api/v1/groups/${id}`)).json().externalId).toBe(externalId);
      const other = await t.aGroup({ parent: reseller });
      expect(
        (await t.call(resellerAdmin, 'PATCH', `/api/v1/groups/${other.id}`, { externalId })).json(),
      ).toMatchObject({
        status: 409,
        code: 'external_id_taken',
        field: 'externalId',
      });
      const renamed = await t.call(resellerAdmin, 'PATCH', `/api/v1/groups/${id}`, {
        name: 'Renamed',
        externalId: null,
      });
      expect(renamed.json()).toMatchObject({ name: 'Renamed', externalId: null });
    });

    it('cannot be set by the group’s own admins (orders by that number would land with them)', async () => {
      const customer = await t.aGroup();
      const admin = await t.anAdminOf(customer);
      const res = await t.call(admin, 'PATCH', `/api/v1/groups/${customer.id}`, {
        externalId: unique('MINE'),
      });
      expect(res.statusCode).toBe(403);
      expect((await t.call(admin, 'PATCH', `/api/v1/groups/${customer.id}`, {})).json().field).toBe('name');
    });
  });
});

type Skus = { skuA: string; skuB: string; archivedSku: string };

describe('connector parameters', () => {
  it('default a missing quantity to 1 and trim values', () => {
    expect(
      parseConnectorOrder({
        orderid: ' 42 ',
        customerid: 'C1',
        item_count: '2',
        item1_id: 'A',
        item2_id: 'B',
        item2_quantity: '3',
      }),
    ).toEqual({
      orderId: '42',
      customerId: 'C1',
      items: [
        { sku: 'A', quantity: 1 },
        { sku: 'B', quantity: 3 },
      ],
    });
  });
});

describe('the request log', () => {
  it('never shows an access_token given in the URL', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = Fastify({ loggerInstance: pino({ serializers: requestLogSerializers }, stream) });
    app.get('/api/v1/connector/orders', async () => 'ok');
    await app.inject({
      method: 'GET',
      url: '/api/v1/connector/orders?orderid=1&access_token=tsr_SECRET123&x=1',
    });
    await app.close();
    const log = lines.join('');
    expect(log).toContain('access_token=[REDACTED]');
    expect(log).not.toContain('tsr_SECRET123');
    expect(redactUrl('/x?token=abc&access_token=def#f')).toBe(
      '/x?token=[REDACTED]&access_token=[REDACTED]#f',
    );
  });
});
