// Benchmark: complete online activations (context → update → receipt) per second against the real built
// Central, with 32 concurrent clients, on SQLite and on PostgreSQL — beside, measured in the same run, the
// raw Ed25519 sign/verify rate and a bare insert-transaction rate on the same database.
//
//   npx tsx bench/activation.ts [--seconds 10] [--clients 32] [--dialect sqlite|postgres|both]
//
// PostgreSQL needs TESSERA_TEST_DATABASE_URL (a scratch database is created and dropped). Run `npm run build`
// first. Each client plays a customer's runtime: a fresh in-memory container per activation, real keys,
// real documents (packages/core), HTTP keep-alive.

import { parseArgs } from 'node:util';
import {
  applyUpdate,
  generateKeyPair,
  makeContext,
  newContainerState,
  randomToken,
  signBytes,
  utf8,
  verifyBytes,
} from '@tessera/core';
import { sql } from 'kysely';
import { createDatabase } from '../packages/server/src/db/database.js';
import { createScratchPostgresDatabase } from '../packages/server/src/db/test-helper.js';
import { type Central, startCentral } from '../packages/server/test/support/central-process.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '32' },
    dialect: { type: 'string', default: 'both' },
  },
});
const SECONDS = Number(values.seconds);
const CLIENTS = Number(values.clients);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Operations per second of `work` run for about `ms` milliseconds. */
const rate = (ms: number, work: () => void) => {
  const start = performance.now();
  let count = 0;
  while (performance.now() - start < ms) {
    for (let i = 0; i < 100; i++) work();
    count += 100;
  }
  return count / ((performance.now() - start) / 1000);
};

const cryptoBaseline = () => {
  const key = generateKeyPair();
  const message = utf8('x'.repeat(600));
  const signature = signBytes(key, message);
  return {
    sign: rate(1000, () => signBytes(key, message)),
    verify: rate(1000, () => verifyBytes(key.publicKey, message, signature)),
  };
};

/** Bare insert transactions per second with CLIENTS concurrent writers: the floor any activation pays. */
const insertBaseline = async (dialect: 'sqlite' | 'postgres') => {
  const scratch =
    dialect === 'postgres'
      ? await createScratchPostgresDatabase(process.env.TESSERA_TEST_DATABASE_URL as string)
      : undefined;
  const dir = await import('node:fs').then((fs) =>
    fs.mkdtempSync(`${globalThis.process.env.TMPDIR ?? '/tmp'}/tessera-bench-`),
  );
  const handle = await createDatabase(
    scratch
      ? { dialect: 'postgres', url: scratch.url, poolSize: 10 }
      : { dialect: 'sqlite', file: `${dir}/bench.db` },
  );
  try {
    await sql`create table bench_rows (id text primary key, at text not null, data text not null)`.execute(
      handle.db,
    );
    let count = 0;
    const end = performance.now() + 3000;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < end) {
          await handle.db.transaction().execute(async (trx) => {
            await sql`insert into bench_rows (id, at, data) values (${randomToken(12)}, ${new Date().toISOString()}, ${'{}'})`.execute(
              trx,
            );
          });
          count++;
        }
      }),
    );
    return count / 3;
  } finally {
    await handle.close();
    await scratch?.drop();
    (await import('node:fs')).rmSync(dir, { recursive: true, force: true });
  }
};

const prepareTickets = async (central: Central, count: number): Promise<string[]> => {
  const firmCode = 6_900_000 + Math.floor(Math.random() * 90_000);
  await central.api('POST', '/api/v1/firm-codes', { firmCode, name: 'Bench Firm' });
  await central.api('POST', '/api/v1/products', {
    sku: 'BENCH',
    name: 'Bench product',
    firmCode,
    productCode: 1,
    containerTypes: ['machine'],
    defaultOptions: { featureMap: 1, expirationDays: 365 },
  });
  const groups = await central.api<{ items: { id: string; kind: string }[] }>('GET', '/api/v1/groups');
  const root = groups.items.find((g) => g.kind === 'vendor');
  const customer = await central.api<{ id: string }>('POST', '/api/v1/groups', {
    parentId: root?.id,
    name: 'Bench customer',
    kind: 'customer',
  });
  const codes: string[] = [];
  while (codes.length < count) {
    const quantity = Math.min(1000, count - codes.length);
    const order = await central.api<{ tickets: { code: string }[] }>('POST', '/api/v1/orders', {
      customerGroupId: customer.id,
      items: [{ sku: 'BENCH', quantity }],
    });
    codes.push(...order.tickets.map((t) => t.code));
  }
  return codes;
};

