// End to end through the real interfaces, on SQLite and on PostgreSQL: the built Central as a process, the
// real `tessera` binary, the SDK. A product is ordered through the generic connector; the customer
// activates it online, the vendor's software finds it usable; it is returned, activated into a second
// container, reported lost and reactivated as generation 2; the "lost" container loses it at its next contact.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open } from '@tessera/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type Central, startCentral } from './support/central-process.js';

const TESSERA = fileURLToPath(new URL('../../runtime/bin/tessera.js', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json: <T = Record<string, unknown>>() => T;
}

const dialects: ('sqlite' | 'postgres')[] = [
  'sqlite',
  ...(process.env.TESSERA_TEST_DATABASE_URL ? (['postgres'] as const) : []),
];

describe.each(dialects)('license lifecycle end to end (%s)', (dialect) => {
  let central: Central;
  let home: string;
  let factors: string;
  const firmCode = 6_100_000 + Math.floor(Math.random() * 100_000);
  let publicKey: string;

  const tessera = (args: string[]): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [TESSERA, ...args, '--json'], {
        env: {
          PATH: process.env.PATH ?? '',
          TESSERA_HOME: home,
          TESSERA_MACHINE_FACTORS: factors,
          TESSERA_SERVER: central.url,
        },
        timeout: 60_000,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => {
        stdout += c;
      });
      child.stderr.on('data', (c) => {
        stderr += c;
      });
      child.on('error', reject);
      child.on('close', (code) =>
        resolve({ code: code ?? -1, stdout, stderr, json: <T>() => JSON.parse(stdout) as T }),
      );
    });

  const check = async (serial: string, productCode: number) => {
    const licenses = await open({ firmCode, publicKey, home, serial, factors: undefined });
    return licenses.access({ productCode }).then(
      (handle) => handle.info(),
      (error: { code: string }) => error.code,
    );
  };

  const ticketState = async (code: string) =>
    (
      await central.api<{
        licenses: { state: string; generation: number; containerSerial: string | null }[];
      }>('GET', `/api/v1/tickets/${code}`)
    ).licenses[0];

  beforeAll(async () => {
    central = await startCentral(dialect);
    home = mkdtempSync(join(tmpdir(), 'tessera-e2e-home-'));
    factors = join(home, 'factors.json');
    writeFileSync(
      factors,
      JSON.stringify({
        'machine-id': 'e2e-machine',
        hostname: 'e2e-host',
        'mac-addresses': '02:00:00:00:00:01',
        cpu: 'cpu',
        memory: '16',
        os: 'linux-x64',
      }),
    );
    process.env.TESSERA_MACHINE_FACTORS = factors;
    await central.api('POST', '/api/v1/firm-codes', { firmCode, name: 'E2E Firm' });
    publicKey = await fetch(`${central.url}/api/v1/firm-codes/${firmCode}/public-key`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    }).then((r) => r.text());
    await central.api('POST', '/api/v1/products', {
      sku: 'E2E-PRO',
      name: 'E2E Pro',
      firmCode,
      productCode: 42,
      containerTypes: ['machine'],
      defaultOptions: { featureMap: 7, expirationDays: 365 },
      policies: { reactivationsAllowed: 1, reactivationBehaviour: 'withdraw', deactivationAllowed: true },
    });
    const root = (
      await central.api<{ items: { id: string; kind: string }[] }>('GET', '/api/v1/groups')
    ).items.find((g) => g.kind === 'vendor');
    await central.api('POST', '/api/v1/groups', {
      parentId: root?.id,
      name: 'E2E Customer',
      kind: 'customer',
      externalId: 'CUST-42',
    });
  }, 120_000);

  afterAll(async () => {
    delete process.env.TESSERA_MACHINE_FACTORS;
    await central?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('orders through the connector, activates, checks, returns, moves, reactivates and enforces at the next contact', async () => {
    // A person creates the shop's connector token (an admin token cannot grant a scope it does not hold).
    const session = await central.adminSession();
    const created = await fetch(`${central.url}/api/v1/api-tokens`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: session.cookie,
        'x-csrf-token': session.csrfToken,
      },
      body: JSON.stringify({ name: 'shop', scopes: ['connector'] }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const connector = (await created.json()) as { token: string };
    const ordered = await fetch(
      `${central.url}/api/v1/connector/orders?orderid=E2E-1&customerid=CUST-42&item_count=1&item1_id=E2E-PRO&item1_quantity=1`,
      { headers: { authorization: `Bearer ${connector.token}` } },
    );
    expect(ordered.status).toBe(200);
    const ticket = (await ordered.text()).trim();
    expect(ticket).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$/);

    // Activate online into a new machine container; the vendor's software finds the license usable.
    const first = await tessera(['activate', '--ticket', ticket]);
    expect(first.code, first.stderr).toBe(0);
    const firstSerial = first.json<{ serial: string }>().serial;
    expect(await ticketState(ticket)).toMatchObject({ state: 'confirmed', generation: 1 });
    expect(await check(firstSerial, 42)).toMatchObject({ productCode: 42, generation: 1, featureMap: 7 });

    // Return it: confirmed returned, and gone from the container.
    const returned = await tessera(['deactivate', '--ticket', ticket, '--serial', firstSerial]);
    expect(returned.code, returned.stderr).toBe(0);
    expect(await ticketState(ticket)).toMatchObject({ state: 'returned' });
    expect(await check(firstSerial, 42)).toBe('license_not_found');

    // Activate into a second container.
    const second = await tessera(['activate', '--ticket', ticket]);
    expect(second.code, second.stderr).toBe(0);
    const secondSerial = second.json<{ serial: string }>().serial;
    expect(secondSerial).not.toBe(firstSerial);
    expect(await check(secondSerial, 42)).toMatchObject({ generation: 1 });

    // The second machine is "lost": reactivate into a third container as generation 2.
    const third = await tessera(['reactivate', '--ticket', ticket, '--lost', secondSerial]);
    expect(third.code, third.stderr).toBe(0);
    const thirdSerial = third.json<{ serial: string }>().serial;
    expect(await check(thirdSerial, 42)).toMatchObject({ generation: 2 });
    expect(await ticketState(ticket)).toMatchObject({ generation: 2 });

    // The lost container turns up and asks for updates: the old generation is withdrawn from it.
    expect(await check(secondSerial, 42)).toMatchObject({ generation: 1 });
    const fetched = await tessera(['update', 'fetch', '--serial', secondSerial]);
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(await check(secondSerial, 42)).toBe('license_not_found');
    expect(await check(thirdSerial, 42)).toMatchObject({ generation: 2 });
  }, 180_000);
});
