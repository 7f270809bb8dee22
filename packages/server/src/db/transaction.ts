// Transactions, ids and the few portable helpers every repository uses. Repositories never open a
// transaction: a service (or the route calling it) opens one with inTransaction and passes it down, so a
// change and its audit entry commit together or not at all.

import type { Kysely, Transaction } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { GroupCommit } from './group-commit.js';
import type { Database } from './schema.js';

/** Anything queries can run on: the database itself (reads) or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;
export type Trx = Transaction<Database>;

/** Work registered to run inside a transaction just before it commits (e.g. batched inserts). */
const beforeCommit = new WeakMap<Trx, (() => Promise<void>)[]>();

/** Databases whose transactions commit in groups (SQLite; see group-commit.ts). */
const groupCommits = new WeakMap<Kysely<Database>, GroupCommit>();

export const useGroupCommit = (db: Kysely<Database>, group: GroupCommit): void => {
  groupCommits.set(db, group);
};

const runWork = async <T>(trx: Trx, work: (trx: Trx) => Promise<T>): Promise<T> => {
  beforeCommit.set(trx, []);
  const result = await work(trx);
  // Callbacks may register more callbacks; run them in order until none is left.
  const pending = beforeCommit.get(trx) ?? [];
  for (let i = 0; i < pending.length; i++) await pending[i]?.();
  beforeCommit.delete(trx);
  return result;
};

/**
 * Runs `work` in a transaction: everything it writes commits together or not at all, and its result is
 * returned only once committed. On SQLite, concurrent callers' transactions commit as a group.
 */
export const inTransaction = <T>(db: Kysely<Database>, work: (trx: Trx) => Promise<T>): Promise<T> => {
  const group = groupCommits.get(db);
  if (group) return group.run((trx) => runWork(trx, work));
  return db.transaction().execute((trx) => runWork(trx, work));
};

/**
 * Append-only rows written in batches: added rows are inserted together just before the transaction commits
 * (one statement per table instead of one per row), so they commit with the change or not at all. Outside a
 * transaction opened by inTransaction they are inserted at once.
 */
export const batchedInserts = <Row>(insert: (trx: Trx, rows: Row[]) => Promise<void>, chunk = 500) => {
  const buffers = new WeakMap<Trx, Row[]>();
  return async (trx: Trx, row: Row): Promise<void> => {
    const callbacks = beforeCommit.get(trx);
    if (!callbacks) return insert(trx, [row]);
    let rows = buffers.get(trx);
    if (!rows) {
      const buffer: Row[] = [];
      rows = buffer;
      buffers.set(trx, buffer);
      callbacks.push(async () => {
        buffers.delete(trx);
        for (let at = 0; at < buffer.length; at += chunk) await insert(trx, buffer.slice(at, at + chunk));
      });
    }
    rows.push(row);
  };
};

/** UUIDv7: opaque to clients, time-ordered, so ids double as cursor keys. */
export const newId = (): string => uuidv7();

/** The one textual form of an instant stored in the database (UTC, millisecond precision). */
export const isoTime = (at: Date): string => at.toISOString();

const UNIQUE_CODES = new Set(['23505', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

/** True for a unique-constraint violation on either dialect. */
export const isUniqueViolation = (error: unknown): boolean =>
  typeof error === 'object' &&
  error !== null &&
  'code' in error &&
  typeof error.code === 'string' &&
  UNIQUE_CODES.has(error.code);