const post = async (url: string, body: unknown) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${url} → ${response.status}: ${JSON.stringify(json)}`);
  return json;
};

/** One customer activating one ticket online, exactly as `tessera activate` does, in memory. */
const activateOnce = async (central: Central, ticket: string, serial: string) => {
  const key = generateKeyPair();
  let state = newContainerState(serial, 'machine');
  const nonce = randomToken(16);
  const context = makeContext(state, key, { nonce, now: new Date() });
  const answer = await post(`${central.url}/api/v1/gateway/activate`, { ticket, context });
  for (const { update } of answer.updates as { update: string }[])
    state = applyUpdate(state, update, { expectedNonce: nonce }).state;
  const receipt = makeContext(state, key, { nonce: randomToken(16), now: new Date() });
  await post(`${central.url}/api/v1/gateway/receipt`, { receipt });
};

const run = async (dialect: 'sqlite' | 'postgres') => {
  const inserts = await insertBaseline(dialect);
  const central = await startCentral(dialect, { LOG_LEVEL: 'error', DATABASE_POOL_SIZE: '16' });
  try {
    // Generous: enough tickets for the run at twice the target rate.
    const tickets = await prepareTickets(
      central,
      Math.max(2000, SECONDS * (dialect === 'sqlite' ? 2000 : 1000)),
    );
    // Warm-up: JIT, connection pools, statement caches.
    let next = 0;
    let serialNumber = 100_000_000 + Math.floor(Math.random() * 100_000_000);
    for (let i = 0; i < 200; i++)
      await activateOnce(central, tickets[next++] as string, `130-${serialNumber++}`);
    const latencies: number[] = [];
    let failures = 0;
    const end = performance.now() + SECONDS * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < end && next < tickets.length) {
          const ticket = tickets[next++] as string;
          const t0 = performance.now();
          try {
            await activateOnce(central, ticket, `130-${serialNumber++}`);
            latencies.push(performance.now() - t0);
          } catch (error) {
            failures++;
            if (failures < 3) console.error(String(error));
          }
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      dialect,
      activations: latencies.length / elapsed,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      failures,
      count: latencies.length,
      inserts,
    };
  } finally {
    await central.stop();
  }
};

const main = async () => {
  const crypto = cryptoBaseline();
  console.log(`Ed25519 (this machine, one core): sign ${fmt(crypto.sign)}/s, verify ${fmt(crypto.verify)}/s`);
  const dialects =
    values.dialect === 'both'
      ? (['sqlite', 'postgres'] as const)
      : ([values.dialect] as ('sqlite' | 'postgres')[]);
  for (const dialect of dialects) {
    if (dialect === 'postgres' && !process.env.TESSERA_TEST_DATABASE_URL) {
      console.log('postgres: skipped (TESSERA_TEST_DATABASE_URL not set)');
      continue;
    }
    const r = await run(dialect);
    const target = dialect === 'sqlite' ? 1000 : 500;
    console.log(
      [
        `${dialect}: ${fmt(r.activations)} activations/s (${r.count} in ${SECONDS} s, ${CLIENTS} clients, ${r.failures} failed)`,
        `  latency per activation (activate + receipt): p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms`,
        `  baseline: bare insert transactions ${fmt(r.inserts)}/s → an activation costs ${fmt(r.inserts / r.activations, 1)} bare transactions`,
        `  crypto per activation (2 verifies + 2 signs on Central): ${fmt((2 / crypto.verify + 2 / crypto.sign) * 1e6, 0)} µs of ${fmt(1e6 / r.activations, 0)} µs`,
        `  target ≥ ${target}/s, p99 < 50 ms: ${r.activations >= target && r.p99 < 50 ? 'met' : 'NOT met'}`,
      ].join('\n'),
    );
  }
};

await main();
