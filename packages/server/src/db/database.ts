// Opens the one database Central uses: SQLite (better-sqlite3, a file in the data directory) by default,
// PostgreSQL (pg Pool) when a URL is given. Everything above this file sees the same Kysely<Database>;
// dialect differences stay here and in the migrations.

import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { createGroupCommit } from './group-commit.js';
import type { Database } from './schema.js';
import { useGroupCommit } from './transaction.js';

const require = createRequire(import.meta.url);

export type Dialect = 'sqlite' | 'postgres';

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  poolStats(): PoolStats;
  close(): Promise<void>;
}

export type DatabaseOptions =
  | { dialect: 'sqlite'; file: string }
  | {
      dialect: 'postgres';
      url: string;
      poolSize: number;
      connectTimeoutMs?: number;
      /** name statements so each connection prepares them once (off behind PgBouncer in transaction mode) */
      preparedStatements?: boolean;
    };

export const SQLITE_FILE_NAME = 'tessera.db';

export const sqliteFileIn = (dataDir: string): string => join(dataDir, SQLITE_FILE_NAME);

/** Opens the database and proves it answers; a bad URL or file fails here, before anything is created. */
export const createDatabase = async (options: DatabaseOptions): Promise<DatabaseHandle> =>
  options.dialect === 'sqlite' ? openSqlite(options.file) : openPostgres(options);

const openSqlite = async (file: string): Promise<DatabaseHandle> => {
  const connection = new SqliteDatabase(file);
  connection.pragma('journal_mode = WAL');
  connection.pragma('foreign_keys = ON');
  connection.pragma('busy_timeout = 5000');
  connection.pragma('synchronous = NORMAL');
  // Savepoints (one per transaction of a commit group) journal the pages they change; in memory, not a file.
  connection.pragma('temp_store = MEMORY');
  cachePreparedStatements(connection);
  const checkpointer = startCheckpointer(connection, file);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: connection }) });
  useGroupCommit(
    db,
    createGroupCommit(db, {
      inTransaction: () => connection.inTransaction,
      execute: (source, parameters) => {
        const statement = connection.prepare(source);
        if (statement.reader) return { rows: statement.all(parameters) };
        const { changes } = statement.run(parameters);
        return { rows: [], numAffectedRows: BigInt(changes) };
      },
    }),
  );
  let closed = false;
  return {
    db,
    dialect: 'sqlite',
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    // better-sqlite3 is one synchronous connection; Kysely queues callers behind it.
    poolStats: () => ({ total: closed ? 0 : 1, idle: closed ? 0 : 1, waiting: 0 }),
    close: async () => {
      if (closed) return;
      closed = true;
      await checkpointer.stop();
      await db.destroy();
    },
  };
};

const CHECKPOINT_INTERVAL_MS = 100;
/** WAL frames (pages) after which the serving connection checkpoints itself, so the WAL starts over. */
const WAL_RESTART_FRAMES = 4000;

/**
 * WAL checkpoints copy committed pages into the database file and fsync it — with automatic checkpoints that
 * work lands on whichever commit crosses the threshold, on the thread serving requests. Here a worker thread
 * with its own connection checkpoints in the background (PASSIVE: it never blocks a writer), so most pages
 * are already copied when the serving connection's own, rarer checkpoint runs. That one is still needed: the
 * WAL only starts over from its beginning when a writer finds it completely checkpointed, which a background
 * checkpoint never achieves while commits keep arriving — without it the WAL grew by ~250 kB per activation
 * for as long as the load lasted, and every read got slower with it. If the worker cannot start, SQLite's
 * automatic checkpoints keep their default.
 */
const startCheckpointer = (connection: SqliteDatabase.Database, file: string) => {
  let worker: Worker;
  try {
    worker = new Worker(
      `
      const { parentPort, workerData } = require('node:worker_threads');
      const Database = require(workerData.module);
      const db = new Database(workerData.file);
      db.pragma('busy_timeout = 5000');
      const timer = setInterval(() => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} }, workerData.interval);
      parentPort.on('message', () => {
        clearInterval(timer);
        try { db.pragma('wal_checkpoint(TRUNCATE)'); } catch {}
        db.close();
        parentPort.close();
      });
      `,
      {
        eval: true,
        workerData: { file, interval: CHECKPOINT_INTERVAL_MS, module: require.resolve('better-sqlite3') },
      },
    );
  } catch {
    return { stop: async () => {} };
  }
  worker.unref();
  connection.pragma(`wal_autocheckpoint = ${WAL_RESTART_FRAMES}`);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.once('error', () => {
    connection.pragma('wal_autocheckpoint = 1000');
  });
  return {
    stop: async () => {
      worker.postMessage('stop');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    },
  };
};

const STATEMENT_CACHE_SIZE = 1000;

/**
 * Kysely's SQLite driver prepares every query anew, which costs as much as running it. Central issues the same
 * few hundred SQL texts over and over, so prepared statements are kept (least recently used evicted first).
 * Safe because better-sqlite3 is synchronous: a statement is never used by two queries at once.
 */
const cachePreparedStatements = (connection: SqliteDatabase.Database): void => {
  const prepare = connection.prepare.bind(connection);
  const cache = new Map<string, SqliteDatabase.Statement>();
  connection.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (statement) {
      cache.delete(source);
    } else {
      statement = prepare(source);
      if (cache.size >= STATEMENT_CACHE_SIZE) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
    }
    cache.set(source, statement);
    return statement;
  }) as typeof connection.prepare;
};

// pg returns int8 (count(*), bigint) as strings by default; Central's integers fit in a double.
const pgTypes = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format),
} as pg.CustomTypesConfig;

const openPostgres = async (options: {
  url: string;
  poolSize: number;
  connectTimeoutMs?: number;
  preparedStatements?: boolean;
}): Promise<DatabaseHandle> => {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    types: pgTypes,
  });
  // An idle client that loses its connection emits 'error' on the pool; without a listener that kills
  // the process. The next query reconnects, and /readyz reports the outage meanwhile.
  pool.on('error', () => {});
  if (options.preparedStatements !== false) pool.on('connect', prepareStatementsOn);
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    dialect: 'postgres',
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: async () => {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
};

/**
 * PostgreSQL parses and plans every unnamed statement anew — for Central's short statements that is most of
 * the server's work. Naming each parameterized statement by its text lets every connection prepare it once
 * and reuse the plan (the same few hundred texts recur). Statements without parameters (DDL, BEGIN,
 * COMMIT) stay unnamed.
 */
const MAX_PREPARED_PER_CONNECTION = 1000;

const prepareStatementsOn = (client: pg.PoolClient): void => {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const names = new Map<string, string>();
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (
    text: unknown,
    values?: unknown,
    ...rest: unknown[]
  ) => {
    if (typeof text !== 'string' || !Array.isArray(values) || values.length === 0)
      return query(text, values, ...rest);
    let name = names.get(text);
    if (name === undefined) {
      // Texts that vary with a list's length (IN lists, multi-row inserts) could grow without end: cap them.
      if (names.size >= MAX_PREPARED_PER_CONNECTION) return query(text, values, ...rest);
      name = `t${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
      names.set(text, name);
    }
    return query({ name, text, values }, ...rest);
  };
};

/** Creates the data directory (if needed) and proves it is writable, without leaving anything in it. */
export const ensureWritableDirectory = (dir: string): void => {
  mkdirSync(dir, { recursive: true });
  // access(W_OK) says yes to root even on a read-only mount; writing a file is the only honest probe.
  const probe = join(dir, `.write-probe-${process.pid}`);
  writeFileSync(probe, '');
  rmSync(probe, { force: true });
};
