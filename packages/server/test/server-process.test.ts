// The real built server as a child process: `npm start` answers /readyz quickly on SQLite (and on
// PostgreSQL), stops cleanly on SIGTERM, and bad configuration fails fast with one line naming the problem,
// leaving nothing behind. Needs the build output (`npm test` builds first).

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createScratchPostgresDatabase } from '../src/db/test-helper.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const READY_BUDGET_MS = 5_000;
const FAILURE_BUDGET_MS = 15_000;

const children: ChildProcess[] = [];
const tempDirs: string[] = [];

afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
afterAll(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-process-'));
  tempDirs.push(dir);
  return dir;
};

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; ms: number }>;
  startedAt: number;
}

const start = (env: Record<string, string>, cwd = tempDir()): Started => {
  if (!existsSync(MAIN))
    throw new Error(`${MAIN} is missing: run \`npm run build\` (npm test does it first)`);
  const startedAt = performance.now();
  const child = spawn(process.execPath, [MAIN], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? cwd,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; ms: number }>((resolve) =>
    child.once('exit', (code) => resolve({ code, ms: performance.now() - startedAt })),
  );
  return { child, stdout: () => out, stderr: () => err, exited, startedAt };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until the server prints where it listens and its /readyz answers 200; returns that URL and the time taken. */
const waitUntilReady = async (server: Started, budgetMs = 15_000): Promise<{ url: string; ms: number }> => {
  while (performance.now() - server.startedAt < budgetMs) {
    const url = /listening on (http:\/\/[^\s;)]+)/.exec(server.stdout())?.[1];
    if (url) {
      const ready = await fetch(`${url}/readyz`).then(
        (res) => res.status === 200,
        () => false,
      );
      if (ready) return { url, ms: performance.now() - server.startedAt };
    }
    if (server.child.exitCode !== null) throw new Error(`server exited early: ${server.stderr()}`);
    await sleep(25);
  }
  throw new Error(`not ready within ${budgetMs} ms; stdout: ${server.stdout()} stderr: ${server.stderr()}`);
};

