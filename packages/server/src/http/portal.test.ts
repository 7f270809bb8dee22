import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '@tessera/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { createDatabase, type DatabaseHandle } from '../db/database.js';

const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

const appServing = async (
  portalDir: string | null,
): Promise<{ app: FastifyInstance; database: DatabaseHandle }> => {
  const database = await createDatabase({ dialect: 'sqlite', file: ':memory:' });
  const app = await buildApp({
    config: loadConfig({}),
    database,
    clock: fixedClock(new Date('2026-03-01T09:00:00.000Z')),
    portalDir,
  });
  return { app, database };
};

describe('serving the built portal', () => {
  let dir: string;
  let app: FastifyInstance;
  let database: DatabaseHandle;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-portal-dist-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Tessera</title><div id="root"></div>');
    writeFileSync(join(dir, 'assets', 'index-AbC123.js'), 'console.log(1)');
    ({ app, database } = await appServing(dir));
  });

  afterAll(async () => {
    await app.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers / with index.html, never cached, under a strict content security policy', async () => {
    const response = await app.inject({ method: 'GET', url: '/', headers: html });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<div id="root">');
    expect(response.headers['cache-control']).toBe('no-cache');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('same-origin');
  });

  it('serves hashed assets with a year-long immutable cache', async () => {
    const response = await app.inject({ method: 'GET', url: '/assets/index-AbC123.js' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('answers a deep link that accepts HTML with the app, so the router can take over', async () => {
    const response = await app.inject({ method: 'GET', url: '/my-tickets/ABCDE-FGHJK?x=1', headers: html });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<div id="root">');
    expect(response.headers['cache-control']).toBe('no-cache');
  });

  it('keeps problem+json 404s for unknown API paths, even when HTML is accepted', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/nothing-here', headers: html });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ code: 'route_not_found' });
  });

  it('answers a non-HTML request for an unknown path with a problem, not the app', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/favicon-missing.png',
      headers: { accept: 'image/png' },
    });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'route_not_found' });
  });

  it('leaves health, readiness and the API as they are', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz', headers: html })).json()).toEqual({
      status: 'ok',
    });
    const me = await app.inject({ method: 'GET', url: '/api/v1/me', headers: html });
    expect(me.statusCode).toBe(401);
    expect(me.headers['content-type']).toContain('application/problem+json');
  });
});

describe('without a built portal', () => {
  it('answers / and deep links with a page that says how to build it', async () => {
    const { app, database } = await appServing(join(tmpdir(), 'no-such-portal-dist'));
    try {
      for (const url of ['/', '/tickets']) {
        const response = await app.inject({ method: 'GET', url, headers: html });
        expect(response.statusCode).toBe(200);
        expect(response.body).toContain('npm run build');
        expect(response.headers['content-security-policy']).toBeDefined();
      }
      expect((await app.inject({ method: 'GET', url: '/api/v1/nope', headers: html })).statusCode).toBe(404);
    } finally {
      await app.close();
      await database.close();
    }
  });
});
