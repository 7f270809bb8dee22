// Transactions, ids and the few portable helpers every repository uses. Repositories never open a
// transaction: a service (or the route calling it) opens one with inTransaction and passes it down, so a
// change and its audit entry commit together or not at all.

import type { Kysely, Transaction } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Database } from './schema.js';

/** Anything queries can run on: the database itself (reads) or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;
export type Trx = Transaction<Database>;

export const inTransaction = <T>(db: Kysely<Database>, work: (trx: Trx) => Promise<T>): Promise<T> =>
  db.transaction().execute(work);

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
