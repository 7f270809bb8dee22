// The activation gateway and the license lifecycle through HTTP, on both databases: activate → receipt →
// confirmed, deactivate → returned, multi-step catch-up, receipt inference, manipulation detection,
// replays, concurrency, pre-assigned licenses, withdraw, replace and reactivation after a loss.

import { generateKeyPair, openUpdate } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../src/db/test-helper.js';
import type { Group } from '../src/modules/accounts/repository.js';
import { systemRandom } from '../src/modules/accounts/secrets.js';
import { formatTicketCode, newTicketCode } from '../src/modules/orders/ticket-code.js';
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

describeEachDatabase('activation gateway', (ctx) => {
  const t = useTestApp(ctx);
  const g = gateway(t);
  let firmCode: number;
  let product: Product;
  let customer: Group;

  beforeAll(async () => {
    firmCode = await aFirmCode(t);
    product = await aProduct(t, firmCode, { defaultOptions: { featureMap: 3, expirationDays: 365 } });
    customer = await t.aGroup({ kind: 'customer' });
  });

  describe('activate → receipt', () => {
    it('issues an update the container accepts and confirms the license on the receipt', async () => {
      const ticket = await aTicket(ctx, t, product, customer);
      const device = new Device();
      const answer = await g.activate(device, ticket.code);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body).toMatchObject({
        serial: device.serial,
        licenses: [{ id: ticket.licenseIds[0], state: 'collected', generation: 1 }],
      });
      expect((await licenseRow(ctx, ticket.licenseIds[0] as string)).state).toBe('collected');

      const { update } = openUpdate(answer.body.update as string);
      expect(update).toMatchObject({
        serial: device.serial,
        firmCode,
        nonce: device.lastNonce,
        steps: [{ fromFuc: 0, toFuc: 1 }],
      });
      await g.apply(device, answer.body);
      expect(device.holds(firmCode)).toEqual([{ id: ticket.licenseIds[0], generation: 1 }]);
      const row = await licenseRow(ctx, ticket.licenseIds[0] as string);
      expect(row.state).toBe('confirmed');
      // expirationDays became a fixed expiration at activation, one year after Central's clock.
      expect(row.resolved_expiration_time).toBe(
        new Date(t.clock.now().getTime() + 365 * 86_400_000).toISOString(),
      );
      const container = await containerRow(ctx, device.serial);
      expect(container).toMatchObject({
        status: 'ok',
        group_id: customer.id,
        public_key: device.key.publicKey,
      });
    });

    it('refuses a ticket whose licenses are all taken, and an unknown ticket with 404', async () => {
      const ticket = await aTicket(ctx, t, product, customer);
      const first = new Device();
      await g.apply(first, (await g.activate(first, ticket.code)).body);
      const second = await g.activate(new Device(), ticket.code);
      expect(second.status).toBe(409);
      expect(second.body.code).toBe('ticket_fully_activated');
      const unknown = await g.activate(new Device(), formatTicketCode(newTicketCode(systemRandom)));
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('ticket_not_found');
      // A mistyped code is caught by its check character before anything is looked up.
      const typo = ticket.code.slice(0, 24) + (ticket.code[24] === '0' ? '1' : '0');
      const mistyped = await g.activate(new Device(), typo);
      expect(mistyped.status).toBe(400);
      expect(mistyped.body).toMatchObject({ code: 'ticket_code_invalid', field: 'ticket' });
    });

    it('answers a malformed or tampered context with 400 naming the field, changing nothing', async () => {
      const ticket = await aTicket(ctx, t, product, customer);
      const device = new Device();
      const malformed = await t.call(anonymous, 'POST', '/api/v1/gateway/activate', {
        ticket: ticket.code,
        context: 'not a context',
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json()).toMatchObject({ code: 'invalid_document', field: 'context' });
      const missing = await t.call(anonymous, 'POST', '/api/v1/gateway/activate', { ticket: ticket.code });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().field).toBe('context');
      const text = device.context();
      const lines = text.split('\n');
      lines[2] = `${lines[2]?.[0] === 'A' ? 'B' : 'A'}${lines[2]?.slice(1)}`;
      const tampered = await t.call(anonymous, 'POST', '/api/v1/gateway/activate', {
        ticket: ticket.code,
        context: lines.join('\n'),
      });
      expect(tampered.statusCode).toBe(400);
      expect((await licenseRow(ctx, ticket.licenseIds[0] as string)).state).toBe('available');
    });

    it('refuses a context signed by a key other than the one pinned for the serial', async () => {
      const ticket = await aTicket(ctx, t, product, customer);
      const device = new Device();
      await g.apply(device, (await g.activate(device, ticket.code)).body);
      const impostor = new Device(device.serial, generateKeyPair());
      const other = await aTicket(ctx, t, product, customer);
      const answer = await g.activate(impostor, other.code);
      expect(answer.status).toBe(403);
      expect(answer.body.code).toBe('container_key_mismatch');
      expect((await licenseRow(ctx, other.licenseIds[0] as string)).state).toBe('available');
    });

    it('infers a missing receipt from a later context and catches up unapplied steps in one update', async () => {
      const device = new Device();
      const one = await aTicket(ctx, t, product, customer);
      const two = await aTicket(ctx, t, product, customer);
      const three = await aTicket(ctx, t, product, customer);
      // First update imported, receipt never sent.
      const first = await g.activate(device, one.code);
      device.import(first.body.update as string, device.lastNonce);
      // Second update lost entirely (never imported).
      const second = await g.activate(device, two.code);
      expect(second.status).toBe(200);
      expect((await licenseRow(ctx, one.licenseIds[0] as string)).state).toBe('confirmed');
      // The third answer carries the lost step 1→2 and the new step 2→3.
      const third = await g.activate(device, three.code);
      const { update } = openUpdate(third.body.update as string);
      expect(update.steps.map((s) => [s.fromFuc, s.toFuc])).toEqual([
        [1, 2],
        [2, 3],
      ]);
      await g.apply(device, third.body);
      expect(
        device
          .holds(firmCode)
          .map((l) => l.id)
          .sort(),
      ).toEqual([one.licenseIds[0], two.licenseIds[0], three.licenseIds[0]].sort());
      for (const ticket of [one, two, three])
        expect((await licenseRow(ctx, ticket.licenseIds[0] as string)).state).toBe('confirmed');
    });

    it('treats a replayed receipt as nothing new', async () => {
      const device = new Device();
      const ticket = await aTicket(ctx, t, product, customer);
      const answer = await g.activate(device, ticket.code);
      device.import(answer.body.update as string, device.lastNonce);
      const receipt = device.context();
      const once = await t.call(anonymous, 'POST', '/api/v1/gateway/receipt', { receipt });
      expect(once.statusCode).toBe(200);
      const again = await t.call(anonymous, 'POST', '/api/v1/gateway/receipt', { receipt });
      expect(again.statusCode).toBe(409);
      expect(again.json().code).toBe('context_replayed');
      expect((await containerRow(ctx, device.serial)).status).toBe('ok');
    });

    it('flags a container whose receipt claims a state Central never issued, and stops processing it', async () => {
      const device = new Device();
      const ticket = await aTicket(ctx, t, product, customer);
      await g.apply(device, (await g.activate(device, ticket.code)).body);
      // The customer's container now also holds a license nobody at Central issued (forged FUC 2).
      const forger = { firmCode, key: generateKeyPair() };
      const { signLicense, signUpdate, defaultLicenseOptions } = await import('@tessera/core');
      const forged = signLicense(
        {
          serial: device.serial,
          firmCode,
          productCode: 999,
          ticketLicenseId: 'forged-1',
          generation: 1,
          issuedAt: new Date().toISOString(),
          options: defaultLicenseOptions(),
          modules: [],
        },
        forger.key,
      );
      const item = device.state.firmItems[0];
      if (!item) throw new Error('no firm item');
      device.state = {
        ...device.state,
        firmItems: [
          {
            ...item,
            fuc: 2,
            licenses: [
              ...item.licenses,
              {
                ...item.licenses[0],
                license: forged.envelope,
                ticketLicenseId: 'forged-1',
                digest: forged.digest,
              } as (typeof item.licenses)[number],
            ],
          },
        ],
      };
      void signUpdate;
      const answer = await g.receipt(device);
      expect(answer.status).toBe(409);
      expect(answer.body.code).toBe('container_manipulation_detected');
      const row = await containerRow(ctx, device.serial);
      expect(row.status).toBe('manipulation_detected');
      expect(row.status_reason).toContain('never issued');
      // Automatic processing stops until an admin decides.
      const next = await g.activate(device, (await aTicket(ctx, t, product, customer)).code);
      expect(next.status).toBe(409);
      expect(next.body.code).toBe('container_manipulation_detected');
    });
  });

  describe('deactivate and activate elsewhere', () => {
    it('returns a license with a removal update; after the receipt it can go into another container', async () => {
      const ticket = await aTicket(ctx, t, product, customer);
      const first = new Device();
      await g.apply(first, (await g.activate(first, ticket.code)).body);
      const returned = await g.deactivate(first, ticket.code);
      expect(returned.status, JSON.stringify(returned.body)).toBe(200);
      expect(returned.body.licenses).toMatchObject([{ state: 'returning' }]);
      await g.apply(first, returned.body);
      expect(first.holds(firmCode)).toEqual([]);
      const row = await licenseRow(ctx, ticket.licenseIds[0] as string);
      expect(row).toMatchObject({ state: 'returned', container_id: null });

      const second = new Device();
      const moved = await g.activate(second, ticket.code);
      expect(moved.status).toBe(200);
      await g.apply(second, moved.body);
      expect(second.holds(firmCode)).toEqual([{ id: ticket.licenseIds[0], generation: 1 }]);
    });

    it('refuses deactivation when the product forbids it, and when the license is not in that container', async () => {
      const locked = await aProduct(t, firmCode, { policies: { deactivationAllowed: false } });
      const ticket = await aTicket(ctx, t, locked, customer);
      const device = new Device();
      await g.apply(device, (await g.activate(device, ticket.code)).body);
      const refused = await g.deactivate(device, ticket.code);
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('deactivation_not_allowed');
      const elsewhere = await g.deactivate(new Device(), ticket.code);
      expect(elsewhere.status).toBe(409);
      expect(elsewhere.body.code).toBe('nothing_to_deactivate');
    });
  });

  describe('concurrency', () => {
    it('lets exactly one of 50 simultaneous activations of a single-license ticket win', async () => {
      const ticket = await aTicket(ctx, t, product, customer);
      const devices = Array.from({ length: 50 }, () => new Device());
      const answers = await Promise.all(devices.map((device) => g.activate(device, ticket.code)));
      const winners = answers.filter((a) => a.status === 200);
      const losers = answers.filter((a) => a.status === 409);
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(49);
      for (const loser of losers)
        expect(['license_already_collected', 'ticket_fully_activated']).toContain(loser.body.code);
      const row = await licenseRow(ctx, ticket.licenseIds[0] as string);
      expect(row.state).toBe('collected');
      expect(row.container_id).toBe((await containerRow(ctx, winners[0]?.body.serial as string)).id);
    });
  });

  describe('authorization', () => {
    it('lets a signed-in customer activate only tickets of its own group; others answer 404', async () => {
      const other = await t.aGroup({ kind: 'customer' });
      const ticket = await aTicket(ctx, t, product, other);
      const stranger = await t.aMemberOf(customer);
      const answer = await g.activate(new Device(), ticket.code, {}, stranger);
      expect(answer.status).toBe(404);
      const own = await t.aMemberOf(other);
      expect((await g.activate(new Device(), ticket.code, {}, own)).status).toBe(200);
    });

    it('holds a signed-in session to its CSRF token', async () => {
      const member = await t.aMemberOf(customer);
      const ticket = await aTicket(ctx, t, product, customer);
      const answer = await g.activate(new Device(), ticket.code, {}, member.withoutCsrf?.() ?? member);
      expect(answer.status).toBe(403);
      expect(answer.body.code).toBe('csrf_token_invalid');
    });
  });
});

