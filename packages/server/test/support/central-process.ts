// Starts the real built Central (`node packages/server/dist/main.js`) as a child process on a loopback
// port, on SQLite or on a scratch PostgreSQL database, with an admin API token for driving it. The process
// and its database are always cleaned up by stop().

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createScratchPostgresDatabase } from '../../src/db/test-helper.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
export const ADMIN_TOKEN = 'tsr_E2eAdminToken0123456789abcdefghijKLMN';
export const ADMIN_EMAIL = 'e2e.admin@tessera.test';
export const ADMIN_PASSWORD = 'e2e admin password 0123';

export interface Central {
  url: string;
  /** the server's process id (benchmarks read its CPU time) */
  pid: number;
  dialect: 'sqlite' | 'postgres';
  dataDir: string;
  /** JSON request as the admin token; throws with the body on an unexpected status. */
  api<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    expected?: number,
  ): Promise<T>;
  /** A cookie session of the ISV admin: what a person in the portal has (every scope), with its CSRF token. */
  adminSession(): Promise<{ cookie: string; csrfToken: string }>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const startCentral = async (
  dialect: 'sqlite' | 'postgres',
  env: Record<string, string> = {},
): Promise<Central> => {
  if (!existsSync(MAIN))
    throw new Error(`${MAIN} is missing: run \`npm run build\` (npm test does it first)`);
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-central-'));
  const pgUrl = process.env.TESSERA_TEST_DATABASE_URL;
  if (dialect === 'postgres' && !pgUrl) throw new Error('TESSERA_TEST_DATABASE_URL is not set');
  const scratch = dialect === 'postgres' && pgUrl ? await createScratchPostgresDatabase(pgUrl) : undefined;
  // Extra Node flags for the server process only (e.g. --cpu-prof when profiling a benchmark).
  const nodeArgs = (process.env.TESSERA_CENTRAL_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, MAIN], {
    cwd: dataDir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      TESSERA_DATA_DIR: join(dataDir, 'data'),
      TESSERA_DEMO: '0',
      TESSERA_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
      TESSERA_ADMIN_EMAIL: ADMIN_EMAIL,
      TESSERA_ADMIN_PASSWORD: ADMIN_PASSWORD,
      TESSERA_GATEWAY_RATE_LIMIT: '1000000',
      TESSERA_TICKET_RATE_LIMIT: '1000000',
      ...(scratch ? { DATABASE_URL: scratch.url } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await scratch?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const started = performance.now();
  let url: string | undefined;
  while (performance.now() - started < 30_000) {
    url = /listening on (http:\/\/[^\s;)]+)/.exec(out)?.[1];
    if (
      url &&
      (await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      ))
    )
      break;
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`Central exited early: ${err}`);
    }
    url = undefined;
    await sleep(25);
  }
  if (!url) {
    await stop();
    throw new Error(`Central did not become ready: ${out} ${err}`);
  }
  const base = url;
  return {
    url: base,
    pid: child.pid ?? 0,
    dialect,
    dataDir,
    stop,
    adminSession: async () => {
      const response = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
      });
      if (!response.ok) throw new Error(`login failed: ${response.status} ${await response.text()}`);
      const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const { csrfToken } = (await response.json()) as { csrfToken: string };
      return { cookie, csrfToken };
    },
    api: async <T>(method: string, path: string, body?: unknown, expected?: number) => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      const ok = expected === undefined ? response.ok : response.status === expected;
      if (!ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
      return (text === '' ? {} : JSON.parse(text)) as T;
    },
  };
};
