// `tessera agent` as a real process: answers allow-listed portal origins only, on loopback, and lets a page
// write contexts and import updates into the containers of this machine.

import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { openContext } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFirmKeyFiles, issueDevelopmentUpdate } from '../../src/vendor/dev-signer.js';
import { TESSERA_BIN, tempDir } from '../support/cli.js';

const PORTAL = 'http://portal.test:8080';

const call = (
  url: string,
  method: string,
  route: string,
  options: { origin?: string; body?: unknown; headers?: Record<string, string> } = {},
) =>
  new Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: Record<string, unknown>;
  }>((resolve, reject) => {
    const target = new URL(route, url);
    const req = request(
      target,
      {
        method,
        headers: {
          ...(options.origin ? { origin: options.origin } : {}),
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : {} }),
        );
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(JSON.stringify(options.body));
    req.end();
  });

describe('tessera agent', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  let agent: ChildProcess;
  let url: string;

  beforeAll(async () => {
    work = await tempDir('tessera-agent-');
    const factors = path.join(work.dir, 'factors.json');
    writeFileSync(
      factors,
      JSON.stringify({
        'machine-id': 'a',
        hostname: 'b',
        'mac-addresses': 'c',
        cpu: 'd',
        memory: '8',
        os: 'linux',
      }),
    );
    agent = spawn(process.execPath, [TESSERA_BIN, 'agent', '--port', '0', '--allow-origin', PORTAL], {
      env: {
        PATH: process.env.PATH ?? '',
        TESSERA_HOME: path.join(work.dir, 'home'),
        TESSERA_MACHINE_FACTORS: factors,
      },
    });
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`agent did not start: ${out}`)), 15_000);
      agent.stdout?.on('data', (chunk) => {
        out += chunk;
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      agent.once('exit', () => reject(new Error(`agent exited: ${out}`)));
    });
  });

  afterAll(async () => {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((resolve) => agent.once('exit', resolve));
      agent.kill('SIGTERM');
      await exited;
    }
    await work.cleanup();
  });

  it('refuses pages from other origins and requests without an origin', async () => {
    const stranger = await call(url, 'GET', '/v1/status', { origin: 'https://evil.example' });
    expect(stranger.status).toBe(403);
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
    expect((await call(url, 'GET', '/v1/status')).status).toBe(403);
  });

  it('answers the browser’s preflight, including Private Network Access, for the allowed origin', async () => {
    const preflight = await call(url, 'OPTIONS', '/v1/context', {
      origin: PORTAL,
      headers: { 'access-control-request-method': 'POST', 'access-control-request-private-network': 'true' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(PORTAL);
    expect(preflight.headers['access-control-allow-private-network']).toBe('true');
  });

  it('creates a container, writes its context and imports an update for it', async () => {
    const created = await call(url, 'POST', '/v1/containers', { origin: PORTAL, body: { type: 'machine' } });
    expect(created.status).toBe(200);
    const serial = created.body.serial as string;
    expect((await call(url, 'GET', '/v1/containers', { origin: PORTAL })).body).toMatchObject([
      { serial, type: 'machine', openable: true },
    ]);
    const context = await call(url, 'POST', '/v1/context', {
      origin: PORTAL,
      body: { serial, firmCodes: [6000010] },
    });
    expect(context.status).toBe(200);
    expect(openContext(context.body.context as string).context.serial).toBe(serial);
    const keys = generateFirmKeyFiles(6_000_010);
    const { update } = issueDevelopmentUpdate({
      keyFile: keys.privateKeyFile,
      context: context.body.context as string,
      productCode: 7,
      clock: { now: () => new Date() },
    });
    const imported = await call(url, 'POST', '/v1/import', {
      origin: PORTAL,
      body: { update, expectedNonce: context.body.nonce },
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    expect(imported.body).toMatchObject({ serial, firmCode: 6000010, fromFuc: 0, toFuc: 1 });
    const replay = await call(url, 'POST', '/v1/import', { origin: PORTAL, body: { update } });
    expect(replay.status).toBe(400);
    expect(replay.body).toMatchObject({ error: { code: 'update_already_applied' } });
    expect((await call(url, 'GET', '/v1/status', { origin: PORTAL })).body).toMatchObject({
      version: 1,
      containers: 1,
    });
  });

  it('answers bad input with a clear error', async () => {
    const missing = await call(url, 'POST', '/v1/context', { origin: PORTAL, body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: { code: 'invalid_input' } });
    const unknown = await call(url, 'POST', '/v1/context', {
      origin: PORTAL,
      body: { serial: '130-123456789' },
    });
    expect(unknown.status).toBe(404);
    expect((await call(url, 'GET', '/v1/nothing', { origin: PORTAL })).status).toBe(404);
  });
});
