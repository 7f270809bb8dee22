// Group commit for SQLite: concurrent transactions of this process run one after another inside one database
// transaction, each in its own savepoint, and commit together. On SQLite every commit writes each page it
// dirtied to the WAL once, and the pages a transaction touches (the right edge of the audit log, of the steps,
// of every time-ordered index) are mostly the same pages the next one touches — committing a group writes them
// once for the whole group. Each transaction keeps its own atomicity (a failure rolls back to its savepoint,
// the others go on), its results reach the caller only after the group committed, and transactions still run
// strictly one at a time, so every conditional update sees the one before it exactly as without grouping.
// PostgreSQL does not use this: its transactions run concurrently and its own group commit shares the fsync.

import { type ControlledTransaction, type Kysely, sql } from 'kysely';
import { type DirectExecutor, runDirectly } from './prepared.js';
import type { Database } from './schema.js';

/** What a group's transactions may take: once either limit is reached, the group commits and the next begins. */
const GROUP_MAX_TRANSACTIONS = 64;
const GROUP_MAX_MS = 10;

interface Pending {
  work: (trx: ControlledTransaction<Database>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { pending: Pending } & ({ ok: true; value: unknown } | { ok: false; error: unknown });

export interface GroupCommit {
  run<T>(work: (trx: ControlledTransaction<Database>) => Promise<T>): Promise<T>;
}

export const createGroupCommit = (
  db: Kysely<Database>,
  connection: {
    /** whether SQLite still has the group's transaction open (it rolls it back by itself after some errors) */
    inTransaction: () => boolean;
    /** runs a prepared query on the connection the group holds (see prepared.ts) */
    execute: DirectExecutor;
  },
): GroupCommit => {
  const { inTransaction } = connection;
  const queue: Pending[] = [];
  let draining = false;

  /** Runs one transaction in its savepoint; throws only when the group itself is lost. */
  const runOne = async (trx: ControlledTransaction<Database>, pending: Pending): Promise<Outcome> => {
    await sql`savepoint work`.execute(trx);
    try {
      // A view of its own per transaction: per-transaction state (memos, batched inserts) is keyed by it.
      const view = trx.withoutPlugins();
      runDirectly(view, connection.execute);
      const value = await pending.work(view).finally(() => runDirectly(view, undefined));
      await sql`release work`.execute(trx);
      return { pending, ok: true, value };
    } catch (error) {
      // SQLite rolls the whole transaction back by itself after some errors (disk full, I/O error).
      if (!inTransaction()) throw error;
      await sql`rollback to work`.execute(trx);
      await sql`release work`.execute(trx);
      return { pending, ok: false, error };
    }
  };

  const runGroup = async (): Promise<void> => {
    const trx = await db.startTransaction().execute();
    const outcomes: Outcome[] = [];
    const started = performance.now();
    let failure: { error: unknown } | undefined;
    try {
      while (
        queue.length > 0 &&
        outcomes.length < GROUP_MAX_TRANSACTIONS &&
        performance.now() - started < GROUP_MAX_MS
      ) {
        const pending = queue.shift() as Pending;
        try {
          outcomes.push(await runOne(trx, pending));
        } catch (error) {
          outcomes.push({ pending, ok: false, error });
          throw error;
        }
      }
      await trx.commit().execute();
    } catch (error) {
      // The group is lost: nothing of it was committed, so no transaction in it may report success.
      failure = { error };
      await trx
        .rollback()
        .execute()
        .catch(() => {});
    }
    for (const outcome of outcomes) {
      if (!outcome.ok) outcome.pending.reject(outcome.error);
      else if (failure) outcome.pending.reject(failure.error);
      else outcome.pending.resolve(outcome.value);
    }
  };

  const drain = async (): Promise<void> => {
    draining = true;
    try {
      while (queue.length > 0) {
        // One turn of the event loop first: requests that already arrived get to queue their transactions and
        // join this group. Without it a group would hold only what was queued before it began — usually one.
        await new Promise((resolve) => setImmediate(resolve));
        await runGroup();
      }
    } catch (error) {
      // Beginning the group failed (the database is closed or unreachable): nothing queued can run.
      for (const pending of queue.splice(0)) pending.reject(error);
    } finally {
      draining = false;
    }
  };

  return {
    run: <T>(work: (trx: ControlledTransaction<Database>) => Promise<T>) =>
      new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
        if (!draining) void drain();
      }),
  };
};
