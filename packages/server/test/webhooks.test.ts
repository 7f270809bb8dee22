// Webhooks on both databases: subscriptions over HTTP (secret shown once, stored sealed), and delivery by the
// worker to a real HTTP receiver on 127.0.0.1 that verifies every signature — retries with back-off driven by
// the test clock, pausing, pings, redelivery, secret rotation, leases, and two workers sharing the queue.

import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../src/db/test-helper.js';
import { inTransaction } from '../src/db/transaction.js';
import { createEventSink, type EventType } from '../src/modules/events/service.js';
import { claimDueDeliveries } from '../src/modules/webhooks/repository.js';
import { verifySignature } from '../src/modules/webhooks/signature.js';
import { createWebhookWorker, type WebhookWorkerOptions } from '../src/modules/webhooks/worker.js';
import { type Actor, anonymous, useTestApp } from '../src/testing/test-app.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  json: {
    id: string;
    type: string;
    occurredAt: string;
    subject: { type: string; id: string | null };
    data: Record<string, unknown>;
  };
}

type Answer = (request: Received, count: number) => number | Promise<number> | 'hang';

const closers: (() => Promise<void>)[] = [];

/** A webhook receiver on 127.0.0.1 (a free port) that records requests and answers with `answer`. */
const aReceiver = async (answer: Answer = () => 200) => {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', async () => {
      const entry: Received = { headers: request.headers, body, json: JSON.parse(body) };
      received.push(entry);
      const status = await answer(entry, received.length);
      if (status === 'hang') return;
      response.writeHead(status, status === 302 ? { location: 'http://127.0.0.1:9/elsewhere' } : {});
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  closers.push(close);
  return { url: `http://127.0.0.1:${port}/hooks`, received, close };
};