const expectOneLineFailure = async (server: Started, variable: string) => {
  const { code, ms } = await server.exited;
  expect(code).not.toBe(0);
  expect(ms).toBeLessThan(FAILURE_BUDGET_MS);
  const lines = server
    .stderr()
    .split('\n')
    .filter((line) => line.trim() !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(variable);
  return lines[0] ?? '';
};

describe('the built server (SQLite)', () => {
  it(`answers /readyz within ${READY_BUDGET_MS / 1000} s of start, prints the admin once, and stops on SIGTERM`, async () => {
    const dataDir = join(tempDir(), 'data');
    const first = start({ TESSERA_DATA_DIR: dataDir });
    const { url, ms } = await waitUntilReady(first);
    expect(ms).toBeLessThan(READY_BUDGET_MS);
    expect(first.stdout()).toMatch(/ISV admin created: admin@tessera\.local\s+password: [A-Za-z0-9]{20}/);
    expect(first.stdout()).toContain('reseller.admin@northwind.example');
    const password = /password: ([A-Za-z0-9]{20})/.exec(first.stdout())?.[1];
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@tessera.local', password }),
    });
    expect(login.status).toBe(200);
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    expect(existsSync(join(dataDir, 'tessera.db'))).toBe(true);

    const second = start({ TESSERA_DATA_DIR: dataDir });
    await waitUntilReady(second);
    expect(second.stdout()).toContain('ISV admin already exists (admin@tessera.local)');
    expect(second.stdout()).not.toMatch(/password: [A-Za-z0-9]{20}/);
    second.child.kill('SIGINT');
    expect((await second.exited).code).toBe(0);
  });

  it('creates the bootstrap API token with exactly the configured secret', async () => {
    const token = 'tsr_Q7w1Zk9PmX3vB8nR2tY6uL4oC5eJ0aHsDfGiKqWm';
    const server = start({
      TESSERA_DATA_DIR: join(tempDir(), 'data'),
      TESSERA_BOOTSTRAP_TOKEN: token,
      TESSERA_DEMO: '0',
    });
    const { url } = await waitUntilReady(server);
    const me = await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ isIsvAdmin: true, scopes: ['read', 'write', 'admin'] });
    expect(server.stdout()).not.toContain('Demo data loaded');
  });

  it('exits non-zero within 15 s with one line naming PORT when PORT is malformed, creating nothing', async () => {
    const dir = tempDir();
    const server = start({ PORT: 'abc', TESSERA_DATA_DIR: join(dir, 'data') });
    const line = await expectOneLineFailure(server, 'PORT');
    expect(line).toContain('abc');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('exits non-zero within 15 s naming DATABASE_URL when PostgreSQL is unreachable, creating nothing', async () => {
    const dir = tempDir();
    const server = start({
      DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/x',
      TESSERA_DATA_DIR: join(dir, 'data'),
    });
    const line = await expectOneLineFailure(server, 'DATABASE_URL');
    expect(line).toContain('127.0.0.1:1/x');
    expect(line).not.toContain('hunter2');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('exits non-zero within 15 s naming TESSERA_DATA_DIR when the data directory cannot be created', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a-file'), 'not a directory');
    const server = start({ TESSERA_DATA_DIR: join(dir, 'a-file', 'data') });
    await expectOneLineFailure(server, 'TESSERA_DATA_DIR');
    expect(readdirSync(dir)).toEqual(['a-file']);
  });

  it('exits non-zero naming TESSERA_WORKERS when several workers are asked for on SQLite', async () => {
    const dir = tempDir();
    const server = start({ TESSERA_WORKERS: '2', TESSERA_DATA_DIR: join(dir, 'data') });
    const line = await expectOneLineFailure(server, 'TESSERA_WORKERS');
    expect(line).toContain('PostgreSQL');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('exits non-zero naming TESSERA_BOOTSTRAP_TOKEN when the token is weak', async () => {
    const dir = tempDir();
    const server = start({ TESSERA_BOOTSTRAP_TOKEN: 'tsr_password', TESSERA_DATA_DIR: join(dir, 'data') });
    await expectOneLineFailure(server, 'TESSERA_BOOTSTRAP_TOKEN');
    expect(readdirSync(dir)).toEqual([]);
  });
});

const postgresUrl = process.env.TESSERA_TEST_DATABASE_URL;
(postgresUrl ? describe : describe.skip)(
  `the built server on PostgreSQL${postgresUrl ? '' : ' (skipped: TESSERA_TEST_DATABASE_URL not set)'}`,
  () => {
    it('migrates an empty database, bootstraps it and answers /readyz', async () => {
      const scratch = await createScratchPostgresDatabase(postgresUrl ?? '');
      try {
        const server = start({ DATABASE_URL: scratch.url, TESSERA_DATA_DIR: join(tempDir(), 'unused') });
        const { ms } = await waitUntilReady(server);
        expect(ms).toBeLessThan(READY_BUDGET_MS * 2);
        expect(server.stdout()).toContain('ISV admin created');
        server.child.kill('SIGTERM');
        expect((await server.exited).code).toBe(0);
      } finally {
        await scratch.drop();
      }
    });

    it('serves from TESSERA_WORKERS processes on one port, replaces one that dies, and stops them all on SIGTERM', async () => {
      const scratch = await createScratchPostgresDatabase(postgresUrl ?? '');
      try {
        const server = start({
          DATABASE_URL: scratch.url,
          TESSERA_DATA_DIR: join(tempDir(), 'unused'),
          TESSERA_WORKERS: '3',
        });
        const { url } = await waitUntilReady(server);
        // The banner is printed once, by the primary, when every worker listens.
        expect(server.stdout().match(/Tessera Central is ready/g)).toHaveLength(1);
        const workers = childrenOf(server.child.pid ?? 0);
        expect(workers).toHaveLength(3);
        const answers = await Promise.all(
          Array.from({ length: 30 }, () => fetch(`${url}/readyz`).then((res) => res.status)),
        );
        expect(answers.every((status) => status === 200)).toBe(true);

        process.kill(workers[0] as number, 'SIGKILL');
        const deadline = performance.now() + 10_000;
        let replaced = childrenOf(server.child.pid ?? 0);
        while (
          (replaced.length < 3 || replaced.includes(workers[0] as number)) &&
          performance.now() < deadline
        ) {
          await sleep(50);
          replaced = childrenOf(server.child.pid ?? 0);
        }
        expect(replaced).toHaveLength(3);
        expect(replaced).not.toContain(workers[0]);
        expect((await fetch(`${url}/readyz`)).status).toBe(200);

        server.child.kill('SIGTERM');
        const { code } = await server.exited;
        expect(code).toBe(0);
        expect(childrenOf(server.child.pid ?? 0)).toEqual([]);
        for (const pid of replaced) expect(isRunning(pid)).toBe(false);
      } finally {
        await scratch.drop();
      }
    });
  },
);

/** Process ids whose parent is `pid` (Linux /proc). */
const childrenOf = (pid: number): number[] =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number)
    .sort((a, b) => a - b);

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
