// Benchmark: complete online activations (context → update → receipt) per second against the real built
// Central, with 32 concurrent clients, on SQLite and on PostgreSQL — beside, measured in the same run, the
// raw Ed25519 sign/verify rate and a bare insert-transaction rate on the same database, and where the CPU
// went (Central, the clients, PostgreSQL's server processes).
//
//   npx tsx bench/activation.ts [--seconds 10] [--clients 32] [--dialect sqlite|postgres|both] [--workers N]
//
// PostgreSQL needs TESSERA_TEST_DATABASE_URL (a scratch database is created and dropped). Run `npm run build`
// first. Each client plays a customer's runtime: a fresh in-memory container per activation, real keys, real
// documents (packages/core), HTTP keep-alive. The clients share one undici connection pool (the load
// generator must cost little next to what it measures: Node's fetch needs ~460 µs of CPU per request here,
// undici's pool ~60 µs). Central, PostgreSQL and the clients share this machine's cores.

import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import {
  applyUpdate,
  ed25519BackendName,
  generateKeyPair,
  makeContext,
  newContainerState,
  randomToken,
  signBytes,
  signLicense,
  signUpdate,
  utf8,
  verifyBytes,
} from '@tessera/core';
import { sql } from 'kysely';
import { Pool } from 'undici';
import { createDatabase } from '../packages/server/src/db/database.js';
import { createScratchPostgresDatabase } from '../packages/server/src/db/test-helper.js';
import { type Central, startCentral } from '../packages/server/test/support/central-process.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '32' },
    dialect: { type: 'string', default: 'both' },
    /** TESSERA_WORKERS for the PostgreSQL run: Central's server processes */
    workers: { type: 'string', default: '1' },
  },
});
const SECONDS = Number(values.seconds);
const cores = availableParallelism();
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

/**
 * What one activation costs a client without any network or server: a container key, the context, applying
 * the update (two signature checks) and the receipt — on updates Central would send, signed here beforehand.
 */
const clientWorkBaseline = () => {
  const firm = generateKeyPair();
  const options = {
    featureMap: 1,
    unitCounter: null,
    licenseQuantity: 1,
    activationTime: null,
    expirationTime: '2030-01-01T00:00:00.000Z',
    usagePeriodSeconds: null,
    maintenancePeriod: null,
    text: null,
    protectedData: null,
  };
  const prepared = Array.from({ length: 500 }, (_, i) => {
    const serial = `130-${900_000_000 + i}`;
    const nonce = randomToken(16);
    const license = signLicense(
      {
        serial,
        firmCode: 6_900_001,
        productCode: 1,
        ticketLicenseId: `bench-license-${i}`,
        generation: 1,
        issuedAt: new Date().toISOString(),
        options,
        modules: [],
      },
      firm,
    );
    const update = signUpdate(
      {
        updateId: `bench-update-${i}`,
        serial,
        firmCode: 6_900_001,
        issuedAt: new Date().toISOString(),
        nonce,
        keyChain: [],
        steps: [{ fromFuc: 0, toFuc: 1, operations: [{ op: 'add_license', license: license.envelope }] }],
      },
      firm,
    );
    return { serial, nonce, update };
  });
  let next = 0;
  return (
    1e6 /
    rate(1000, () => {
      const { serial, nonce, update } = prepared[next++ % prepared.length] as (typeof prepared)[number];
      const key = generateKeyPair();
      const state = newContainerState(serial, 'machine');
      makeContext(state, key, { nonce, now: new Date() });
      const applied = applyUpdate(state, update, { expectedNonce: nonce }).state;
      makeContext(applied, key, { nonce: randomToken(16), now: new Date() });
    })
  );
};

// ——— CPU accounting from /proc (Linux): user + system time in microseconds ———

const TICK_US = 1e6 / 100; // USER_HZ is 100 on Linux
const cpuOfPid = (pid: number): number => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * TICK_US;
  } catch {
    return 0; // gone meanwhile
  }
};
const parentOf = (pid: number): number => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
};
const processIds = (): number[] =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
/** CPU of a process and its children (Central's worker processes with TESSERA_WORKERS). */
const cpuOfTree = (pid: number): number =>
  cpuOfPid(pid) +
  processIds().reduce((sum, child) => sum + (parentOf(child) === pid ? cpuOfPid(child) : 0), 0);

const postgresPids = (): number[] =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
      } catch {
        return false;
      }
    });
/** Busy and total time of all cores, from /proc/stat. */
const machineCpu = () => {
  const [, ...ticks] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').split(/\s+/).filter(Boolean);
  const numbers = ticks.map(Number);
  const idle = (numbers[3] ?? 0) + (numbers[4] ?? 0);
  const total = numbers.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - idle) * TICK_US, total: total * TICK_US };
};