describeEachDatabase('webhooks', (ctx) => {
  const t = useTestApp(ctx);
  const db = () => ctx.database.db;
  const sink = createEventSink(t.clock);
  // A token, not a session: these tests move the clock by days, past any session's lifetime.
  let admin: Actor = anonymous;
  beforeAll(async () => {
    admin = await t.tokenFor(t.isvAdmin.user, ['admin']);
  });

  afterEach(async () => {
    while (closers.length > 0) await closers.pop()?.();
    // Each test starts with an empty queue: deliveries of earlier tests must not reach this test's receivers.
    await db().deleteFrom('webhook_deliveries').execute();
    await db().deleteFrom('webhook_subscriptions').execute();
  });

  const aWorker = (options: Partial<WebhookWorkerOptions> = {}) =>
    createWebhookWorker({
      db: db(),
      dialect: ctx.dialect,
      clock: t.clock,
      masterKeys: t.masterKeys,
      random: () => 0.5,
      timeoutMs: 2000,
      ...options,
    });

  const subscribe = async (
    url: string,
    events: EventType[] = ['license.activated'],
    actor: Actor = admin,
  ): Promise<{ id: string; secret: string }> => {
    const res = await t.call(actor, 'POST', '/api/v1/webhooks', { url, events, description: 'ERP' });
    expect(res.statusCode, res.body).toBe(201);
    return { id: res.json().webhook.id, secret: res.json().secret };
  };

  const emit = (type: EventType, data: Record<string, unknown> = {}) =>
    inTransaction(db(), (trx) =>
      sink.emit(trx, { type, subject: { type: 'license', id: 'L-1' }, groupPath: null, data }),
    );

  const deliveries = async (webhookId: string, query = '') => {
    const res = await t.call(admin, 'GET', `/api/v1/webhooks/${webhookId}/deliveries${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items as Record<string, unknown>[];
  };

  const nowSeconds = () => Math.floor(t.clock.now().getTime() / 1000);

  describe('subscriptions', () => {
    it('creates a subscription and shows its whsec_ secret once; reads never show it', async () => {
      const created = await t.call(admin, 'POST', '/api/v1/webhooks', {
        url: 'https://erp.example.com/tessera',
        events: ['license.activated', 'ticket.created', 'license.activated'],
        description: 'ERP sync',
      });
      expect(created.statusCode).toBe(201);
      const { webhook, secret } = created.json();
      expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      expect(webhook).toEqual({
        id: expect.any(String),
        url: 'https://erp.example.com/tessera',
        description: 'ERP sync',
        events: ['license.activated', 'ticket.created'],
        active: true,
        createdBy: t.isvAdmin.user.id,
        createdAt: t.clock.now().toISOString(),
        updatedAt: t.clock.now().toISOString(),
        previousSecretExpiresAt: null,
      });
      const one = await t.call(admin, 'GET', `/api/v1/webhooks/${webhook.id}`);
      expect(one.json()).toEqual(webhook);
      expect(one.body).not.toContain(secret);
      const list = await t.call(admin, 'GET', '/api/v1/webhooks');
      expect(list.body).not.toContain(secret);
      const row = await db()
        .selectFrom('webhook_subscriptions')
        .select('secret_sealed')
        .where('id', '=', webhook.id)
        .executeTakeFirstOrThrow();
      expect(row.secret_sealed).toMatch(/^ms1\./);
      expect(row.secret_sealed).not.toContain(secret.slice(6));
      const audit = await t.call(admin, 'GET', `/api/v1/audit-events?subjectId=${webhook.id}`);
      expect(audit.json().items[0]).toMatchObject({ action: 'webhook.created' });
      expect(audit.body).not.toContain(secret);
    });

    it('lists subscriptions oldest first across pages, changes and deletes them', async () => {
      const ids: string[] = [];
      for (const n of [1, 2, 3]) ids.push((await subscribe(`https://erp${n}.example.com/h`)).id);
      const first = (await t.call(admin, 'GET', '/api/v1/webhooks?limit=2')).json();
      const second = (
        await t.call(admin, 'GET', `/api/v1/webhooks?limit=2&cursor=${first.nextCursor}`)
      ).json();
      expect([...first.items, ...second.items].map((w: { id: string }) => w.id)).toEqual(ids);
      expect(second.nextCursor).toBeNull();

      t.clock.advance(1000);
      const patched = await t.call(admin, 'PATCH', `/api/v1/webhooks/${ids[0]}`, {
        url: 'http://erp.internal/hooks',
        events: ['container.blacklisted'],
        active: false,
        description: 'paused for maintenance',
      });
      expect(patched.statusCode).toBe(200);
      expect(patched.json()).toMatchObject({
        url: 'http://erp.internal/hooks',
        events: ['container.blacklisted'],
        active: false,
        description: 'paused for maintenance',
        updatedAt: t.clock.now().toISOString(),
      });
      const removed = await t.call(admin, 'DELETE', `/api/v1/webhooks/${ids[1]}`);
      expect(removed.statusCode).toBe(204);
      expect((await t.call(admin, 'GET', `/api/v1/webhooks/${ids[1]}`)).statusCode).toBe(404);
      expect((await t.call(admin, 'DELETE', `/api/v1/webhooks/${ids[1]}`)).json().code).toBe(
        'webhook_not_found',
      );
    });

    it('refuses invalid input with a 400 naming the field', async () => {
      const { id } = await subscribe('https://erp.example.com/h');
      const cases: [string, string, unknown, string][] = [
        [
          'POST',
          '/api/v1/webhooks',
          { url: 'http://erp.example.com/h', events: ['license.activated'] },
          'url',
        ],
        [
          'POST',
          '/api/v1/webhooks',
          { url: 'https://u:p@erp.example.com/h', events: ['ticket.created'] },
          'url',
        ],
        ['POST', '/api/v1/webhooks', { url: 'http://169.254.169.254/', events: ['ticket.created'] }, 'url'],
        [
          'POST',
          '/api/v1/webhooks',
          { url: 'https://erp.example.com', events: ['license.exploded'] },
          'events.0',
        ],
        ['POST', '/api/v1/webhooks', { url: 'https://erp.example.com', events: [] }, 'events'],
        ['POST', '/api/v1/webhooks', { events: ['ticket.created'] }, 'url'],
        ['PATCH', `/api/v1/webhooks/${id}`, {}, 'body'],
        ['PATCH', `/api/v1/webhooks/${id}`, { url: 'ftp://erp.example.com' }, 'url'],
        ['PATCH', `/api/v1/webhooks/${id}`, { active: 'yes' }, 'active'],
        ['PATCH', '/api/v1/webhooks/not-an-id', { active: true }, 'id'],
        ['POST', `/api/v1/webhooks/${id}/rotate-secret`, { graceSeconds: -1 }, 'graceSeconds'],
        ['POST', `/api/v1/webhooks/${id}/rotate-secret`, { graceSeconds: 604_801 }, 'graceSeconds'],
        ['POST', '/api/v1/webhooks/42/ping', undefined, 'id'],
        ['GET', `/api/v1/webhooks/${id}/deliveries?status=lost`, undefined, 'status'],
        ['GET', '/api/v1/webhooks?limit=0', undefined, 'limit'],
        ['POST', '/api/v1/webhook-deliveries/x/redeliver', undefined, 'id'],
        ['GET', '/api/v1/webhooks/nope', undefined, 'id'],
        ['DELETE', '/api/v1/webhooks/nope', undefined, 'id'],
      ];
      for (const [method, url, body, field] of cases) {
        const res = await t.call(admin, method, url, body);
        expect({ method, url, status: res.statusCode, field: res.json().field }).toEqual({
          method,
          url,
          status: 400,
          field,
        });
      }
    });

    it('answers an unknown subscription or delivery with 404', async () => {
      const unknown = '01890a5d-ac96-774b-bcce-b302099a8057';
      for (const [method, url] of [
        ['GET', `/api/v1/webhooks/${unknown}`],
        ['PATCH', `/api/v1/webhooks/${unknown}`],
        ['DELETE', `/api/v1/webhooks/${unknown}`],
        ['POST', `/api/v1/webhooks/${unknown}/rotate-secret`],
        ['POST', `/api/v1/webhooks/${unknown}/ping`],
        ['GET', `/api/v1/webhooks/${unknown}/deliveries`],
        ['POST', `/api/v1/webhook-deliveries/${unknown}/redeliver`],
      ] as const) {
        const res = await t.call(admin, method, url, method === 'PATCH' ? { active: true } : undefined);
        expect({ url, status: res.statusCode }).toEqual({ url, status: 404 });
      }
    });
  });

  describe('authorization', () => {
    const routes = (webhookId: string, deliveryId: string): [string, string, unknown][] => [
      ['POST', '/api/v1/webhooks', { url: 'https://erp.example.com/h', events: ['ticket.created'] }],
      ['GET', '/api/v1/webhooks', undefined],
      ['GET', `/api/v1/webhooks/${webhookId}`, undefined],
      ['PATCH', `/api/v1/webhooks/${webhookId}`, { description: 'x' }],
      ['POST', `/api/v1/webhooks/${webhookId}/rotate-secret`, {}],
      ['POST', `/api/v1/webhooks/${webhookId}/ping`, undefined],
      ['GET', `/api/v1/webhooks/${webhookId}/deliveries`, undefined],
      ['POST', `/api/v1/webhook-deliveries/${deliveryId}/redeliver`, undefined],
      ['DELETE', `/api/v1/webhooks/${webhookId}`, undefined],
    ];

    const fixture = async () => {
      const { id } = await subscribe('https://erp.example.com/h');
      const ping = await t.call(admin, 'POST', `/api/v1/webhooks/${id}/ping`);
      return { webhookId: id, deliveryId: ping.json().id as string };
    };

    it('lets an ISV admin in by session and by an admin-scoped token', async () => {
      const token = await t.tokenFor(t.isvAdmin.user, ['admin']);
      for (const actor of [await t.sessionFor(t.isvAdmin.user), token]) {
        const { webhookId, deliveryId } = await fixture();
        for (const [method, url, body] of routes(webhookId, deliveryId)) {
          const res = await t.call(actor, method, url, body);
          expect({ method, url, status: res.statusCode }).toEqual({
            method,
            url,
            status: {
              POST: url.endsWith('/webhooks') ? 201 : url.includes('rotate') ? 200 : 202,
              GET: 200,
              PATCH: 200,
              DELETE: 204,
            }[method],
          });
        }
      }
    });

    it('refuses anonymous callers (401), group admins and members (403) and tokens without admin scope (403)', async () => {
      const { webhookId, deliveryId } = await fixture();
      const reseller = await t.aGroup({ kind: 'reseller' });
      const groupAdmin = await t.anAdminOf(reseller);
      const member = await t.aMemberOf(t.root);
      const writer = await t.tokenFor(t.isvAdmin.user, ['read', 'write']);
      for (const [method, url, body] of routes(webhookId, deliveryId)) {
        expect((await t.call(anonymous, method, url, body)).statusCode, `${method} ${url}`).toBe(401);
        for (const actor of [groupAdmin, member]) {
          const res = await t.call(actor, method, url, body);
          expect({ url, status: res.statusCode, code: res.json().code }).toEqual({
            url,
            status: 403,
            code: 'forbidden',
          });
        }
        const scoped = await t.call(writer, method, url, body);
        expect({ url, code: scoped.json().code }).toEqual({ url, code: 'insufficient_scope' });
      }
      // Nothing changed.
      expect((await t.call(admin, 'GET', `/api/v1/webhooks/${webhookId}`)).json().description).toBe('ERP');
    });

    it('refuses a cookie session write without its CSRF token', async () => {
      const res = await t.call(
        (await t.sessionFor(t.isvAdmin.user)).withoutCsrf?.() ?? anonymous,
        'POST',
        '/api/v1/webhooks',
        {
          url: 'https://erp.example.com/h',
          events: ['ticket.created'],
        },
      );
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('csrf_token_invalid');
    });
  });

  describe('delivery', () => {
    it('POSTs the event to a real receiver with headers and a signature the receiver verifies', async () => {
      const receiver = await aReceiver();
      const { id, secret } = await subscribe(receiver.url);
      const eventId = await emit('license.activated', { licenseId: 'L-1', serial: '130-1', generation: 1 });
      const result = await aWorker().runOnce();
      expect(result).toEqual({ attempted: 1, delivered: 1, failed: 0 });

      const [request] = receiver.received;
      if (!request) throw new Error('the receiver got nothing');
      const [delivery] = await deliveries(id);
      expect(request.headers).toMatchObject({
        'content-type': 'application/json',
        'tessera-event-id': eventId,
        'tessera-event-type': 'license.activated',
        'tessera-delivery-id': delivery?.id,
      });
      expect(request.json).toEqual({
        id: eventId,
        type: 'license.activated',
        occurredAt: t.clock.now().toISOString(),
        subject: { type: 'license', id: 'L-1' },
        data: { licenseId: 'L-1', serial: '130-1', generation: 1 },
      });
      const header = String(request.headers['tessera-signature']);
      expect(header).toMatch(new RegExp(`^t=${nowSeconds()},v1=[0-9a-f]{64}$`));
      expect(verifySignature({ header, body: request.body, secret, nowSeconds: nowSeconds() })).toEqual({
        valid: true,
        timestamp: nowSeconds(),
      });
      // The same delivery checked with a wrong secret, or a re-serialised body, fails.
      expect(
        verifySignature({ header, body: request.body, secret: `${secret}x`, nowSeconds: nowSeconds() }).valid,
      ).toBe(false);
      expect(
        verifySignature({
          header,
          body: JSON.stringify(request.json, null, 2),
          secret,
          nowSeconds: nowSeconds(),
        }).valid,
      ).toBe(false);
      expect(delivery).toEqual({
        id: expect.any(String),
        webhookId: id,
        eventId,
        eventType: 'license.activated',
        status: 'delivered',
        attempts: 1,
        lastAttemptAt: t.clock.now().toISOString(),
        lastStatus: 200,
        lastError: null,
        nextAttemptAt: null,
        deliveredAt: t.clock.now().toISOString(),
        createdAt: t.clock.now().toISOString(),
      });
      expect(await aWorker().runOnce()).toEqual({ attempted: 0, delivered: 0, failed: 0 });
    });

    it('delivers only the event types a subscription listens to, and nothing to paused subscriptions', async () => {
      const activations = await aReceiver();
      const tickets = await aReceiver();
      const paused = await aReceiver();
      await subscribe(activations.url, ['license.activated']);
      await subscribe(tickets.url, ['ticket.created', 'license.returned']);
      const pausedHook = await subscribe(paused.url, ['license.activated']);
      await t.call(admin, 'PATCH', `/api/v1/webhooks/${pausedHook.id}`, { active: false });
      await emit('license.activated');
      await emit('container.blacklisted');
      expect(await aWorker().runOnce()).toMatchObject({ attempted: 1, delivered: 1 });
      expect(activations.received.map((r) => r.json.type)).toEqual(['license.activated']);
      expect(tickets.received).toEqual([]);
      expect(paused.received).toEqual([]);
    });

    it('keeps an event in the outbox only when a subscription receives it', async () => {
      const receiver = await aReceiver();
      const outbox = async (id: string) =>
        db().selectFrom('events').select('id').where('id', '=', id).execute();
      const unheard = await emit('license.returned');
      const hook = await subscribe(receiver.url, ['license.returned']);
      const heard = await emit('license.returned');
      expect(await outbox(unheard)).toEqual([]);
      expect(await outbox(heard)).toEqual([{ id: heard }]);
      expect((await deliveries(hook.id)).map((d) => d.eventId)).toEqual([heard]);
    });

    it('holds a paused subscription’s queued deliveries until it is resumed', async () => {
      const receiver = await aReceiver();
      const { id } = await subscribe(receiver.url);
      await emit('license.activated');
      await t.call(admin, 'PATCH', `/api/v1/webhooks/${id}`, { active: false });
      expect((await aWorker().runOnce()).attempted).toBe(0);
      expect(await deliveries(id)).toMatchObject([{ status: 'pending', attempts: 0 }]);
      await t.call(admin, 'PATCH', `/api/v1/webhooks/${id}`, { active: true });
      expect(await aWorker().runOnce()).toMatchObject({ attempted: 1, delivered: 1 });
    });

    it('retries a 500 after 30 s and records the delivery when the receiver recovers', async () => {
      const receiver = await aReceiver((_request, count) => (count === 1 ? 500 : 200));
      const { id } = await subscribe(receiver.url);
      await emit('license.activated');
      const worker = aWorker();
      const started = t.clock.now().getTime();
      expect(await worker.runOnce()).toEqual({ attempted: 1, delivered: 0, failed: 1 });
      expect(await deliveries(id)).toMatchObject([
        {
          status: 'pending',
          attempts: 1,
          lastStatus: 500,
          lastError: 'HTTP 500',
          nextAttemptAt: new Date(started + 30_000).toISOString(),
          deliveredAt: null,
        },
      ]);
      t.clock.advance(29_999);
      expect((await worker.runOnce()).attempted).toBe(0);
      t.clock.advance(1);
      expect(await worker.runOnce()).toEqual({ attempted: 1, delivered: 1, failed: 0 });
      expect(receiver.received).toHaveLength(2);
      expect(receiver.received[1]?.headers['tessera-event-id']).toBe(
        receiver.received[0]?.headers['tessera-event-id'],
      );
      expect(await deliveries(id)).toMatchObject([
        { status: 'delivered', attempts: 2, lastStatus: 200, lastError: null, nextAttemptAt: null },
      ]);
    });

    it('backs off exponentially with jitter and gives up after the last attempt', async () => {
      const receiver = await aReceiver(() => 503);
      const { id } = await subscribe(receiver.url);
      await emit('license.activated');
      const jitter = [0, 0.999_999, 0.5];
      const worker = aWorker({ maxAttempts: 4, random: () => jitter.shift() ?? 0.5 });
      const delays: number[] = [];
      for (let attempt = 1; attempt <= 4; attempt++) {
        const before = t.clock.now().getTime();
        expect((await worker.runOnce()).failed, `attempt ${attempt}`).toBe(1);
        const [delivery] = await deliveries(id);
        if (attempt < 4) {
          expect(delivery).toMatchObject({ status: 'pending', attempts: attempt });
          const next = Date.parse(String(delivery?.nextAttemptAt));
          delays.push(next - before);
          t.clock.set(next);
        } else {
          expect(delivery).toMatchObject({
            status: 'failed',
            attempts: 4,
            nextAttemptAt: null,
            lastStatus: 503,
          });
        }
      }
      // 30 s − 10 %, 60 s + 10 %, 120 s exactly.
      expect(delays).toEqual([27_000, 66_000, 120_000]);
      t.clock.advance(24 * 3600_000);
      expect((await worker.runOnce()).attempted).toBe(0);
      expect(receiver.received).toHaveLength(4);
      expect(await deliveries(id, '?status=failed')).toHaveLength(1);
      expect(await deliveries(id, '?status=pending')).toHaveLength(0);
    });

    it('counts a timeout, a refused connection and a redirect as failed attempts', async () => {
      const hanging = await aReceiver(() => 'hang');
      const redirecting = await aReceiver(() => 302);
      const closed = await aReceiver();
      await closed.close();
      const hooks = [
        await subscribe(hanging.url),
        await subscribe(redirecting.url),
        await subscribe(closed.url),
      ];
      await emit('license.activated');
      expect(await aWorker({ timeoutMs: 300 }).runOnce()).toEqual({ attempted: 3, delivered: 0, failed: 3 });
      const [timedOut, redirected, refused] = await Promise.all(
        hooks.map(async (h) => (await deliveries(h.id))[0]),
      );
      expect(timedOut).toMatchObject({
        status: 'pending',
        lastStatus: null,
        lastError: 'timeout: no answer within 300 ms',
      });
      expect(redirected).toMatchObject({ status: 'pending', lastStatus: 302, lastError: 'HTTP 302' });
      expect(refused).toMatchObject({ status: 'pending', lastStatus: null });
      expect(String(refused?.lastError)).toMatch(/^network error: .*ECONNREFUSED/);
    });

    it('keeps at most 500 characters of an error', async () => {
      const { id } = await subscribe('https://erp.example.com/h');
      await emit('license.activated');
      const failing: typeof fetch = async () => {
        throw new Error('x'.repeat(2000));
      };
      await aWorker({ fetch: failing }).runOnce();
      const [delivery] = await deliveries(id);
      expect(String(delivery?.lastError)).toHaveLength(500);
      expect(String(delivery?.lastError).endsWith('…')).toBe(true);
    });

    it('takes over the delivery of a worker that died mid-attempt once its lease has run out', async () => {
      const receiver = await aReceiver();
      const { id } = await subscribe(receiver.url);
      await emit('license.activated');
      const now = t.clock.now();
      // A worker claims the delivery and dies before recording anything.
      const claimed = await inTransaction(db(), (trx) =>
        claimDueDeliveries(trx, {
          now: now.toISOString(),
          leaseUntil: new Date(now.getTime() + 70_000).toISOString(),
          limit: 10,
          lockRows: ctx.dialect === 'postgres',
        }),
      );
      expect(claimed).toHaveLength(1);
      const worker = aWorker({ leaseMs: 70_000 });
      expect((await worker.runOnce()).attempted).toBe(0);
      t.clock.advance(70_000);
      expect(await worker.runOnce()).toMatchObject({ attempted: 1, delivered: 1 });
      expect(await deliveries(id)).toMatchObject([{ status: 'delivered', attempts: 2 }]);
    });

    it('stop() waits for the deliveries in flight', async () => {
      let arrived: () => void = () => {};
      const arrival = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      const receiver = await aReceiver(async () => {
        arrived();
        await new Promise((resolve) => setTimeout(resolve, 150));
        return 204;
      });
      const { id } = await subscribe(receiver.url);
      await emit('license.activated');
      const worker = aWorker();
      worker.start(10);
      await arrival;
      await worker.stop();
      expect(await deliveries(id)).toMatchObject([{ status: 'delivered', lastStatus: 204 }]);
    });
  });

  it('stop({ abortAfterMs }) aborts a request that hangs and records it as a failed attempt', async () => {
    const receiver = await aReceiver(() => 'hang');
    const { id } = await subscribe(receiver.url);
    await emit('license.activated');
    const worker = aWorker({ timeoutMs: 60_000 });
    worker.start(10);
    while (receiver.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await worker.stop({ abortAfterMs: 20 });
    expect(await deliveries(id)).toMatchObject([
      {
        status: 'pending',
        attempts: 1,
        lastError: 'aborted: the worker stopped before the receiver answered',
        nextAttemptAt: new Date(t.clock.now().getTime() + 30_000).toISOString(),
      },
    ]);
  });

  describe('ping, redelivery and the delivery log', () => {
    it('pings a subscription with a webhook.ping event only it receives', async () => {
      const receiver = await aReceiver();
      const bystander = await aReceiver();
      const { id, secret } = await subscribe(receiver.url, ['ticket.created']);
      await subscribe(bystander.url, ['ticket.created', 'license.activated']);
      const ping = await t.call(admin, 'POST', `/api/v1/webhooks/${id}/ping`);
      expect(ping.statusCode).toBe(202);
      expect(ping.json()).toMatchObject({
        webhookId: id,
        eventType: 'webhook.ping',
        status: 'pending',
        attempts: 0,
      });
      await aWorker().runOnce();
      expect(receiver.received.map((r) => r.json)).toEqual([
        {
          id: ping.json().eventId,
          type: 'webhook.ping',
          occurredAt: t.clock.now().toISOString(),
          subject: { type: 'webhook', id },
          data: { webhookId: id, url: receiver.url },
        },
      ]);
      const [request] = receiver.received;
      expect(
        verifySignature({
          header: String(request?.headers['tessera-signature']),
          body: request?.body ?? '',
          secret,
          nowSeconds: nowSeconds(),
        }).valid,
      ).toBe(true);
      expect(bystander.received).toEqual([]);
    });

    it('refuses to ping a paused subscription with 409', async () => {
      const { id } = await subscribe('https://erp.example.com/h');
      await t.call(admin, 'PATCH', `/api/v1/webhooks/${id}`, { active: false });
      const res = await t.call(admin, 'POST', `/api/v1/webhooks/${id}/ping`);
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('webhook_inactive');
    });

    it('redelivers a delivered or failed delivery with a fresh attempt budget', async () => {
      const receiver = await aReceiver();
      const { id } = await subscribe(receiver.url);
      await emit('license.activated');
      await aWorker().runOnce();
      const [delivered] = await deliveries(id);
      t.clock.advance(60_000);
      const res = await t.call(admin, 'POST', `/api/v1/webhook-deliveries/${delivered?.id}/redeliver`);
      expect(res.statusCode).toBe(202);
      expect(res.json()).toMatchObject({
        id: delivered?.id,
        status: 'pending',
        attempts: 0,
        deliveredAt: null,
        nextAttemptAt: t.clock.now().toISOString(),
      });
      await aWorker().runOnce();
      expect(receiver.received.map((r) => r.headers['tessera-delivery-id'])).toEqual([
        delivered?.id,
        delivered?.id,
      ]);
      expect(await deliveries(id)).toMatchObject([{ status: 'delivered', attempts: 1 }]);
      const audit = (await t.call(admin, 'GET', `/api/v1/audit-events?subjectId=${id}`)).json();
      expect(audit.items[0]).toMatchObject({
        action: 'webhook_delivery.redelivered',
        data: { deliveryId: delivered?.id, previousStatus: 'delivered', previousAttempts: 1 },
      });
    });

    it('pages the delivery log newest first and filters it by status', async () => {
      const receiver = await aReceiver((request) => (request.json.data.n === 2 ? 500 : 200));
      const { id } = await subscribe(receiver.url);
      for (const n of [1, 2, 3]) await emit('license.activated', { n });
      await aWorker().runOnce();
      const first = (await t.call(admin, 'GET', `/api/v1/webhooks/${id}/deliveries?limit=2`)).json();
      const rest = (
        await t.call(admin, 'GET', `/api/v1/webhooks/${id}/deliveries?limit=2&cursor=${first.nextCursor}`)
      ).json();
      const all = [...first.items, ...rest.items];
      expect(all).toHaveLength(3);
      expect(all.map((d: { id: string }) => d.id)).toEqual(
        all
          .map((d: { id: string }) => d.id)
          .sort()
          .reverse(),
      );
      expect(await deliveries(id, '?status=pending')).toMatchObject([{ lastStatus: 500 }]);
      expect(await deliveries(id, '?status=delivered')).toHaveLength(2);
    });

    it('deleting a subscription drops its queue and log', async () => {
      const receiver = await aReceiver();
      const { id } = await subscribe(receiver.url);
      await emit('license.activated');
      expect((await t.call(admin, 'DELETE', `/api/v1/webhooks/${id}`)).statusCode).toBe(204);
      expect((await aWorker().runOnce()).attempted).toBe(0);
      expect((await t.call(admin, 'GET', `/api/v1/webhooks/${id}/deliveries`)).statusCode).toBe(404);
    });
  });

  describe('secret rotation', () => {
    it('shows a new secret once and signs with both secrets during the grace period', async () => {
      const receiver = await aReceiver();
      const { id, secret: old } = await subscribe(receiver.url);
      const rotated = await t.call(admin, 'POST', `/api/v1/webhooks/${id}/rotate-secret`, {
        graceSeconds: 3600,
      });
      expect(rotated.statusCode).toBe(200);
      const fresh: string = rotated.json().secret;
      expect(fresh).toMatch(/^whsec_/);
      expect(fresh).not.toBe(old);
      expect(rotated.json().webhook.previousSecretExpiresAt).toBe(
        new Date(t.clock.now().getTime() + 3600_000).toISOString(),
      );

      await emit('license.activated');
      await aWorker().runOnce();
      const during = receiver.received[0];
      const header = String(during?.headers['tessera-signature']);
      expect(header.match(/v1=/g)).toHaveLength(2);
      for (const secret of [fresh, old]) {
        expect(
          verifySignature({ header, body: during?.body ?? '', secret, nowSeconds: nowSeconds() }).valid,
        ).toBe(true);
      }

      t.clock.advance(3600_000);
      await emit('license.activated');
      await aWorker().runOnce();
      const after = receiver.received[1];
      const afterHeader = String(after?.headers['tessera-signature']);
      expect(afterHeader.match(/v1=/g)).toHaveLength(1);
      expect(
        verifySignature({
          header: afterHeader,
          body: after?.body ?? '',
          secret: fresh,
          nowSeconds: nowSeconds(),
        }).valid,
      ).toBe(true);
      expect(
        verifySignature({
          header: afterHeader,
          body: after?.body ?? '',
          secret: old,
          nowSeconds: nowSeconds(),
        }).valid,
      ).toBe(false);
    });

    it('retires the old secret at once with graceSeconds 0, and defaults to a 24 h grace', async () => {
      const receiver = await aReceiver();
      const { id, secret: old } = await subscribe(receiver.url);
      const immediate = await t.call(admin, 'POST', `/api/v1/webhooks/${id}/rotate-secret`, {
        graceSeconds: 0,
      });
      expect(immediate.json().webhook.previousSecretExpiresAt).toBeNull();
      await emit('license.activated');
      await aWorker().runOnce();
      const request = receiver.received[0];
      const header = String(request?.headers['tessera-signature']);
      expect(
        verifySignature({ header, body: request?.body ?? '', secret: old, nowSeconds: nowSeconds() }).valid,
      ).toBe(false);
      expect(
        verifySignature({
          header,
          body: request?.body ?? '',
          secret: immediate.json().secret,
          nowSeconds: nowSeconds(),
        }).valid,
      ).toBe(true);
      const byDefault = await t.call(admin, 'POST', `/api/v1/webhooks/${id}/rotate-secret`);
      expect(byDefault.statusCode).toBe(200);
      expect(byDefault.json().webhook.previousSecretExpiresAt).toBe(
        new Date(t.clock.now().getTime() + 24 * 3600_000).toISOString(),
      );
    });
  });

  describe('two workers on one queue', () => {
    it('deliver each event exactly once when they run concurrently', async () => {
      const seen = new Map<string, number>();
      const receiver = await aReceiver(async (request) => {
        seen.set(request.json.id, (seen.get(request.json.id) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, 2));
        return 200;
      });
      const { secret } = await subscribe(receiver.url);
      const ids: string[] = [];
      for (let i = 0; i < 60; i++) ids.push(await emit('license.activated', { i }));
      const workers = [aWorker({ batchSize: 4 }), aWorker({ batchSize: 4 })];
      const totals = [0, 0];
      for (let round = 0; round < 60; round++) {
        const results = await Promise.all(workers.map((worker) => worker.runOnce()));
        results.forEach((result, i) => {
          totals[i] = (totals[i] ?? 0) + result.delivered;
        });
        if (results.every((result) => result.attempted === 0)) break;
      }
      expect([...seen.keys()].sort()).toEqual([...ids].sort());
      expect([...seen.values()].every((count) => count === 1)).toBe(true);
      expect((totals[0] ?? 0) + (totals[1] ?? 0)).toBe(60);
      if (ctx.dialect === 'postgres') {
        // Both workers took part: their claims interleaved instead of one waiting for the other.
        expect(totals.every((total) => total > 0)).toBe(true);
      }
      for (const request of receiver.received) {
        expect(
          verifySignature({
            header: String(request.headers['tessera-signature']),
            body: request.body,
            secret,
            nowSeconds: nowSeconds(),
          }).valid,
        ).toBe(true);
      }
    });
  });
});
