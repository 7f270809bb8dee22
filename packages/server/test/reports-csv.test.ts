// CSV rendering (RFC 4180 with formula defusing) and the export row cap, which a CSV download announces in
// its headers when the list was longer than the cap.

import { fixedClock } from '@tessera/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../src/db/test-helper.js';
import { registerProblemHandlers } from '../src/http/problem.js';
import { type Principal, SCOPES } from '../src/modules/accounts/policy.js';
import { csvCell, csvLine, csvStream } from '../src/modules/reports/csv.js';
import { exportBatches, registerReportsRoutes } from '../src/modules/reports/routes.js';
import { createReportsService, type Listing } from '../src/modules/reports/service.js';
import { useTestApp } from '../src/testing/test-app.js';
import { licensingFixtures } from './reports-fixtures.js';

const listingOf = (rows: number[]): Listing<number> => ({
  page: async ({ after, limit }) => {
    const start = after === undefined ? 0 : Number(after) + 1;
    const items = rows.slice(start, start + limit);
    const last = start + items.length - 1;
    return {
      items,
      nextCursor:
        start + limit < rows.length
          ? Buffer.from(JSON.stringify({ k: String(last) })).toString('base64url')
          : null,
    };
  },
  countUpTo: async (max) => Math.min(rows.length, max),
});

const collect = async <T>(batches: AsyncIterable<T[]>): Promise<T[]> => {
  const all: T[] = [];
  for await (const batch of batches) all.push(...batch);
  return all;
};

describe('CSV cells and lines', () => {
  it('writes plain text and numbers as they are and leaves null empty', () => {
    expect(csvLine(['a', 7, null, undefined, true])).toBe('a,7,,,true\r\n');
  });

  it('quotes fields holding a comma, a quote, CR or LF, doubling quotes', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\rhere')).toBe('"cr\rhere"');
  });

  it('prefixes text starting with = + - @ tab or CR with an apostrophe, but not numbers', () => {
    for (const formula of ['=1+1', '+1', '-2+3', '@SUM(A1)', '\tx']) {
      expect(csvCell(formula)).toBe(`'${formula}`);
    }
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('\rcmd')).toBe(`"'\rcmd"`);
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell('a=b')).toBe('a=b');
  });

  it('streams the header then every batch', async () => {
    const stream = csvStream(
      [{ header: 'n', value: (n: number) => n }],
      exportBatches(listingOf([1, 2, 3]), 10),
    );
    let text = '';
    for await (const chunk of stream) text += String(chunk);
    expect(text).toBe('n\r\n1\r\n2\r\n3\r\n');
  });
});

describe('export batches', () => {
  it('reads a listing to its end across pages', async () => {
    const rows = Array.from({ length: 2500 }, (_, i) => i);
    expect(await collect(exportBatches(listingOf(rows), 100_000))).toEqual(rows);
  });

  it('stops at the row limit', async () => {
    const rows = Array.from({ length: 2500 }, (_, i) => i);
    expect(await collect(exportBatches(listingOf(rows), 1200))).toEqual(rows.slice(0, 1200));
    expect(await collect(exportBatches(listingOf(rows), 2500))).toHaveLength(2500);
  });
});

describeEachDatabase('report export cap', (ctx) => {
  const t = useTestApp(ctx);
  const f = licensingFixtures(ctx, t);
  let app: FastifyInstance;
  const clock = fixedClock('2026-03-01T09:00:00.000Z');

  beforeAll(async () => {
    const principal: Principal = {
      user: { id: t.isvAdmin.user.id, email: t.isvAdmin.user.email, name: 'ISV admin' },
      via: 'token',
      scopes: SCOPES,
      memberships: [
        { groupId: t.root.id, groupPath: t.root.path, groupName: 'root', role: 'admin', isRoot: true },
      ],
    };
    app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    registerProblemHandlers(app);
    app.decorateRequest('principal', undefined);
    app.addHook('onRequest', async (request) => {
      request.principal = principal;
    });
    registerReportsRoutes(app, {
      db: ctx.database.db,
      clock,
      reports: createReportsService({ clock }),
      exportRowLimit: 3,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('exports at most the cap and says it cut the list off; a list within the cap is not marked', async () => {
    const group = await t.aGroup();
    const product = await f.aProduct();
    const ticket = await f.aTicket(group);
    const container = await f.aContainer({ group });
    for (let i = 0; i < 4; i++) await f.aLicense({ ticket, product, state: 'confirmed', container });
    const full = await app.inject({ url: `/reports/ticket-licenses?ticket=${ticket.code}&format=csv` });
    expect(full.headers['tessera-export-truncated']).toBe('true');
    expect(full.headers['tessera-export-row-limit']).toBe('3');
    expect(full.body.trimEnd().split('\r\n')).toHaveLength(1 + 3);

    const small = await f.aTicket(group);
    for (let i = 0; i < 3; i++) await f.aLicense({ ticket: small, product });
    const within = await app.inject({ url: `/reports/ticket-licenses?ticket=${small.code}&format=csv` });
    expect(within.headers['tessera-export-truncated']).toBe('false');
    expect(within.body.trimEnd().split('\r\n')).toHaveLength(1 + 3);
  });
});
