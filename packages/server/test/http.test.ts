// Cross-cutting HTTP behaviour: health, readiness, metrics, OpenAPI, request ids, problem+json for every
// failure, rate limiting, and a sweep over every documented route for anonymous callers.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '@tessera/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppConfig, buildApp } from '../src/app.js';
import { createDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { describeEachDatabase } from '../src/db/test-helper.js';
import { anonymous, useTestApp } from '../src/testing/test-app.js';

const appConfig = (overrides: Partial<AppConfig> = {}): AppConfig => ({
  publicUrl: 'http://central.test',
  session: { idleSeconds: 3600, maxAgeSeconds: 86_400 },
  trustProxy: false,
  metricsToken: null,
  loginRateLimitPerMinute: 1000,
  gatewayRateLimitPerMinute: 1000,
  ticketRateLimitPerMinute: 1000,
  ...overrides,
});

describeEachDatabase('HTTP conventions', (ctx) => {
  const t = useTestApp(ctx);

  it('answers /healthz and /readyz while the database is up', async () => {
    expect((await t.call(anonymous, 'GET', '/healthz')).json()).toEqual({ status: 'ok' });
    expect((await t.call(anonymous, 'GET', '/readyz')).json()).toEqual({ status: 'ok' });
  });

  it('honours a sane incoming x-request-id, replaces an unsafe one, and echoes it in problems', async () => {
    const kept = await t.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'lb-1234.abc' },
    });
    expect(kept.headers['x-request-id']).toBe('lb-1234.abc');
    const replaced = await t.app.inject({
      method: 'GET',
      url: '/nowhere',
      headers: { 'x-request-id': 'bad id\u0001<script>' },
    });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(replaced.json().requestId).toBe(replaced.headers['x-request-id']);
  });

  it('answers an unknown route with a problem+json 404', async () => {
    const res = await t.call(anonymous, 'GET', '/api/v1/nothing-here?x=1');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({
      type: 'https://tessera.dev/problems/route_not_found',
      title: 'Route not found',
      status: 404,
      instance: '/api/v1/nothing-here',
    });
  });

  it('answers malformed JSON and a wrong content type with problems, not stack traces', async () => {
    const broken = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"email":',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.headers['content-type']).toContain('application/problem+json');
    expect(broken.body).not.toContain('at ');
    const text = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/xml' },
      payload: '<login/>',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().type).toBe('https://tessera.dev/problems/unsupported_media_type');
  });

  it('names nested body fields with dots in validation problems', async () => {
    const res = await t.call(t.isvAdmin, 'POST', '/api/v1/api-tokens', {
      name: 'x',
      scopes: ['read', 'everything'],
    });
    expect(res.json()).toMatchObject({ field: 'scopes.1', errors: [{ field: 'scopes.1' }] });
  });

  it('serves Prometheus metrics to loopback clients: requests by route pattern, latency, pool gauges', async () => {
    const group = await t.aGroup();
    await t.call(t.isvAdmin, 'GET', `/api/v1/groups/${group.id}`);
    const res = await t.call(anonymous, 'GET', '/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('http_requests_total{method="GET",route="/api/v1/groups/:id",status="200"}');
    expect(res.body).toContain(
      'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/v1/groups/:id"}',
    );
    expect(res.body).toContain(`db_pool_connections{dialect="${ctx.dialect}"}`);
    expect(res.body).not.toContain(group.id);
  });

  it('refuses metrics to a remote client when no metrics token is configured', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.0.0.5' });
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('publishes an OpenAPI 3.1 document covering every /api/v1 route, and its UI', async () => {
    const doc = (await t.call(anonymous, 'GET', '/api/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations).toEqual(
      expect.arrayContaining([
        'POST /api/v1/auth/login',
        'POST /api/v1/auth/logout',
        'GET /api/v1/me',
        'GET /api/v1/groups',
        'POST /api/v1/groups',
        'PATCH /api/v1/groups/{id}',
        'DELETE /api/v1/groups/{id}',
        'POST /api/v1/users/{id}/disable',
        'POST /api/v1/memberships',
        'POST /api/v1/invitations/accept',
        'DELETE /api/v1/api-tokens/{id}',
        'GET /api/v1/audit-events',
        'GET /readyz',
      ]),
    );
    expect(doc.components.schemas).toHaveProperty('Problem');
    expect(doc.components.schemas).toHaveProperty('Group');
    const ui = await t.call(anonymous, 'GET', '/api/docs/');
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
  });

  it('refuses every non-public /api/v1 operation to an anonymous caller with 401', async () => {
    const doc = (await t.call(anonymous, 'GET', '/api/openapi.json')).json();
    const someId = '01890a5d-ac96-774b-bcce-b302099a8057';
    let checked = 0;
    for (const [path, ops] of Object.entries(
      doc.paths as Record<string, Record<string, { security?: unknown[] }>>,
    )) {
      if (!path.startsWith('/api/v1/')) continue;
      for (const [method, op] of Object.entries(ops)) {
        const url = path.replace(/\{[^}]+\}/g, someId);
        const res = await t.call(
          anonymous,
          method.toUpperCase(),
          url,
          method === 'get' || method === 'delete' ? undefined : {},
        );
        const isPublic = Array.isArray(op.security) && op.security.length === 0;
        expect({ route: `${method} ${path}`, status: res.statusCode }).toEqual({
          route: `${method} ${path}`,
          status: isPublic ? 400 : 401,
        });
        expect(res.headers['content-type']).toContain('application/problem+json');
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(25);
  });

  describe('with a metrics token and a small login rate limit', () => {
    let app: FastifyInstance;
    beforeAll(async () => {
      app = await buildApp({
        config: appConfig({ metricsToken: 'metrics-secret-0123456789', loginRateLimitPerMinute: 3 }),
        database: ctx.database,
        clock: fixedClock('2026-03-01T00:00:00Z'),
      });
    });
    afterAll(async () => {
      await app?.close();
    });

    it('requires the metrics token, even from loopback', async () => {
      expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(403);
      const ok = await app.inject({
        method: 'GET',
        url: '/metrics',
        remoteAddress: '10.0.0.5',
        headers: { authorization: 'Bearer metrics-secret-0123456789' },
      });
      expect(ok.statusCode).toBe(200);
    });

    it('rate-limits the login route per client address with a 429 problem', async () => {
      const attempt = () =>
        app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress: '10.7.7.7',
          payload: { email: 'x@example.test', password: 'nope' },
        });
      for (let i = 0; i < 3; i++) expect((await attempt()).statusCode).toBe(401);
      const limited = await attempt();
      expect(limited.statusCode).toBe(429);
      expect(limited.json().code).toBe('rate_limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    });
  });
});

describe('when the database is down', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    const database = await createDatabase({
      dialect: 'sqlite',
      file: join(mkdtempSync(join(tmpdir(), 'tessera-down-')), 'tessera.db'),
    });
    await migrateToLatest(database.db);
    await database.close();
    app = await buildApp({ config: appConfig(), database, clock: fixedClock('2026-03-01T00:00:00Z') });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers /readyz with a 503 problem while /healthz stays up', async () => {
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ type: 'https://tessera.dev/problems/not_ready', status: 503 });
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('turns an unexpected failure into a 500 internal_error that leaks no message or stack', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: 'Bearer tsr_x' },
    });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({
      type: 'https://tessera.dev/problems/internal_error',
      detail: 'An unexpected error occurred.',
    });
    expect(res.body).not.toMatch(/destroyed|driver|kysely|\.ts:|\.js:/i);
  });
});
