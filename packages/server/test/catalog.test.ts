// The catalog over HTTP on both databases: firm codes and their keys (download, rotation), products with
// their license templates and policies, global settings — ISV admins only, every change audited.

import { randomBytes } from 'node:crypto';
import {
  extendTrust,
  keyIdOf,
  openLicense,
  parseFirmPublicKey,
  signLicense,
  trustedKeyResolver,
  trustedKeysOf,
} from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../src/db/test-helper.js';
import { createFirmKeyring } from '../src/modules/catalog/keyring.js';
import { effectivePolicies, loadProduct, loadSettings } from '../src/modules/catalog/service.js';
import { type Actor, anonymous, useTestApp } from '../src/testing/test-app.js';

let nextCode = 6_100_000 + (randomBytes(3).readUIntBE(0, 3) % 1_000_000) * 16;
const aFirmCodeNumber = () => nextCode++;
const aSku = (hint = 'SKU') => `${hint}-${randomBytes(5).toString('hex').toUpperCase()}`;

describeEachDatabase('catalog', (ctx) => {
  const t = useTestApp(ctx);

  const createFirmCode = async (firmCode = aFirmCodeNumber(), name = 'Firm') => {
    const res = await t.call(t.isvAdmin, 'POST', '/api/v1/firm-codes', { firmCode, name });
    expect(res.statusCode).toBe(201);
    return res.json();
  };

  const productBody = (firmCode: number, overrides: Record<string, unknown> = {}) => ({
    sku: aSku(),
    name: 'Tessera Pro',
    firmCode,
    productCode: 1001,
    containerTypes: ['machine', 'portable'],
    ...overrides,
  });

  const createProduct = async (firmCode: number, overrides: Record<string, unknown> = {}) => {
    const res = await t.call(t.isvAdmin, 'POST', '/api/v1/products', productBody(firmCode, overrides));
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };

  /** Actors who are not ISV admins: each must be refused everywhere in the catalog. */
  const outsiders = async () => {
    const reseller = await t.aGroup({ kind: 'reseller' });
    return {
      resellerAdmin: await t.anAdminOf(reseller),
      member: await t.aMemberOf(await t.aGroup({ parent: reseller })),
    };
  };

  const auditActions = async (subjectId: string) =>
    (
      await ctx.database.db
        .selectFrom('audit_events')
        .select('action')
        .where('subject_id', '=', subjectId)
        .orderBy('id')
        .execute()
    ).map((row) => row.action);

  const expectRefused = async (
    actors: Actor[],
    method: string,
    url: string,
    body?: unknown,
    statuses: number[] = [403],
  ) => {
    for (const actor of actors) {
      const res = await t.call(actor, method, url, body);
      expect(statuses, `${method} ${url}: ${res.body}`).toContain(res.statusCode);
    }
    const anon = await t.call(anonymous, method, url, body);
    expect(anon.statusCode).toBe(401);
  };

  it.each([
    ['GET', '/api/v1/firm-codes?limit=0', 'limit'],
    ['GET', '/api/v1/firm-codes/0', 'firmCode'],
    ['GET', '/api/v1/firm-codes/x/public-key', 'firmCode'],
    ['GET', '/api/v1/firm-codes/4294967296/public-key', 'firmCode'],
    ['POST', '/api/v1/firm-codes/-1/rotate-key', 'firmCode'],
    ['GET', '/api/v1/products?limit=1000', 'limit'],
    ['GET', '/api/v1/products?includeArchived=maybe', 'includeArchived'],
    ['GET', '/api/v1/products/123', 'id'],
    ['POST', '/api/v1/products/123/archive', 'id'],
    ['POST', '/api/v1/products/123/unarchive', 'id'],
  ])('refuses %s %s with 400 naming %s', async (method, url, field) => {
    const res = await t.call(t.isvAdmin, method, url);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().field).toBe(field);
  });

  describe('firm codes', () => {
    it('creates a firm code with an Ed25519 key whose private half is sealed, and audits it', async () => {
      const number = aFirmCodeNumber();
      const created = await createFirmCode(number, 'Contoso Software');
      expect(created).toMatchObject({ firmCode: number, name: 'Contoso Software' });
      expect(created.keys).toHaveLength(1);
      expect(created.keys[0]).toMatchObject({
        status: 'active',
        previousKeyId: null,
        keyId: created.activeKeyId,
      });
      expect(keyIdOf(created.keys[0].publicKey)).toBe(created.activeKeyId);
      const row = await ctx.database.db
        .selectFrom('firm_keys')
        .select(['private_key_sealed'])
        .where('key_id', '=', created.activeKeyId)
        .executeTakeFirstOrThrow();
      expect(row.private_key_sealed).toMatch(/^ms1\./);
      expect(await auditActions(created.id)).toEqual(['firm_code.created']);
      // The key the keyring opens signs licenses that verify with the published key.
      const { key } = await createFirmKeyring(t.masterKeys).signingKey(ctx.database.db, number);
      expect(key.publicKey).toBe(created.keys[0].publicKey);
    });

    it('refuses a duplicate firm code number with 409 naming the field', async () => {
      const number = aFirmCodeNumber();
      await createFirmCode(number);
      const res = await t.call(t.isvAdmin, 'POST', '/api/v1/firm-codes', { firmCode: number, name: 'Again' });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'firm_code_taken', field: 'firmCode' });
    });

    it.each([
      [{ firmCode: 0, name: 'x' }, 'firmCode'],
      [{ firmCode: 4_294_967_296, name: 'x' }, 'firmCode'],
      [{ firmCode: 1.5, name: 'x' }, 'firmCode'],
      [{ firmCode: 7, name: '' }, 'name'],
    ])('refuses an invalid firm code %j with 400 naming %s', async (body, field) => {
      const res = await t.call(t.isvAdmin, 'POST', '/api/v1/firm-codes', body);
      expect(res.statusCode).toBe(400);
      expect(res.json().field).toBe(field);
    });

    it('lists and shows firm codes to ISV admins only', async () => {
      const created = await createFirmCode();
      const list = await t.call(t.isvAdmin, 'GET', '/api/v1/firm-codes?limit=100');
      expect(list.statusCode).toBe(200);
      const one = await t.call(t.isvAdmin, 'GET', `/api/v1/firm-codes/${created.firmCode}`);
      expect(one.json()).toEqual(created);
      expect((await t.call(t.isvAdmin, 'GET', '/api/v1/firm-codes/4294967295')).json().code).toBe(
        'firm_code_not_found',
      );
      expect((await t.call(t.isvAdmin, 'GET', '/api/v1/firm-codes/abc')).json()).toMatchObject({
        code: 'validation_failed',
        field: 'firmCode',
      });
      const { resellerAdmin, member } = await outsiders();
      await expectRefused([resellerAdmin, member], 'GET', '/api/v1/firm-codes');
      await expectRefused([resellerAdmin, member], 'GET', `/api/v1/firm-codes/${created.firmCode}`);
      await expectRefused([resellerAdmin, member], 'POST', '/api/v1/firm-codes', {
        firmCode: aFirmCodeNumber(),
        name: 'Mine',
      });
    });

    it('pages firm codes with a cursor', async () => {
      for (let i = 0; i < 3; i++) await createFirmCode();
      const first = (await t.call(t.isvAdmin, 'GET', '/api/v1/firm-codes?limit=2')).json();
      expect(first.items).toHaveLength(2);
      const second = (
        await t.call(t.isvAdmin, 'GET', `/api/v1/firm-codes?limit=2&cursor=${first.nextCursor}`)
      ).json();
      expect(second.items[0].id > first.items[1].id).toBe(true);
    });

    it('downloads the public key file as an attachment that the runtime can read', async () => {
      const created = await createFirmCode();
      const res = await t.call(t.isvAdmin, 'GET', `/api/v1/firm-codes/${created.firmCode}/public-key`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['content-disposition']).toBe(`attachment; filename="firm-${created.firmCode}.pub"`);
      expect(parseFirmPublicKey(res.body)).toMatchObject({
        firmCode: created.firmCode,
        publicKey: created.keys[0].publicKey,
      });
      const unknownKey = await t.call(
        t.isvAdmin,
        'GET',
        `/api/v1/firm-codes/${created.firmCode}/public-key?keyId=AAAAAAAAAAAAAAAAAAAAAA`,
      );
      expect(unknownKey.json()).toMatchObject({ code: 'firm_key_not_found', field: 'keyId' });
      const { member } = await outsiders();
      await expectRefused([member], 'GET', `/api/v1/firm-codes/${created.firmCode}/public-key`);
    });

    it('rotates the key: the old key signs the new one and is retired, old licenses keep verifying', async () => {
      const created = await createFirmCode();
      const keyring = createFirmKeyring(t.masterKeys);
      const old = await keyring.signingKey(ctx.database.db, created.firmCode);
      const oldLicense = signLicense(
        {
          serial: '130-123456789',
          firmCode: created.firmCode,
          productCode: 1,
          ticketLicenseId: 'L1',
          generation: 1,
          issuedAt: '2026-03-01T09:00:00.000Z',
          options: {
            featureMap: 1,
            unitCounter: null,
            licenseQuantity: 1,
            activationTime: null,
            expirationTime: null,
            usagePeriodSeconds: null,
            maintenancePeriod: null,
            text: null,
            protectedData: null,
          },
          modules: [],
        },
        old.key,
      );

      const res = await t.call(t.isvAdmin, 'POST', `/api/v1/firm-codes/${created.firmCode}/rotate-key`);
      expect(res.statusCode).toBe(200);
      const rotated = res.json();
      expect(rotated.activeKeyId).not.toBe(created.activeKeyId);
      expect(rotated.keys.map((k: { status: string }) => k.status)).toEqual(['retired', 'active']);
      expect(rotated.keys[1].previousKeyId).toBe(created.activeKeyId);
      expect(await auditActions(created.id)).toEqual(['firm_code.created', 'firm_key.rotated']);

      const next = await keyring.signingKey(ctx.database.db, created.firmCode);
      expect(next.keyId).toBe(rotated.activeKeyId);
      const chain = await keyring.rotationChain(ctx.database.db, created.firmCode, created.activeKeyId);
      const trusted = extendTrust(created.firmCode, trustedKeysOf([created.keys[0].publicKey]), chain);
      expect(trusted.has(rotated.activeKeyId)).toBe(true);
      expect(
        openLicense(oldLicense.envelope, trustedKeyResolver(created.firmCode, trusted)).license
          .ticketLicenseId,
      ).toBe('L1');
      // The retired key stays downloadable by id.
      const pub = await t.call(
        t.isvAdmin,
        'GET',
        `/api/v1/firm-codes/${created.firmCode}/public-key?keyId=${created.activeKeyId}`,
      );
      expect(parseFirmPublicKey(pub.body).publicKey).toBe(created.keys[0].publicKey);
    });

    it('lets exactly one of two concurrent rotations win', async () => {
      const created = await createFirmCode();
      const results = await Promise.all(
        [1, 2].map(() => t.call(t.isvAdmin, 'POST', `/api/v1/firm-codes/${created.firmCode}/rotate-key`)),
      );
      const statuses = results.map((r) => r.statusCode).sort();
      // On SQLite the two run one after the other (both succeed, a chain of two); on PostgreSQL one may lose.
      expect([
        [200, 200],
        [200, 409],
      ]).toContainEqual(statuses);
      const keys = (await t.call(t.isvAdmin, 'GET', `/api/v1/firm-codes/${created.firmCode}`)).json().keys;
      expect(keys.filter((k: { status: string }) => k.status === 'active')).toHaveLength(1);
    });

    it('refuses rotation by non-ISV admins and for unknown firm codes', async () => {
      const created = await createFirmCode();
      const { resellerAdmin, member } = await outsiders();
      await expectRefused(
        [resellerAdmin, member],
        'POST',
        `/api/v1/firm-codes/${created.firmCode}/rotate-key`,
      );
      const res = await t.call(t.isvAdmin, 'POST', '/api/v1/firm-codes/4294967295/rotate-key');
      expect(res.statusCode).toBe(404);
    });
  });

  describe('products', () => {
    let firmCode: number;
    beforeAll(async () => {
      firmCode = (await createFirmCode()).firmCode;
    });

    it('creates a product with defaults filled in, and audits it', async () => {
      const product = await createProduct(firmCode, {
        description: 'One year',
        defaultOptions: { featureMap: 15, expirationDays: 365 },
        orderOptions: ['unitCounter', 'text'],
        modules: [{ productCode: 2001, featureMap: 1, text: 'Module A' }],
        policies: { reactivationsAllowed: 2, keepTicketComplete: true },
      });
      expect(product).toMatchObject({
        firmCode,
        productCode: 1001,
        containerTypes: ['machine', 'portable'],
        defaultOptions: { featureMap: 15, expirationDays: 365, licenseQuantity: 1, unitCounter: null },
        orderOptions: ['unitCounter', 'text'],
        policies: {
          deactivationAllowed: null,
          reactivationsAllowed: 2,
          reactivationMinWaitSeconds: null,
          reactivationBehaviour: null,
          keepTicketComplete: true,
        },
        archivedAt: null,
      });
      expect(await auditActions(product.id)).toEqual(['product.created']);
      const loaded = await loadProduct(ctx.database.db, product.id);
      expect(loaded.defaultOptions.featureMap).toBe(15);
      expect(await effectivePolicies(ctx.database.db, loaded)).toEqual({
        deactivationAllowed: true,
        reactivationsAllowed: 2,
        reactivationMinWaitSeconds: 0,
        reactivationBehaviour: 'withdraw',
        keepTicketComplete: true,
      });
    });

    it.each([
      [{ containerTypes: [] }, 'containerTypes'],
      [{ containerTypes: ['dongle'] }, 'containerTypes.0'],
      [{ containerTypes: ['machine', 'machine'] }, 'containerTypes'],
      [{ sku: 'has space' }, 'sku'],
      [{ productCode: -1 }, 'productCode'],
      [{ defaultOptions: { featureMap: 2 ** 32 } }, 'defaultOptions.featureMap'],
      [{ defaultOptions: { noSuchOption: 1 } }, 'defaultOptions'],
      [
        {
          defaultOptions: {
            activationTime: '2027-01-01T00:00:00.000Z',
            expirationTime: '2026-01-01T00:00:00.000Z',
          },
        },
        'defaultOptions.expirationTime',
      ],
      [{ defaultOptions: { expirationTime: '2026-01-01' } }, 'defaultOptions.expirationTime'],
      [{ orderOptions: ['serial'] }, 'orderOptions.0'],
      [
        {
          modules: [
            { productCode: 5, featureMap: null, text: null },
            { productCode: 5, featureMap: null, text: null },
          ],
        },
        'modules',
      ],
      [{ modules: [{ productCode: 1001, featureMap: null, text: null }] }, 'modules.0.productCode'],
      [{ policies: { reactivationBehaviour: 'explode' } }, 'policies.reactivationBehaviour'],
      [{ policies: { reactivationsAllowed: -1 } }, 'policies.reactivationsAllowed'],
      [{ firmCode: 4_294_967_295 }, 'firmCode'],
    ])('refuses a product with %j, naming %s', async (overrides, field) => {
      const res = await t.call(t.isvAdmin, 'POST', '/api/v1/products', productBody(firmCode, overrides));
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().field).toBe(field);
    });

    it('refuses a duplicate SKU with 409', async () => {
      const product = await createProduct(firmCode);
      const res = await t.call(
        t.isvAdmin,
        'POST',
        '/api/v1/products',
        productBody(firmCode, { sku: product.sku }),
      );
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'sku_taken', field: 'sku' });
    });

    it('lists products by firm code and search, hiding archived ones unless asked', async () => {
      const otherFirm = (await createFirmCode()).firmCode;
      const marker = randomBytes(4).toString('hex');
      const a = await createProduct(otherFirm, { name: `Alpha ${marker}` });
      const b = await createProduct(otherFirm, { sku: aSku(`ZED${marker}`) });
      const c = await createProduct(otherFirm);
      await t.call(t.isvAdmin, 'POST', `/api/v1/products/${c.id}/archive`);
      const ids = async (query: string) =>
        (await t.call(t.isvAdmin, 'GET', `/api/v1/products?${query}`))
          .json()
          .items.map((p: { id: string }) => p.id);
      expect(await ids(`firmCode=${otherFirm}`)).toEqual([a.id, b.id]);
      expect(await ids(`firmCode=${otherFirm}&includeArchived=true`)).toEqual([a.id, b.id, c.id]);
      expect(await ids(`q=${marker.toUpperCase()}`)).toEqual([a.id, b.id]);
      expect(await ids(`q=alpha%20${marker}`)).toEqual([a.id]);
      expect(await ids(`firmCode=${otherFirm}&limit=1`)).toEqual([a.id]);
      const bad = await t.call(t.isvAdmin, 'GET', '/api/v1/products?firmCode=0');
      expect(bad.json()).toMatchObject({ code: 'validation_failed', field: 'firmCode' });
    });

    it('treats % and _ in a search literally', async () => {
      const res = await t.call(t.isvAdmin, 'GET', '/api/v1/products?q=%25%25%25');
      expect(res.statusCode).toBe(200);
      expect(res.json().items).toEqual([]);
    });

    it('gets, patches (merging options) and audits the change with before and after', async () => {
      const product = await createProduct(firmCode, { defaultOptions: { featureMap: 3, text: 'hello' } });
      const res = await t.call(t.isvAdmin, 'PATCH', `/api/v1/products/${product.id}`, {
        name: 'Renamed',
        defaultOptions: { featureMap: 7 },
        policies: { reactivationBehaviour: 'blacklist' },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({
        name: 'Renamed',
        defaultOptions: { featureMap: 7, text: 'hello' },
        policies: { reactivationBehaviour: 'blacklist', keepTicketComplete: false },
      });
      expect((await t.call(t.isvAdmin, 'GET', `/api/v1/products/${product.id}`)).json()).toEqual(res.json());
      const entry = await ctx.database.db
        .selectFrom('audit_events')
        .select(['action', 'data'])
        .where('subject_id', '=', product.id)
        .where('action', '=', 'product.updated')
        .executeTakeFirstOrThrow();
      expect(JSON.parse(entry.data).changes.name).toEqual({ from: 'Tessera Pro', to: 'Renamed' });
    });

    it('refuses invalid patches and unknown products', async () => {
      const product = await createProduct(firmCode);
      const other = await createProduct(firmCode);
      const patch = (body: unknown, id = product.id) =>
        t.call(t.isvAdmin, 'PATCH', `/api/v1/products/${id}`, body);
      expect((await patch({ defaultOptions: { licenseQuantity: -1 } })).json().field).toBe(
        'defaultOptions.licenseQuantity',
      );
      expect((await patch({ sku: other.sku })).statusCode).toBe(409);
      expect((await patch({ firmCode: 1 })).statusCode).toBe(200); // unknown names are dropped: the firm code stays
      expect((await patch({ name: 'x' }, '0190a000-0000-7000-8000-000000000000')).statusCode).toBe(404);
      expect((await patch({ name: 'x' }, 'not-a-uuid')).json().field).toBe('id');
      const unknown = '0190a000-0000-7000-8000-000000000000';
      expect((await t.call(t.isvAdmin, 'GET', `/api/v1/products/${unknown}`)).json().code).toBe(
        'product_not_found',
      );
      expect((await t.call(t.isvAdmin, 'POST', `/api/v1/products/${unknown}/archive`)).statusCode).toBe(404);
    });

    it('archives and unarchives a product', async () => {
      const product = await createProduct(firmCode);
      const archived = await t.call(t.isvAdmin, 'POST', `/api/v1/products/${product.id}/archive`);
      expect(archived.statusCode).toBe(200);
      expect(archived.json().archivedAt).toBe(t.clock.now().toISOString());
      const again = await t.call(t.isvAdmin, 'POST', `/api/v1/products/${product.id}/archive`);
      expect(again.json().archivedAt).toBe(archived.json().archivedAt);
      const restored = await t.call(t.isvAdmin, 'POST', `/api/v1/products/${product.id}/unarchive`);
      expect(restored.json().archivedAt).toBeNull();
      expect(await auditActions(product.id)).toEqual([
        'product.created',
        'product.archived',
        'product.unarchived',
      ]);
    });

    it('refuses every product route to non-ISV admins and anonymous callers', async () => {
      const product = await createProduct(firmCode);
      const { resellerAdmin, member } = await outsiders();
      const actors = [resellerAdmin, member];
      await expectRefused(actors, 'GET', '/api/v1/products');
      await expectRefused(actors, 'POST', '/api/v1/products', productBody(firmCode));
      await expectRefused(actors, 'GET', `/api/v1/products/${product.id}`);
      await expectRefused(actors, 'PATCH', `/api/v1/products/${product.id}`, { name: 'x' });
      await expectRefused(actors, 'POST', `/api/v1/products/${product.id}/archive`);
      await expectRefused(actors, 'POST', `/api/v1/products/${product.id}/unarchive`);
      // A read-only token of an ISV admin cannot write.
      const reader = await t.tokenFor(t.isvAdmin.user, ['read']);
      const res = await t.call(reader, 'POST', '/api/v1/products', productBody(firmCode));
      expect(res.json().code).toBe('insufficient_scope');
    });
  });

  describe('settings', () => {
    it('has sensible defaults, changes partially and audits', async () => {
      const initial = (await t.call(t.isvAdmin, 'GET', '/api/v1/settings')).json();
      expect(initial).toMatchObject({
        defaultPolicies: {
          deactivationAllowed: true,
          reactivationsAllowed: 1,
          reactivationMinWaitSeconds: 0,
          reactivationBehaviour: 'withdraw',
        },
        honeypotProductCode: null,
      });
      const res = await t.call(t.isvAdmin, 'PATCH', '/api/v1/settings', {
        defaultPolicies: { reactivationsAllowed: 3, reactivationBehaviour: 'blacklist' },
        honeypotProductCode: 999,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({
        defaultPolicies: {
          deactivationAllowed: true,
          reactivationsAllowed: 3,
          reactivationMinWaitSeconds: 0,
          reactivationBehaviour: 'blacklist',
        },
        honeypotProductCode: 999,
      });
      expect((await loadSettings(ctx.database.db)).honeypotProductCode).toBe(999);
      const entries = await ctx.database.db
        .selectFrom('audit_events')
        .select('action')
        .where('action', '=', 'settings.updated')
        .execute();
      expect(entries.length).toBeGreaterThanOrEqual(1);
      // Back to the defaults so other tests see them.
      await t.call(t.isvAdmin, 'PATCH', '/api/v1/settings', {
        defaultPolicies: { reactivationsAllowed: 1, reactivationBehaviour: 'withdraw' },
        honeypotProductCode: null,
      });
      expect((await loadSettings(ctx.database.db)).honeypotProductCode).toBeNull();
    });

    it.each([
      [{ honeypotProductCode: -5 }, 'honeypotProductCode'],
      [{ defaultPolicies: { reactivationsAllowed: 'many' } }, 'defaultPolicies.reactivationsAllowed'],
      [{ defaultPolicies: { deactivationAllowed: null } }, 'defaultPolicies.deactivationAllowed'],
    ])('refuses %j naming %s', async (body, field) => {
      const res = await t.call(t.isvAdmin, 'PATCH', '/api/v1/settings', body);
      expect(res.statusCode).toBe(400);
      expect(res.json().field).toBe(field);
    });

    it('refuses settings to non-ISV admins', async () => {
      const { resellerAdmin, member } = await outsiders();
      await expectRefused([resellerAdmin, member], 'GET', '/api/v1/settings');
      await expectRefused([resellerAdmin, member], 'PATCH', '/api/v1/settings', { honeypotProductCode: 1 });
    });
  });
});
