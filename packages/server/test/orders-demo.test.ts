// Demo data of the catalog and orders: a first start with TESSERA_DEMO on gets firm code 6000010 with its key,
// three products and one order of the demo customer with two tickets — made through the real services.

import { randomBytes } from 'node:crypto';
import { fixedClock } from '@tessera/core';
import { expect, it } from 'vitest';
import { bootstrap } from '../src/bootstrap/bootstrap.js';
import { DEMO_CUSTOMER_EXTERNAL_ID } from '../src/bootstrap/demo.js';
import { describeEachDatabase } from '../src/db/test-helper.js';
import { systemRandom } from '../src/modules/accounts/secrets.js';
import { createAuditLog } from '../src/modules/audit/service.js';
import { createFirmKeyring } from '../src/modules/catalog/keyring.js';
import { parseTicketCode } from '../src/modules/orders/ticket-code.js';

describeEachDatabase('demo data: catalog and orders', (ctx) => {
  it('creates the demo firm code, three products and an order with two tickets for the demo customer', async () => {
    const clock = fixedClock('2026-03-01T09:00:00.000Z');
    const masterKeys = { current: new Uint8Array(randomBytes(32)), previous: [] };
    const result = await bootstrap(ctx.database.db, {
      config: {
        admin: { email: 'demo.admin@tessera.test', password: 'a long enough password' },
        bootstrapToken: null,
        demo: true,
        vendorName: 'Demo Vendor',
      },
      clock,
      random: systemRandom,
      audit: createAuditLog(clock),
      masterKeys,
    });
    if (!result.created || !result.demo) throw new Error('expected a first start with demo data');
    const demo = result.demo;
    expect(demo.firmCode).toBe(6_000_010);
    expect(demo.products).toEqual(['TES-PRO-1Y', 'TES-PRO-PERP', 'TES-PAYG']);
    expect(demo.tickets).toHaveLength(2);
    for (const code of demo.tickets) expect(() => parseTicketCode(code)).not.toThrow();

    const db = ctx.database.db;
    const { key } = await createFirmKeyring(masterKeys).signingKey(db, 6_000_010);
    expect(key.publicKey).toHaveLength(43);
    const payg = await db
      .selectFrom('products')
      .selectAll()
      .where('sku', '=', 'TES-PAYG')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(payg.default_options)).toMatchObject({ unitCounter: 1000 });
    expect(JSON.parse(payg.order_options)).toEqual(['unitCounter']);
    const oneYear = await db
      .selectFrom('products')
      .selectAll()
      .where('sku', '=', 'TES-PRO-1Y')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(oneYear.default_options)).toMatchObject({ featureMap: 15, expirationDays: 365 });
    expect(JSON.parse(oneYear.container_types)).toEqual(['machine', 'portable']);

    const customer = await db
      .selectFrom('groups')
      .select(['id'])
      .where('external_id', '=', DEMO_CUSTOMER_EXTERNAL_ID)
      .executeTakeFirstOrThrow();
    const tickets = await db.selectFrom('tickets').select(['code', 'group_id']).execute();
    expect(tickets.map((t) => t.group_id)).toEqual([customer.id, customer.id]);
    expect(tickets.map((t) => t.code).sort()).toEqual(demo.tickets.map((c) => parseTicketCode(c)).sort());
    const created = await db
      .selectFrom('audit_events')
      .select('subject_id')
      .where('action', '=', 'license.created')
      .execute();
    const licenses = await db.selectFrom('licenses').select('id').execute();
    expect(created.map((e) => e.subject_id).sort()).toEqual(licenses.map((l) => l.id).sort());
  });
});