describeEachDatabase('license lifecycle corrections', (ctx) => {
  const t = useTestApp(ctx);
  const g = gateway(t);
  let firmCode: number;
  let customer: Group;

  beforeAll(async () => {
    firmCode = await aFirmCode(t);
    customer = await t.aGroup({ kind: 'customer' });
  });

  it('delivers pre-assigned licenses at the container’s next contact, without a ticket', async () => {
    const product = await aProduct(t, firmCode);
    const device = new Device();
    // The container is known before it ever talks to Central (as an order naming its serial creates it).
    const first = await aTicket(ctx, t, product, customer);
    await g.apply(device, (await g.activate(device, first.code)).body);
    const container = await containerRow(ctx, device.serial);
    const reserved = await aTicket(ctx, t, product, customer, { preAssignedContainerId: container.id });
    const answer = await g.updates(device);
    expect(answer.status).toBe(200);
    expect(openUpdate(answer.body.update as string).update.nonce).toBe(device.lastNonce);
    await g.apply(device, answer.body);
    expect(device.holds(firmCode).map((l) => l.id)).toContain(reserved.licenseIds[0]);
    expect((await licenseRow(ctx, reserved.licenseIds[0] as string)).state).toBe('confirmed');
    const idle = await g.updates(device);
    expect(idle.body).toMatchObject({ update: null, updates: [] });
  });

  it('withdraws at once when never collected, else removes at the next contact', async () => {
    const product = await aProduct(t, firmCode);
    const unused = await aTicket(ctx, t, product, customer);
    const immediate = await t.call(t.isvAdmin, 'POST', `/api/v1/licenses/${unused.licenseIds[0]}/withdraw`);
    expect(immediate.statusCode).toBe(200);
    expect((await g.activate(new Device(), unused.code)).body.code).toBe('ticket_fully_activated');

    const used = await aTicket(ctx, t, product, customer);
    const device = new Device();
    await g.apply(device, (await g.activate(device, used.code)).body);
    expect(
      (await t.call(t.isvAdmin, 'POST', `/api/v1/licenses/${used.licenseIds[0]}/withdraw`)).statusCode,
    ).toBe(200);
    const pending = await g.updates(device);
    await g.apply(device, pending.body);
    expect(device.holds(firmCode)).toEqual([]);
    expect((await licenseRow(ctx, used.licenseIds[0] as string)).state).toBe('withdrawn');
  });

  it('refuses withdraw and replace to everyone but ISV admins', async () => {
    const product = await aProduct(t, firmCode);
    const ticket = await aTicket(ctx, t, product, customer);
    const admin = await t.anAdminOf(customer);
    expect(
      (await t.call(admin, 'POST', `/api/v1/licenses/${ticket.licenseIds[0]}/withdraw`)).statusCode,
    ).toBe(403);
    const stranger = await t.anAdminOf(await t.aGroup({ kind: 'customer' }));
    expect(
      (await t.call(stranger, 'POST', `/api/v1/licenses/${ticket.licenseIds[0]}/withdraw`)).statusCode,
    ).toBe(404);
    expect(
      (await t.call(anonymous, 'POST', `/api/v1/licenses/${ticket.licenseIds[0]}/withdraw`)).statusCode,
    ).toBe(401);
    expect((await t.call(t.isvAdmin, 'POST', '/api/v1/licenses/not-a-uuid/withdraw')).statusCode).toBe(400);
    expect(
      (await t.call(admin, 'POST', `/api/v1/licenses/${ticket.licenseIds[0]}/replace`, {})).statusCode,
    ).toBe(403);
  });

  it('replaces a license in place at the next contact, in the programming order', async () => {
    const product = await aProduct(t, firmCode, { orderOptions: ['featureMap'] });
    const ticket = await aTicket(ctx, t, product, customer);
    const device = new Device();
    await g.apply(device, (await g.activate(device, ticket.code)).body);
    const replaced = await t.call(t.isvAdmin, 'POST', `/api/v1/licenses/${ticket.licenseIds[0]}/replace`, {
      options: { featureMap: 255 },
    });
    expect(replaced.statusCode, replaced.body).toBe(200);
    const replacement = replaced.json().replacement.id as string;
    const pending = await g.updates(device);
    const { update } = openUpdate(pending.body.update as string);
    expect(update.steps.at(-1)?.operations.map((o) => o.op)).toEqual(['replace_license']);
    await g.apply(device, pending.body);
    expect(device.holds(firmCode)).toEqual([{ id: replacement, generation: 1 }]);
    expect((await licenseRow(ctx, ticket.licenseIds[0] as string)).state).toBe('replaced');
    expect((await licenseRow(ctx, replacement)).state).toBe('confirmed');
  });

  describe('reactivation after a loss', () => {
    it('re-issues generation 2 into a new container and withdraws it from the lost one at its next contact', async () => {
      const product = await aProduct(t, firmCode, {
        policies: { reactivationsAllowed: 1, reactivationBehaviour: 'withdraw' },
      });
      const ticket = await aTicket(ctx, t, product, customer);
      const lost = new Device();
      await g.apply(lost, (await g.activate(lost, ticket.code)).body);
      const replacement = new Device();
      const answer = await t.call(anonymous, 'POST', `/api/v1/tickets/${ticket.code}/reactivate`, {
        context: replacement.context(),
        lostSerial: lost.serial,
      });
      expect(answer.statusCode, answer.body).toBe(200);
      await g.apply(replacement, answer.json());
      expect(replacement.holds(firmCode)).toEqual([{ id: ticket.licenseIds[0], generation: 2 }]);
      // The "lost" container turns up again: its copy is withdrawn.
      const enforcement = await g.updates(lost);
      await g.apply(lost, enforcement.body);
      expect(lost.holds(firmCode)).toEqual([]);
      expect(lost.locked(firmCode)).toBe(false);
      // The policy allowed one self-service reactivation.
      const again = await t.call(anonymous, 'POST', `/api/v1/tickets/${ticket.code}/reactivate`, {
        context: new Device().context(),
        lostSerial: replacement.serial,
      });
      expect(again.statusCode).toBe(409);
      expect(again.json().code).toBe('reactivation_limit_reached');
      // An ISV admin may override the policy.
      const override = await t.call(t.isvAdmin, 'POST', `/api/v1/tickets/${ticket.code}/reactivate`, {
        context: new Device().context(),
        lostSerial: replacement.serial,
      });
      expect(override.statusCode).toBe(200);
    });

    it('locks the whole lost container when the policy says blacklist', async () => {
      const product = await aProduct(t, firmCode, {
        policies: { reactivationsAllowed: 3, reactivationBehaviour: 'blacklist' },
      });
      const ticket = await aTicket(ctx, t, product, customer);
      const lost = new Device();
      await g.apply(lost, (await g.activate(lost, ticket.code)).body);
      const answer = await t.call(anonymous, 'POST', `/api/v1/tickets/${ticket.code}/reactivate`, {
        context: new Device().context(),
        lostSerial: lost.serial,
      });
      expect(answer.statusCode).toBe(200);
      expect((await containerRow(ctx, lost.serial)).status).toBe('blacklisted');
      // At its next contact — here, trying to activate something — it gets the lock and a refusal.
      const attempt = await g.activate(lost, (await aTicket(ctx, t, product, customer)).code);
      expect(attempt.status).toBe(409);
      expect(attempt.body.code).toBe('container_blacklisted');
      for (const { update } of attempt.body.updates as { update: string }[])
        lost.import(update, lost.lastNonce);
      expect(lost.locked(firmCode)).toBe(true);
      expect(lost.state.firmItems[0]?.honeypot).not.toBeNull();
    });

    it('refuses a lost serial that does not hold the ticket, and a malformed serial', async () => {
      const product = await aProduct(t, firmCode);
      const ticket = await aTicket(ctx, t, product, customer);
      const none = await t.call(anonymous, 'POST', `/api/v1/tickets/${ticket.code}/reactivate`, {
        context: new Device().context(),
        lostSerial: '130-999999999',
      });
      expect(none.statusCode).toBe(409);
      expect(none.json().code).toBe('nothing_to_reactivate');
      const malformed = await t.call(anonymous, 'POST', `/api/v1/tickets/${ticket.code}/reactivate`, {
        context: new Device().context(),
        lostSerial: 'lost',
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().field).toBe('lostSerial');
    });
  });
});

describeEachDatabase('gateway rate limits', (ctx) => {
  const t = useTestApp(ctx, { ticketRateLimitPerMinute: 3, gatewayRateLimitPerMinute: 8 });
  const g = gateway(t);

  it('limits requests per ticket and per client address with 429 and Retry-After', async () => {
    const firmCode = await aFirmCode(t);
    const product = await aProduct(t, firmCode);
    const customer = await t.aGroup({ kind: 'customer' });
    const ticket = await aTicket(ctx, t, product, customer);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await g.deactivate(new Device(), ticket.code)).status);
    expect(statuses.slice(0, 3)).toEqual([409, 409, 409]);
    const limited = await t.call(anonymous, 'POST', '/api/v1/gateway/deactivate', {
      ticket: ticket.code,
      context: new Device().context(),
    });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // The address's budget is shared by every gateway route: 5 used above, 3 left.
    const answers: number[] = [];
    for (let i = 0; i < 4; i++) answers.push((await g.updates(new Device())).status);
    expect(answers).toEqual([200, 200, 200, 429]);
  });
});

