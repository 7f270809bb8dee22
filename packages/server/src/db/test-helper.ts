// describeEachDatabase runs one suite on SQLite (a fresh temp file) and on PostgreSQL (a uniquely named
// database created from TESSERA_TEST_DATABASE_URL and dropped afterwards, even when tests fail). The database
// is created and migrated once per suite, not per test; tests make their own fixtures and do not rely on
// an empty database. Without TESSERA_TEST_DATABASE_URL the PostgreSQL variant is reported as skipped.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { createDatabase, type DatabaseHandle, type Dialect } from './database.js';
import { migrateToLatest } from './migrator.js';

export interface DatabaseContext {
  readonly dialect: Dialect;
  /** The migrated database of this suite; available from the suite's beforeAll hooks on. */
  readonly database: DatabaseHandle;
}

const POSTGRES_URL_VARIABLE = 'TESSERA_TEST_DATABASE_URL';

const context = (dialect: Dialect) => {
  let handle: DatabaseHandle | undefined;
  const ctx: DatabaseContext = {
    dialect,
    get database() {
      if (!handle) throw new Error('the test database is not open yet: use it inside hooks and tests');
      return handle;
    },
  };
  return { ctx, set: (value: DatabaseHandle | undefined) => (handle = value), get: () => handle };
};

const sqliteSuite = (body: (ctx: DatabaseContext) => void) => {
  const { ctx, set, get } = context('sqlite');
  let dir: string | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-test-'));
    const database = await createDatabase({ dialect: 'sqlite', file: join(dir, 'tessera.db') });
    set(database);
    await migrateToLatest(database.db);
  });
  afterAll(async () => {
    await get()?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  body(ctx);
};

/** Connection URL of another database on the same server. */
export const withDatabaseName = (url: string, name: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
};

/** Creates a uniquely named PostgreSQL database; returns its URL and a function that drops it. */
export const createScratchPostgresDatabase = async (
  serverUrl: string,
): Promise<{ name: string; url: string; drop: () => Promise<void> }> => {
  const name = `tessera_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabaseName(serverUrl, name),
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
};

const postgresSuite = (serverUrl: string, body: (ctx: DatabaseContext) => void) => {
  const { ctx, set, get } = context('postgres');
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const scratch = await createScratchPostgresDatabase(serverUrl);
    drop = scratch.drop;
    const database = await createDatabase({ dialect: 'postgres', url: scratch.url, poolSize: 5 });
    set(database);
    await migrateToLatest(database.db);
  });
  afterAll(async () => {
    try {
      await get()?.close();
    } finally {
      await drop?.();
    }
  });
  body(ctx);
};

export const describeEachDatabase = (name: string, body: (ctx: DatabaseContext) => void): void => {
  describe(name, () => {
    describe('sqlite', () => sqliteSuite(body));
    const url = process.env[POSTGRES_URL_VARIABLE];
    if (url) {
      describe('postgres', () => postgresSuite(url, body));
    } else {
      describe.skip(`postgres (skipped: ${POSTGRES_URL_VARIABLE} not set)`, () =>
        body(context('postgres').ctx));
    }
  });
};