interface CpuSnapshot {
  central: number;
  clients: number;
  postgres: Map<number, number>;
  machine: { busy: number; total: number };
}
const cpuSnapshot = (centralPid: number, postgres: boolean): CpuSnapshot => {
  const own = process.cpuUsage();
  return {
    central: cpuOfTree(centralPid),
    clients: own.user + own.system,
    postgres: new Map(postgres ? postgresPids().map((pid) => [pid, cpuOfPid(pid)]) : []),
    machine: machineCpu(),
  };
};
const cpuSince = (before: CpuSnapshot, after: CpuSnapshot) => {
  let postgres = 0;
  for (const [pid, cpu] of after.postgres) postgres += cpu - (before.postgres.get(pid) ?? 0);
  return {
    central: after.central - before.central,
    clients: after.clients - before.clients,
    postgres,
    busyShare: (after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total),
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

/** One customer's runtime talking to the gateway. */
const gatewayClient = (central: Central) => {
  const pool = new Pool(central.url, { connections: CLIENTS });
  const post = async (path: string, body: unknown) => {
    const response = await pool.request({
      path,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await response.body.json()) as Record<string, unknown>;
    if (response.statusCode >= 300)
      throw new Error(`${path} → ${response.statusCode}: ${JSON.stringify(json)}`);
    return json;
  };
  /** Activates one ticket online, exactly as `tessera activate` does, into a fresh in-memory container. */
  const activateOnce = async (ticket: string, serial: string) => {
    const key = generateKeyPair();
    let state = newContainerState(serial, 'machine');
    const nonce = randomToken(16);
    const context = makeContext(state, key, { nonce, now: new Date() });
    const answer = await post('/api/v1/gateway/activate', { ticket, context });
    for (const { update } of answer.updates as { update: string }[])
      state = applyUpdate(state, update, { expectedNonce: nonce }).state;
    const receipt = makeContext(state, key, { nonce: randomToken(16), now: new Date() });
    await post('/api/v1/gateway/receipt', { receipt });
  };
  /** The cheapest request Central answers (GET /healthz) through the same stack and pool, for comparison. */
  const healthCheck = async () => {
    const response = await pool.request({ path: '/healthz', method: 'GET' });
    await response.body.json();
  };
  return { activateOnce, healthCheck, close: () => pool.close() };
};

/** Bare HTTP round trips per second on the same clients and Central, with what each costs in CPU. */
const httpBaseline = async (central: Central, client: ReturnType<typeof gatewayClient>) => {
  let count = 0;
  const before = cpuSnapshot(central.pid, false);
  const started = performance.now();
  const end = started + 3000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < end) {
        await client.healthCheck();
        count++;
      }
    }),
  );
  const cpu = cpuSince(before, cpuSnapshot(central.pid, false));
  return {
    perSecond: count / ((performance.now() - started) / 1000),
    centralUs: cpu.central / count,
    clientsUs: cpu.clients / count,
  };
};

const run = async (dialect: 'sqlite' | 'postgres') => {
  const inserts = await insertBaseline(dialect);
  const workers = dialect === 'postgres' ? Number(values.workers) : 1;
  const central = await startCentral(dialect, {
    LOG_LEVEL: 'error',
    // The connections are shared out among the server processes.
    DATABASE_POOL_SIZE: String(Math.max(4, Math.ceil(16 / workers))),
    TESSERA_WORKERS: String(workers),
  });
  const client = gatewayClient(central);
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
      await client.activateOnce(tickets[next++] as string, `130-${serialNumber++}`);
    const http = await httpBaseline(central, client);
    const latencies: number[] = [];
    let failures = 0;
    const end = performance.now() + SECONDS * 1000;
    const started = performance.now();
    const cpuBefore = cpuSnapshot(central.pid, dialect === 'postgres');
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < end && next < tickets.length) {
          const ticket = tickets[next++] as string;
          const t0 = performance.now();
          try {
            await client.activateOnce(ticket, `130-${serialNumber++}`);
            latencies.push(performance.now() - t0);
          } catch (error) {
            failures++;
            if (failures < 3) console.error(String(error));
          }
        }
      }),
    );
    const cpu = cpuSince(cpuBefore, cpuSnapshot(central.pid, dialect === 'postgres'));
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
      http,
      cpu,
      workers,
    };
  } finally {
    await client.close();
    await central.stop();
  }
};

const main = async () => {
  const crypto = cryptoBaseline();
  const clientWork = clientWorkBaseline();
  console.log(
    `Ed25519 (${ed25519BackendName()}, one core): sign ${fmt(crypto.sign)}/s, verify ${fmt(crypto.verify)}/s; a client's own work per activation (keys, context, update, receipt; no network): ${fmt(clientWork)} µs`,
  );
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
    const perActivation = (us: number) => fmt(us / r.count, 0);
    console.log(
      [
        `${dialect}: ${fmt(r.activations)} activations/s (${r.count} in ${SECONDS} s, ${CLIENTS} clients, ${r.workers} server process${r.workers === 1 ? '' : 'es'}, ${r.failures} failed)`,
        `  latency per activation (activate + receipt): p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms`,
        `  CPU per activation: Central ${perActivation(r.cpu.central)} µs, clients ${perActivation(r.cpu.clients)} µs${dialect === 'postgres' ? `, PostgreSQL ${perActivation(r.cpu.postgres)} µs` : ''}; the machine's cores were ${fmt(100 * r.cpu.busyShare)} % busy`,
        `  ceiling on these ${cores} cores at that cost: ${fmt((cores * 1e6) / ((r.cpu.central + r.cpu.clients + r.cpu.postgres) / r.count))} activations/s`,
        `  baseline: bare insert transactions ${fmt(r.inserts)}/s → an activation costs ${fmt(r.inserts / r.activations, 1)} bare transactions`,
        `  baseline: bare HTTP round trips (GET /healthz) ${fmt(r.http.perSecond)}/s, each costing Central ${fmt(r.http.centralUs)} µs and the clients ${fmt(r.http.clientsUs)} µs of CPU`,
        `  crypto per activation (2 verifies + 2 signs on Central): ${fmt((2 / crypto.verify + 2 / crypto.sign) * 1e6, 0)} µs of ${fmt(1e6 / r.activations, 0)} µs`,
        `  target ≥ ${target}/s, p99 < 50 ms: ${r.activations >= target && r.p99 < 50 ? 'met' : 'NOT met'}`,
      ].join('\n'),
    );
  }
};

await main();
