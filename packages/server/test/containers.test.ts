// The container registry routes: look-ups with their visibility rules, and the vendor's decisions —
// blacklist, resolve "manipulation detected", push update, recycle, whole-container restore.

import { defaultLicenseOptions, generateKeyPair, openUpdate, signLicense } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../src/db/test-helper.js';
import type { Group } from '../src/modules/accounts/repository.js';
import { anonymous, useTestApp } from '../src/testing/test-app.js';
import {
  aFirmCode,
  aProduct,
  aTicket,
  containerRow,
  Device,
  gateway,
  licenseRow,
  type Product,
} from './support/licensing.js';

describeEachDatabase('container registry', (ctx) => {
  const t = useTestApp(ctx);
  const g = gateway(t);
  let firmCode: number;
  let product: Product;
  let customer: Group;

  beforeAll(async () => {
    firmCode = await aFirmCode(t);
    product = await aProduct(t, firmCode, { containerTypes: ['machine', 'portable'] });
    customer = await t.aGroup({ kind: 'customer' });
  });

  const activated = async (type: 'machine' | 'portable' = 'machine', count = 1) => {
    const ticket = await aTicket(ctx, t, product, customer, { count });
    const device = new Device(
      type === 'portable' ? `3-${200_000_000 + Math.floor(Math.random() * 700_000_000)}` : undefined,
    );
    await g.apply(device, (await g.activate(device, ticket.code)).body);
    return { ticket, device };
  };

  /** Puts a license nobody issued into the device and lets Central see it: the container is flagged. */
  const flagged = async () => {
    const { ticket, device } = await activated();
    const forged = signLicense(
      {
        serial: device.serial,
        firmCode,
        productCode: 999,
        ticketLicenseId: 'forged',
        generation: 1,
        issuedAt: new Date().toISOString(),
        options: defaultLicenseOptions(),
        modules: [],
      },
      generateKeyPair(),
    );
    const item = device.state.firmItems[0];
    const entry = item?.licenses[0];
    if (!item || !entry) throw new Error('nothing activated');
    const honest = device.state;
    device.state = {
      ...honest,
      firmItems: [
        {
          ...item,
          licenses: [
            ...item.licenses,
            { ...entry, license: forged.envelope, ticketLicenseId: 'forged', digest: forged.digest },
          ],
        },
      ],
    };
    expect((await g.receipt(device)).status).toBe(409);
    return { ticket, device, honest };
  };

  describe('GET /containers and /containers/{serial}', () => {
    it('shows a container with what Central issued and its licenses', async () => {
      const { ticket, device } = await activated();
      const shown = await t.call(t.isvAdmin, 'GET', `/api/v1/containers/${device.serial}`);
      expect(shown.statusCode).toBe(200);
      expect(shown.json()).toMatchObject({
        container: { serial: device.serial, status: 'ok', groupId: customer.id },
        firmItems: [
          {
            firmCode,
            issuedFuc: 1,
            confirmedFuc: 1,
            licenses: [{ ticketLicenseId: ticket.licenseIds[0], generation: 1 }],
          },
        ],
        licenses: [{ id: ticket.licenseIds[0], state: 'confirmed' }],
      });
      const listed = await t.call(t.isvAdmin, 'GET', `/api/v1/containers?serial=${device.serial}`);
      expect(listed.json().items.map((c: { serial: string }) => c.serial)).toEqual([device.serial]);
    });

    it('lets the owning group see its containers and hides them from other customers (404)', async () => {
      const { device } = await activated();
      const member = await t.aMemberOf(customer);
      expect((await t.call(member, 'GET', `/api/v1/containers/${device.serial}`)).statusCode).toBe(200);
      const outsider = await t.anAdminOf(await t.aGroup({ kind: 'customer' }));
      expect((await t.call(outsider, 'GET', `/api/v1/containers/${device.serial}`)).statusCode).toBe(404);
      const list = await t.call(outsider, 'GET', '/api/v1/containers');
      expect(list.statusCode, list.body).toBe(200);
      expect(list.json().items.map((c: { serial: string }) => c.serial)).not.toContain(device.serial);
      expect((await t.call(anonymous, 'GET', `/api/v1/containers/${device.serial}`)).statusCode).toBe(401);
      expect((await t.call(t.isvAdmin, 'GET', '/api/v1/containers/not-a-serial')).json().field).toBe(
        'serial',
      );
      expect((await t.call(t.isvAdmin, 'GET', '/api/v1/containers?status=lost')).json().field).toBe('status');
    });
  });

  describe('POST /containers/{serial}/blacklist', () => {
    it('locks the container and writes the honey-pot marker at its next contact', async () => {
      const { device } = await activated();
      const response = await t.call(t.isvAdmin, 'POST', `/api/v1/containers/${device.serial}/blacklist`, {
        reason: 'reported stolen',
      });
      expect(response.statusCode).toBe(200);
      expect(response.json().container).toMatchObject({
        status: 'blacklisted',
        statusReason: 'reported stolen',
      });
      const contact = await g.updates(device);
      expect(contact.status).toBe(200);
      await g.apply(device, contact.body);
      expect(device.locked(firmCode)).toBe(true);
      expect(device.state.firmItems[0]?.honeypot).toBe('blacklisted');
    });

    it('is for ISV admins only and names a missing reason', async () => {
      const { device } = await activated();
      const admin = await t.anAdminOf(customer);
      expect(
        (await t.call(admin, 'POST', `/api/v1/containers/${device.serial}/blacklist`, { reason: 'x' }))
          .statusCode,
      ).toBe(403);
      expect(
        (await t.call(anonymous, 'POST', `/api/v1/containers/${device.serial}/blacklist`, { reason: 'x' }))
          .statusCode,
      ).toBe(401);
      expect(
        (await t.call(t.isvAdmin, 'POST', `/api/v1/containers/${device.serial}/blacklist`, {})).json().field,
      ).toBe('reason');
      expect(
        (await t.call(t.isvAdmin, 'POST', '/api/v1/containers/130-987654321/blacklist', { reason: 'x' }))
          .statusCode,
      ).toBe(404);
    });
  });

  describe('POST /containers/{serial}/resolve', () => {
    it('accepts what the container reports: processing resumes and the unissued license is withdrawn', async () => {
      const { ticket, device } = await flagged();
      expect((await containerRow(ctx, device.serial)).status).toBe('manipulation_detected');
      const resolved = await t.call(t.isvAdmin, 'POST', `/api/v1/containers/${device.serial}/resolve`, {
        decision: 'accept',
        note: 'checked with the customer',
      });
      expect(resolved.statusCode, resolved.body).toBe(200);
      expect(resolved.json().container.status).toBe('ok');
      const next = await g.updates(device);
      expect(next.status, JSON.stringify(next.body)).toBe(200);
      await g.apply(device, next.body);
      expect(device.holds(firmCode)).toEqual([{ id: ticket.licenseIds[0], generation: 1 }]);
      expect((await licenseRow(ctx, ticket.licenseIds[0] as string)).state).toBe('confirmed');
    });

    it('can blacklist instead, and refuses containers that are not flagged', async () => {
      const { device } = await flagged();
      const resolved = await t.call(t.isvAdmin, 'POST', `/api/v1/containers/${device.serial}/resolve`, {
        decision: 'blacklist',
      });
      expect(resolved.json().container.status).toBe('blacklisted');
      const { device: healthy } = await activated();
      const refused = await t.call(t.isvAdmin, 'POST', `/api/v1/containers/${healthy.serial}/resolve`, {
        decision: 'accept',
      });
      expect(refused.statusCode).toBe(409);
      expect(refused.json().code).toBe('container_not_flagged');
      expect(
        (
          await t.call(t.isvAdmin, 'POST', `/api/v1/containers/${healthy.serial}/resolve`, {
            decision: 'ignore',
          })
        ).json().field,
      ).toBe('decision');
      const admin = await t.anAdminOf(customer);
      expect(
        (await t.call(admin, 'POST', `/api/v1/containers/${device.serial}/resolve`, { decision: 'accept' }))
          .statusCode,
      ).toBe(403);
    });
  });

  describe('POST /containers/{serial}/push-update', () => {
    it('builds an update from the last known state that the container accepts without a fresh context', async () => {
      const { device } = await activated();
      const container = await containerRow(ctx, device.serial);
      const reserved = await aTicket(ctx, t, product, customer, { preAssignedContainerId: container.id });
      const pushed = await t.call(t.isvAdmin, 'POST', `/api/v1/containers/${device.serial}/push-update`, {});
      expect(pushed.statusCode, pushed.body).toBe(200);
      const [first] = pushed.json().updates as { update: string }[];
      expect(first).toBeDefined();
      expect(openUpdate(first?.update as string).update.nonce).toBeNull();
      device.import(first?.update as string);
      expect(device.holds(firmCode).map((l) => l.id)).toContain(reserved.licenseIds[0]);
      // The next contact confirms it.
      expect((await g.receipt(device)).status).toBe(200);
      expect((await licenseRow(ctx, reserved.licenseIds[0] as string)).state).toBe('confirmed');
    });

    it('is for ISV admins and validates the firm code', async () => {
      const { device } = await activated();
      expect(
        (
          await t.call(
            await t.anAdminOf(customer),
            'POST',
            `/api/v1/containers/${device.serial}/push-update`,
            {},
          )
        ).statusCode,
      ).toBe(403);
      expect(
        (
          await t.call(t.isvAdmin, 'POST', `/api/v1/containers/${device.serial}/push-update`, {
            firmCode: 'x',
          })
        ).json().field,
      ).toBe('firmCode');
    });
  });

  describe('POST /containers/{serial}/recycle', () => {
    it('releases the licenses of a returned portable container and refuses it afterwards', async () => {
      const { ticket, device } = await activated('portable');
      const recycled = await t.call(t.isvAdmin, 'POST', `/api/v1/containers/${device.serial}/recycle`);
      expect(recycled.statusCode, recycled.body).toBe(200);
      expect(recycled.json().container.status).toBe('recycled');
      expect((await licenseRow(ctx, ticket.licenseIds[0] as string)).state).toBe('returned');
      const contact = await g.updates(device);
      expect(contact.status).toBe(409);
      expect(contact.body.code).toBe('container_recycled');
    });

    it('refuses machine containers and non-vendors', async () => {
      const { device } = await activated('machine');
      const refused = await t.call(t.isvAdmin, 'POST', `/api/v1/containers/${device.serial}/recycle`);
      expect(refused.statusCode).toBe(409);
      expect(refused.json().code).toBe('container_not_portable');
      expect(
        (await t.call(await t.anAdminOf(customer), 'POST', `/api/v1/containers/${device.serial}/recycle`))
          .statusCode,
      ).toBe(403);
    });
  });

  describe('POST /containers/{serial}/restore', () => {
    it('moves every license of a lost container into a new one as the next generation and blacklists the lost one', async () => {
      const { ticket, device: lost } = await activated('machine', 2);
      const fresh = new Device();
      const restored = await t.call(t.isvAdmin, 'POST', `/api/v1/containers/${lost.serial}/restore`, {
        context: fresh.context(),
      });
      expect(restored.statusCode, restored.body).toBe(200);
      await g.apply(fresh, restored.json());
      expect(fresh.holds(firmCode)).toEqual(
        ticket.licenseIds.map((id) => ({ id, generation: 2 })).sort((a, b) => (a.id < b.id ? -1 : 1)),
      );
      expect((await containerRow(ctx, lost.serial)).status).toBe('blacklisted');
      const contact = await g.updates(lost);
      await g.apply(lost, contact.body);
      expect(lost.locked(firmCode)).toBe(true);
      expect(lost.holds(firmCode)).toEqual([]);
    });

    it('refuses non-vendors, a missing context and the lost container itself', async () => {
      const { device } = await activated();
      expect(
        (
          await t.call(await t.anAdminOf(customer), 'POST', `/api/v1/containers/${device.serial}/restore`, {
            context: new Device().context(),
          })
        ).statusCode,
      ).toBe(403);
      expect(
        (await t.call(t.isvAdmin, 'POST', `/api/v1/containers/${device.serial}/restore`, {})).json().field,
      ).toBe('context');
      const self = await t.call(t.isvAdmin, 'POST', `/api/v1/containers/${device.serial}/restore`, {
        context: device.context(),
      });
      expect(self.statusCode).toBe(400);
    });
  });
});