describeEachDatabase('orders pre-assigned to a container', (ctx) => {
  const t = useTestApp(ctx);
  const g = gateway(t);

  it('delivers to the named container at its first contact, and with its key pinned no other container can claim the serial', async () => {
    const firmCode = await aFirmCode(t);
    const product = await aProduct(t, firmCode);
    const customer = await t.aGroup({ kind: 'customer' });
    const device = new Device();
    const ordered = await t.call(t.isvAdmin, 'POST', '/api/v1/orders', {
      customerGroupId: customer.id,
      items: [{ sku: product.sku, quantity: 1 }],
      containerSerial: device.serial,
      containerKey: device.key.publicKey,
    });
    expect(ordered.statusCode, ordered.body).toBe(201);
    const licenseId = ordered.json().tickets[0].licenses[0].id as string;

    const impostor = new Device(device.serial, generateKeyPair());
    const stolen = await g.updates(impostor);
    expect(stolen.status).toBe(403);
    expect(stolen.body.code).toBe('container_key_mismatch');

    const delivered = await g.updates(device);
    expect(delivered.status).toBe(200);
    await g.apply(device, delivered.body);
    expect(device.holds(firmCode)).toEqual([{ id: licenseId, generation: 1 }]);
    expect((await licenseRow(ctx, licenseId)).state).toBe('confirmed');
  });

  it('refuses a key for a serial Central knows with another key, and a key without a serial', async () => {
    const firmCode = await aFirmCode(t);
    const product = await aProduct(t, firmCode);
    const customer = await t.aGroup({ kind: 'customer' });
    const device = new Device();
    await g.apply(device, (await g.activate(device, (await aTicket(ctx, t, product, customer)).code)).body);
    const mismatch = await t.call(t.isvAdmin, 'POST', '/api/v1/orders', {
      customerGroupId: customer.id,
      items: [{ sku: product.sku, quantity: 1 }],
      containerSerial: device.serial,
      containerKey: generateKeyPair().publicKey,
    });
    expect(mismatch.statusCode).toBe(409);
    expect(mismatch.json()).toMatchObject({ code: 'container_key_conflict', field: 'containerKey' });
    const keyOnly = await t.call(t.isvAdmin, 'POST', '/api/v1/orders', {
      customerGroupId: customer.id,
      items: [{ sku: product.sku, quantity: 1 }],
      containerKey: device.key.publicKey,
    });
    expect(keyOnly.statusCode).toBe(400);
    expect(keyOnly.json().field).toBe('containerKey');
  });
});
