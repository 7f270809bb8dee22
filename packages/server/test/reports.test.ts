// Reports over HTTP on both databases: what each report lists and in which order, JSON pages and CSV
// exports, validation that names the parameter, and who may read what (admins only, scoped to the groups
// they manage; objects outside them answer 404 as if they did not exist).

import { describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../src/db/test-helper.js';
import { SYSTEM_ACTOR } from '../src/modules/audit/service.js';
import { type Actor, anonymous, useTestApp } from '../src/testing/test-app.js';
import { daysFrom, grouped, licensingFixtures } from './reports-fixtures.js';

type Row = Record<string, unknown>;

const parseCsv = (text: string): string[][] => {
  // Enough of RFC 4180 for these assertions: quoted fields with doubled quotes, CRLF records.
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  return rows;
};

describeEachDatabase('reports', (ctx) => {
  const t = useTestApp(ctx);
  const f = licensingFixtures(ctx, t);

  const get = (actor: Actor, url: string) => t.call(actor, 'GET', url);
  const items = async (actor: Actor, url: string): Promise<Row[]> => {
    const res = await get(actor, url);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items;
  };
  /** Follows nextCursor to the end with the given page size. */
  const walk = async (actor: Actor, url: string, limit: number): Promise<Row[]> => {
    const all: Row[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(actor, `${url}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json();
      expect(page.items.length).toBeLessThanOrEqual(limit);
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  };

  /** A customer world with one product, a ticket with three licenses in two containers. */
  const aLicensedWorld = async () => {
    const world = await f.aWorld();
    const product = await f.aProduct({ name: 'Designer Pro', productCode: 1001 });
    const ticket = await f.aTicket(world.customer);
    const workstation = await f.aContainer({ group: world.customer, lastContactAt: daysFrom(t, -1) });
    const laptop = await f.aContainer({ group: world.department, type: 'portable' });
    const first = await f.aLicense({
      ticket,
      product,
      state: 'confirmed',
      container: workstation,
      expiresAt: daysFrom(t, 10),
      activatedAt: daysFrom(t, -5),
    });
    const second = await f.aLicense({
      ticket,
      product,
      state: 'collected',
      container: workstation,
      generation: 2,
      expiresAt: daysFrom(t, 1),
    });
    const third = await f.aLicense({ ticket, product, state: 'confirmed', container: laptop });
    return { ...world, product, ticket, workstation, laptop, first, second, third };
  };

  describe('GET /api/v1/reports/container-licenses', () => {
    it('lists the licenses in a container with ticket, product, generation, state and expiry', async () => {
      const w = await aLicensedWorld();
      const rows = await items(
        t.isvAdmin,
        `/api/v1/reports/container-licenses?serial=${w.workstation.serial}`,
      );
      expect(rows).toEqual(
        [w.first, w.second]
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((license) =>
            expect.objectContaining({
              licenseId: license.id,
              ticket: grouped(w.ticket.code),
              sku: w.product.sku,
              productName: 'Designer Pro',
              productCode: 1001,
              firmCode: w.product.firmCode,
              containerSerial: w.workstation.serial,
              groupId: w.customer.id,
            }),
          ),
      );
      const first = rows.find((row) => row.licenseId === w.first.id);
      expect(first).toMatchObject({
        generation: 1,
        state: 'confirmed',
        activatedAt: daysFrom(t, -5),
        expiresAt: daysFrom(t, 10),
      });
      expect(rows.find((row) => row.licenseId === w.second.id)).toMatchObject({
        generation: 2,
        state: 'collected',
      });
    });

    it('pages with a cursor', async () => {
      const w = await aLicensedWorld();
      const rows = await walk(
        t.isvAdmin,
        `/api/v1/reports/container-licenses?serial=${w.workstation.serial}`,
        1,
      );
      expect(rows.map((row) => row.licenseId)).toEqual([w.first.id, w.second.id].sort());
    });

    it('exports CSV with a header row, CRLF records and an attachment file name', async () => {
      const w = await aLicensedWorld();
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/v1/reports/container-licenses?serial=${w.workstation.serial}`,
        headers: { ...t.isvAdmin.headers, accept: 'text/csv' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe(
        'attachment; filename="container-licenses-2026-03-01.csv"',
      );
      expect(res.headers['tessera-export-truncated']).toBe('false');
      expect(res.headers['tessera-export-row-limit']).toBe('100000');
      expect(res.body.endsWith('\r\n')).toBe(true);
      const [header, ...records] = parseCsv(res.body);
      expect(header).toEqual([
        'license_id',
        'ticket',
        'sku',
        'product',
        'product_code',
        'generation',
        'state',
        'activated_at',
        'expires_at',
      ]);
      expect(records).toHaveLength(2);
      expect(records.find((r) => r[0] === w.first.id)).toEqual([
        w.first.id,
        grouped(w.ticket.code),
        w.product.sku,
        'Designer Pro',
        '1001',
        '1',
        'confirmed',
        daysFrom(t, -5),
        daysFrom(t, 10),
      ]);
    });

    it('answers an unknown serial, and a container outside the caller’s groups, with 404', async () => {
      const w = await aLicensedWorld();
      const unknown = await get(t.isvAdmin, '/api/v1/reports/container-licenses?serial=130-nowhere');
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().code).toBe('container_not_found');
      const foreign = await get(
        w.otherAdmin,
        `/api/v1/reports/container-licenses?serial=${w.workstation.serial}`,
      );
      expect(foreign.statusCode).toBe(404);
      expect(foreign.json().detail).toBe(unknown.json().detail.replace('130-nowhere', w.workstation.serial));
      // The department's admin manages the laptop's group but not the workstation's.
      expect(
        (await get(w.departmentAdmin, `/api/v1/reports/container-licenses?serial=${w.workstation.serial}`))
          .statusCode,
      ).toBe(404);
      // It sees the laptop, but not the license in it: a license belongs to its ticket's group (the customer).
      expect(
        await items(w.departmentAdmin, `/api/v1/reports/container-licenses?serial=${w.laptop.serial}`),
      ).toEqual([]);
      expect(
        await items(w.customerAdmin, `/api/v1/reports/container-licenses?serial=${w.laptop.serial}`),
      ).toHaveLength(1);
    });

    it('refuses a missing serial with a 400 naming it', async () => {
      const res = await get(t.isvAdmin, '/api/v1/reports/container-licenses');
      expect(res.statusCode).toBe(400);
      expect(res.json().field).toBe('serial');
    });
  });

  describe('GET /api/v1/reports/expiring-licenses', () => {
    it('lists licenses in containers expiring within N days, soonest first, with customer and container', async () => {
      const w = await aLicensedWorld();
      const later = await f.aLicense({
        ticket: w.ticket,
        product: w.product,
        state: 'confirmed',
        container: w.laptop,
        expiresAt: daysFrom(t, 40),
      });
      // Neither of these counts: one is not in a container any more, the other has expired already.
      await f.aLicense({
        ticket: w.ticket,
        product: w.product,
        state: 'returned',
        expiresAt: daysFrom(t, 2),
      });
      await f.aLicense({
        ticket: w.ticket,
        product: w.product,
        state: 'confirmed',
        container: w.laptop,
        expiresAt: daysFrom(t, -1),
      });
      const url = '/api/v1/reports/expiring-licenses';
      const month = await items(w.resellerAdmin, url);
      expect(month.map((row) => row.licenseId)).toEqual([w.second.id, w.first.id]);
      expect(month[0]).toMatchObject({
        expiresAt: daysFrom(t, 1),
        groupId: w.customer.id,
        groupName: w.customer.name,
        containerSerial: w.workstation.serial,
      });
      const twoMonths = await walk(w.resellerAdmin, `${url}?days=60`, 1);
      expect(twoMonths.map((row) => row.licenseId)).toEqual([w.second.id, w.first.id, later.id]);
      // ISV admins see them too, in the same order among everything else.
      const all = await walk(t.isvAdmin, `${url}?days=60`, 100);
      const mine = all.filter((row) => [w.first.id, w.second.id, later.id].includes(String(row.licenseId)));
      expect(mine.map((row) => row.licenseId)).toEqual([w.second.id, w.first.id, later.id]);
      const expiries = all.map((row) => String(row.expiresAt));
      expect(expiries).toEqual([...expiries].sort());
    });

    it('refuses days outside 1..3650 with a 400 naming days', async () => {
      for (const days of ['0', '3651', 'soon', '1.5']) {
        const res = await get(t.isvAdmin, `/api/v1/reports/expiring-licenses?days=${days}`);
        expect(res.statusCode, days).toBe(400);
        expect(res.json().field).toBe('days');
      }
    });

    it('refuses a cursor it did not issue with a 400 naming cursor', async () => {
      const res = await get(t.isvAdmin, '/api/v1/reports/expiring-licenses?cursor=bm9wZQ');
      expect(res.statusCode).toBe(400);
      expect(res.json().field).toBe('cursor');
    });
  });

  describe('GET /api/v1/reports/customer-containers', () => {
    it('lists the containers of a group and its subgroups with status, last contact and license count', async () => {
      const w = await aLicensedWorld();
      await f.aContainer({ group: w.other });
      const rows = await items(
        w.resellerAdmin,
        `/api/v1/reports/customer-containers?groupId=${w.customer.id}`,
      );
      expect(rows).toEqual(
        [
          {
            serial: w.workstation.serial,
            type: 'machine',
            status: 'ok',
            statusReason: null,
            statusSince: null,
            groupId: w.customer.id,
            groupName: w.customer.name,
            lastContactAt: daysFrom(t, -1),
            licenseCount: 2,
          },
          {
            serial: w.laptop.serial,
            type: 'portable',
            status: 'ok',
            statusReason: null,
            statusSince: null,
            groupId: w.department.id,
            groupName: w.department.name,
            lastContactAt: null,
            licenseCount: 1,
          },
        ].sort((a, b) => a.serial.localeCompare(b.serial)),
      );
      const department = await items(
        w.departmentAdmin,
        `/api/v1/reports/customer-containers?groupId=${w.department.id}`,
      );
      expect(department.map((row) => row.serial)).toEqual([w.laptop.serial]);
    });

    it('answers a group the caller does not manage with 404 and a malformed id with 400', async () => {
      const w = await f.aWorld();
      const foreign = await get(w.otherAdmin, `/api/v1/reports/customer-containers?groupId=${w.customer.id}`);
      expect(foreign.statusCode).toBe(404);
      expect(foreign.json().code).toBe('group_not_found');
      const upward = await get(
        w.departmentAdmin,
        `/api/v1/reports/customer-containers?groupId=${w.customer.id}`,
      );
      expect(upward.statusCode).toBe(404);
      const bad = await get(t.isvAdmin, '/api/v1/reports/customer-containers?groupId=42');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().field).toBe('groupId');
    });
  });

  describe('GET /api/v1/reports/ticket-licenses', () => {
    it('finds a ticket by its code with or without dashes, in any case', async () => {
      const w = await aLicensedWorld();
      const expected = [w.first.id, w.second.id, w.third.id].sort();
      for (const code of [
        w.ticket.code,
        grouped(w.ticket.code).toLowerCase(),
        ` ${grouped(w.ticket.code)} `,
      ]) {
        const rows = await items(
          w.customerAdmin,
          `/api/v1/reports/ticket-licenses?ticket=${encodeURIComponent(code)}`,
        );
        expect(rows.map((row) => row.licenseId)).toEqual(expected);
      }
      const rows = await items(t.isvAdmin, `/api/v1/reports/ticket-licenses?ticket=${w.ticket.code}`);
      expect(rows.find((row) => row.licenseId === w.third.id)).toMatchObject({
        ticket: grouped(w.ticket.code),
        state: 'confirmed',
        containerSerial: w.laptop.serial,
        expiresAt: null,
      });
    });

    it('answers a ticket of another group with 404 and a malformed code with 400 naming ticket', async () => {
      const w = await aLicensedWorld();
      const foreign = await get(w.otherAdmin, `/api/v1/reports/ticket-licenses?ticket=${w.ticket.code}`);
      expect(foreign.statusCode).toBe(404);
      expect(foreign.json().code).toBe('ticket_not_found');
      const unknown = await get(t.isvAdmin, `/api/v1/reports/ticket-licenses?ticket=${'Z'.repeat(25)}`);
      expect(unknown.statusCode).toBe(404);
      for (const code of ['ABCDE-FGHIJ', `${w.ticket.code}X`, 'ABCDE-FGHIJ-KLMNO-PQRST-UVWX!']) {
        const bad = await get(
          t.isvAdmin,
          `/api/v1/reports/ticket-licenses?ticket=${encodeURIComponent(code)}`,
        );
        expect(bad.statusCode, code).toBe(400);
        expect(bad.json().field).toBe('ticket');
      }
    });
  });

  describe('GET /api/v1/reports/license-history', () => {
    it('lists every state change oldest first with actor, channel and time', async () => {
      const w = await aLicensedWorld();
      const operator = await t.aUser({ group: w.customer, role: 'admin' });
      const token = await t.tokenFor(operator.user, ['write']);
      const base = { serial: w.workstation.serial, ticket: w.ticket.code };
      // Written out of order on purpose: the report orders by the recorded instant.
      const start = t.clock.now().getTime();
      t.clock.set(start + 2000);
      await f.recordLicenseEvent(w.first, 'license.confirmed', {
        ...base,
        generation: 1,
        channel: 'online',
        fromState: 'collected',
        toState: 'confirmed',
      });
      t.clock.set(start + 1000);
      await f.recordLicenseEvent(
        w.first,
        'license.activated',
        { ...base, generation: 1, channel: 'portal', fromState: 'available', toState: 'collected' },
        { userId: operator.user.id, tokenId: null, requestId: 'r1' },
      );
      t.clock.set(start + 3000);
      await f.recordLicenseEvent(
        w.first,
        'license.deactivated',
        { ...base, generation: 1, channel: 'online', fromState: 'confirmed', toState: 'returning' },
        { userId: operator.user.id, tokenId: token.tokenId, requestId: 'r2' },
      );
      await f.recordLicenseEvent(w.second, 'license.activated', { ...base, generation: 2 }, SYSTEM_ACTOR);
      t.clock.set(start);

      const rows = await walk(w.customerAdmin, `/api/v1/reports/license-history?licenseId=${w.first.id}`, 2);
      expect(rows).toEqual([
        {
          eventId: expect.any(String),
          at: new Date(start + 1000).toISOString(),
          action: 'license.activated',
          fromState: 'available',
          toState: 'collected',
          channel: 'portal',
          generation: 1,
          serial: w.workstation.serial,
          actor: operator.email,
          actorType: 'user',
        },
        expect.objectContaining({
          action: 'license.confirmed',
          channel: 'online',
          actor: 'system',
          actorType: 'system',
        }),
        expect.objectContaining({
          action: 'license.deactivated',
          toState: 'returning',
          actor: 'test token',
          actorType: 'token',
        }),
      ]);
      const csv = await get(t.isvAdmin, `/api/v1/reports/license-history?licenseId=${w.first.id}&format=csv`);
      expect(parseCsv(csv.body)).toEqual([
        ['at', 'action', 'from_state', 'to_state', 'channel', 'generation', 'container', 'actor'],
        [
          new Date(start + 1000).toISOString(),
          'license.activated',
          'available',
          'collected',
          'portal',
          '1',
          w.workstation.serial,
          operator.email,
        ],
        [
          new Date(start + 2000).toISOString(),
          'license.confirmed',
          'collected',
          'confirmed',
          'online',
          '1',
          w.workstation.serial,
          'system',
        ],
        [
          new Date(start + 3000).toISOString(),
          'license.deactivated',
          'confirmed',
          'returning',
          'online',
          '1',
          w.workstation.serial,
          'test token',
        ],
      ]);
    });

    it('answers a license outside the caller’s groups with 404 and a malformed id with 400', async () => {
      const w = await aLicensedWorld();
      const foreign = await get(w.otherAdmin, `/api/v1/reports/license-history?licenseId=${w.first.id}`);
      expect(foreign.statusCode).toBe(404);
      expect(foreign.json().code).toBe('license_not_found');
      const bad = await get(t.isvAdmin, '/api/v1/reports/license-history?licenseId=L-1');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().field).toBe('licenseId');
    });
  });

  describe('GET /api/v1/reports/blacklist-locks', () => {
    it('lists lock steps issued in the range with executed time or pending', async () => {
      const w = await aLicensedWorld();
      const lock = [{ op: 'lock_firm_item', reason: 'blacklisted' }, { op: 'write_honeypot' }];
      const executed = await f.aStep({
        container: w.workstation,
        operations: lock,
        issuedAt: daysFrom(t, -3),
        confirmedAt: daysFrom(t, -2),
      });
      const pending = await f.aStep({
        container: w.laptop,
        operations: [{ op: 'lock_firm_item', reason: 'blacklisted' }],
        issuedAt: daysFrom(t, -1),
        channel: 'online',
      });
      await f.aStep({
        container: w.workstation,
        operations: [{ op: 'remove_license' }],
        issuedAt: daysFrom(t, -1),
      });
      await f.aStep({ container: w.workstation, operations: lock, issuedAt: daysFrom(t, -40) });

      const url = `/api/v1/reports/blacklist-locks?from=${daysFrom(t, -7)}&to=${daysFrom(t, 0)}`;
      const rows = await items(w.resellerAdmin, url);
      expect(rows).toEqual([
        {
          stepId: executed.id,
          serial: w.workstation.serial,
          containerStatus: 'ok',
          groupId: w.customer.id,
          groupName: w.customer.name,
          firmCode: 6_000_010,
          channel: 'auto',
          honeypot: true,
          issuedAt: daysFrom(t, -3),
          status: 'executed',
          executedAt: daysFrom(t, -2),
        },
        expect.objectContaining({ stepId: pending.id, status: 'pending', executedAt: null, honeypot: false }),
      ]);
      expect((await items(w.resellerAdmin, `${url}&status=pending`)).map((row) => row.stepId)).toEqual([
        pending.id,
      ]);
      // The default range is the last 30 days.
      expect(await items(w.resellerAdmin, '/api/v1/reports/blacklist-locks')).toHaveLength(2);
      expect(await items(w.otherAdmin, url)).toEqual([]);

      const csv = parseCsv((await get(w.resellerAdmin, `${url}&format=csv`)).body);
      expect(csv[0]).toEqual([
        'serial',
        'customer',
        'firm_code',
        'issued_at',
        'executed_at',
        'channel',
        'honeypot',
      ]);
      expect(csv[2]).toEqual([
        w.laptop.serial,
        w.department.name,
        '6000010',
        daysFrom(t, -1),
        'pending',
        'online',
        'no',
      ]);
    });

    it('refuses a malformed instant, and an empty range, with a 400 naming the parameter', async () => {
      const bad = await get(t.isvAdmin, '/api/v1/reports/blacklist-locks?from=last-week');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().field).toBe('from');
      const backwards = await get(
        t.isvAdmin,
        `/api/v1/reports/blacklist-locks?from=${daysFrom(t, -1)}&to=${daysFrom(t, -2)}`,
      );
      expect(backwards.statusCode).toBe(400);
      expect(backwards.json().field).toBe('to');
      const status = await get(t.isvAdmin, '/api/v1/reports/blacklist-locks?status=done');
      expect(status.json().field).toBe('status');
    });
  });

  describe('GET /api/v1/reports/manipulated-containers', () => {
    it('lists containers flagged manipulation detected with reason and since when', async () => {
      const w = await f.aWorld();
      const flagged = await f.aContainer({
        group: w.customer,
        status: 'manipulation_detected',
        statusReason: 'context reports FUC 9, Central issued up to 4',
        statusChangedAt: daysFrom(t, -2),
      });
      await f.aContainer({ group: w.customer });
      await f.aContainer({ group: w.customer, status: 'blacklisted' });
      const elsewhere = await f.aContainer({ group: w.other, status: 'manipulation_detected' });
      const rows = await items(w.resellerAdmin, '/api/v1/reports/manipulated-containers');
      expect(rows).toEqual([
        {
          serial: flagged.serial,
          type: 'machine',
          status: 'manipulation_detected',
          statusReason: 'context reports FUC 9, Central issued up to 4',
          statusSince: daysFrom(t, -2),
          groupId: w.customer.id,
          groupName: w.customer.name,
          lastContactAt: null,
          licenseCount: 0,
        },
      ]);
      const all = await walk(t.isvAdmin, '/api/v1/reports/manipulated-containers?format=json', 100);
      expect(all.map((row) => row.serial)).toEqual(
        expect.arrayContaining([flagged.serial, elsewhere.serial]),
      );
      expect(all.every((row) => row.status === 'manipulation_detected')).toBe(true);
    });

    it('refuses a page size over 100 with a 400 naming limit', async () => {
      const res = await get(t.isvAdmin, '/api/v1/reports/manipulated-containers?limit=101');
      expect(res.statusCode).toBe(400);
      expect(res.json().field).toBe('limit');
    });
  });

  describe('chart series', () => {
    it('counts license.activated per UTC day, with every day of the range present', async () => {
      const w = await aLicensedWorld();
      const at = (iso: string) => t.clock.set(iso);
      at('2026-02-26T23:59:59.999Z');
      await f.recordLicenseEvent(w.first, 'license.activated', {});
      at('2026-02-27T00:00:00.000Z');
      await f.recordLicenseEvent(w.second, 'license.activated', {});
      at('2026-02-27T18:00:00.000Z');
      await f.recordLicenseEvent(w.third, 'license.activated', {});
      await f.recordLicenseEvent(w.third, 'license.confirmed', {});
      at('2026-03-01T09:00:00.000Z');

      const url = '/api/v1/reports/activations-per-day?from=2026-02-25&to=2026-02-28';
      const series = (await get(w.resellerAdmin, url)).json();
      expect(series).toEqual({
        from: '2026-02-25',
        to: '2026-02-28',
        total: 3,
        days: [
          { date: '2026-02-25', count: 0 },
          { date: '2026-02-26', count: 1 },
          { date: '2026-02-27', count: 2 },
          { date: '2026-02-28', count: 0 },
        ],
      });
      expect((await get(w.otherAdmin, url)).json().total).toBe(0);
      const defaults = (await get(w.resellerAdmin, '/api/v1/reports/activations-per-day')).json();
      expect(defaults.days).toHaveLength(30);
      expect(defaults.to).toBe('2026-03-01');
      expect(defaults.total).toBe(3);
      const csv = (await get(w.resellerAdmin, `${url}&format=csv`)).body;
      expect(csv).toBe(
        'date,activations\r\n2026-02-25,0\r\n2026-02-26,1\r\n2026-02-27,2\r\n2026-02-28,0\r\n',
      );
    });

    it('refuses a malformed day, a backwards range and a range over 366 days', async () => {
      const cases: [string, string][] = [
        ['from=2026-13-01', 'from'],
        ['from=2026-03-02&to=2026-03-01', 'to'],
        ['from=2024-01-01&to=2026-01-01', 'to'],
      ];
      for (const [query, field] of cases) {
        const res = await get(t.isvAdmin, `/api/v1/reports/activations-per-day?${query}`);
        expect(res.statusCode, query).toBe(400);
        expect(res.json().field).toBe(field);
      }
    });

    it('counts licenses expiring per ISO week from the current week on', async () => {
      const w = await aLicensedWorld();
      // Now is Sunday 2026-03-01 09:00, the last day of ISO week 2026-W09.
      await f.aLicense({
        ticket: w.ticket,
        product: w.product,
        state: 'confirmed',
        container: w.laptop,
        expiresAt: '2026-03-01T20:00:00.000Z',
      });
      await f.aLicense({
        ticket: w.ticket,
        product: w.product,
        state: 'confirmed',
        container: w.laptop,
        expiresAt: '2026-03-15T23:59:59.000Z',
      });
      // w.second expires 2026-03-02 09:00 (W10), w.first on 2026-03-11 (W11).
      const series = (await get(w.resellerAdmin, '/api/v1/reports/expiring-per-week?weeks=4')).json();
      expect(series).toEqual({
        from: '2026-03-01T09:00:00.000Z',
        to: '2026-03-23T00:00:00.000Z',
        total: 4,
        weeks: [
          { week: '2026-W09', start: '2026-02-23', count: 1 },
          { week: '2026-W10', start: '2026-03-02', count: 1 },
          { week: '2026-W11', start: '2026-03-09', count: 2 },
          { week: '2026-W12', start: '2026-03-16', count: 0 },
        ],
      });
      const csv = parseCsv(
        (await get(w.resellerAdmin, '/api/v1/reports/expiring-per-week?weeks=2&format=csv')).body,
      );
      expect(csv).toEqual([
        ['week', 'start', 'expiring'],
        ['2026-W09', '2026-02-23', '1'],
        ['2026-W10', '2026-03-02', '1'],
      ]);
      const bad = await get(t.isvAdmin, '/api/v1/reports/expiring-per-week?weeks=0');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().field).toBe('weeks');
    });
  });

  describe('CSV', () => {
    it('quotes commas, quotes and line breaks, and defuses cells a spreadsheet would run as formulas', async () => {
      const reseller = await t.aGroup({ kind: 'reseller', name: '=HYPERLINK("http://evil.test","Click")' });
      const admin = await t.anAdminOf(reseller);
      const customer = await t.aGroup({ parent: reseller, name: '@SUM(1+1)' });
      const product = await f.aProduct({ name: 'Designer, "Pro"\nEdition' });
      const ticket = await f.aTicket(customer);
      const container = await f.aContainer({ group: customer, serial: '-130-000777' });
      await f.aLicense({ ticket, product, state: 'confirmed', container, expiresAt: daysFrom(t, 3) });
      const res = await get(admin, '/api/v1/reports/expiring-licenses?format=csv');
      expect(res.body).toContain(`"Designer, ""Pro""\nEdition"`);
      expect(res.body).toContain(`,'@SUM(1+1),'-130-000777\r\n`);
      const records = parseCsv(res.body);
      expect(records[1]?.slice(-2)).toEqual(["'@SUM(1+1)", "'-130-000777"]);
      const containers = await get(admin, `/api/v1/reports/customer-containers?groupId=${customer.id}`);
      expect(containers.json().items[0].groupName).toBe('@SUM(1+1)');
    });

    it('prefers ?format over the Accept header', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/reports/manipulated-containers?format=json',
        headers: { ...t.isvAdmin.headers, accept: 'text/csv' },
      });
      expect(res.headers['content-type']).toContain('application/json');
      const csv = await t.app.inject({
        method: 'GET',
        url: '/api/v1/reports/manipulated-containers',
        headers: { ...t.isvAdmin.headers, accept: 'text/csv;q=0.9, application/json;q=0.1' },
      });
      expect(csv.headers['content-type']).toContain('text/csv');
    });

    it('answers errors as problem+json even when CSV was asked for', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/reports/container-licenses?serial=none&format=csv',
        headers: t.isvAdmin.headers,
      });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
    });
  });

  describe('authorization', () => {
    const routes = (w: Awaited<ReturnType<typeof aLicensedWorld>>) => [
      `/api/v1/reports/container-licenses?serial=${w.workstation.serial}`,
      '/api/v1/reports/expiring-licenses',
      `/api/v1/reports/customer-containers?groupId=${w.customer.id}`,
      `/api/v1/reports/ticket-licenses?ticket=${w.ticket.code}`,
      `/api/v1/reports/license-history?licenseId=${w.first.id}`,
      '/api/v1/reports/blacklist-locks',
      '/api/v1/reports/manipulated-containers',
      '/api/v1/reports/activations-per-day',
      '/api/v1/reports/expiring-per-week',
    ];

    it('answers every report to an admin of the customer, in JSON and CSV, by session and by read token', async () => {
      const w = await aLicensedWorld();
      const token = await t.tokenFor(w.customerAdmin.user, ['read']);
      for (const url of routes(w)) {
        for (const actor of [w.customerAdmin, token]) {
          expect((await get(actor, url)).statusCode, url).toBe(200);
        }
        const csv = await get(token, `${url}${url.includes('?') ? '&' : '?'}format=csv`);
        expect(csv.statusCode, url).toBe(200);
        expect(csv.headers['content-type'], url).toBe('text/csv; charset=utf-8');
      }
    });

    it('refuses anonymous callers (401) and members and their tokens (403) on every report', async () => {
      const w = await aLicensedWorld();
      const memberToken = await t.tokenFor(w.customerMember.user, ['read']);
      for (const url of routes(w)) {
        const anon = await get(anonymous, url);
        expect(anon.statusCode, url).toBe(401);
        expect(anon.headers['content-type']).toContain('application/problem+json');
        for (const actor of [w.customerMember, memberToken]) {
          const res = await get(actor, url);
          expect(res.statusCode, url).toBe(403);
          expect(res.json().code).toBe('forbidden');
        }
      }
    });

    it('hides objects of other groups (404) and shows lists of other groups empty', async () => {
      const w = await aLicensedWorld();
      const [container, , group, ticket, license, ...lists] = routes(w);
      for (const url of [container, group, ticket, license]) {
        expect((await get(w.otherAdmin, url ?? '')).statusCode, url).toBe(404);
      }
      await f.aContainer({ group: w.customer, status: 'manipulation_detected' });
      for (const url of lists.slice(0, 2)) {
        const res = (await get(w.otherAdmin, url ?? '')).json();
        expect(
          res.items.filter((row: Row) => row.groupId === w.customer.id),
          url,
        ).toEqual([]);
      }
      const expiring = (await get(w.otherAdmin, '/api/v1/reports/expiring-licenses')).json();
      expect(expiring.items).toEqual([]);
    });
  });
});
