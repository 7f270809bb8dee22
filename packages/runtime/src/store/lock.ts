// The store lock: serialises every writer of one store, across threads of this process (an in-memory queue)
// and across processes (proper-lockfile: an atomically created lock directory whose mtime the holder keeps
// fresh, so a killed holder's lock goes stale and is taken over). Readers never lock: writes are atomic renames.

import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { TesseraError } from '@tessera/core';
import { lock } from 'proper-lockfile';

export interface StoreLockOptions {
  /** A lock not refreshed for this long belongs to a dead holder and is taken over (min. 2000 ms). Default 10 s. */
  staleMs?: number;
  /** How long a writer waits for the lock before giving up with `store_busy`. Default 30 s (> staleMs). */
  waitMs?: number;
}

export interface LockGuard {
  /** Throws `store_lock_lost` if the lock was taken over while held (a stalled process); call before committing. */
  assertHeld(): void;
}

export const DEFAULT_LOCK_STALE_MS = 10_000;
export const DEFAULT_LOCK_WAIT_MS = 30_000;

const MAX_POLL_MS = 16;

const queues = new Map<string, Promise<unknown>>();

const acquire = async (target: string, staleMs: number, waitMs: number) => {
  let compromised: Error | null = null;
  const started = performance.now();
  for (let attempt = 0; ; attempt += 1) {
    try {
      const release = await lock(target, {
        stale: staleMs,
        retries: 0,
        onCompromised: (error) => {
          // The default handler throws from a timer and kills the process; we refuse the commit instead.
          compromised = error;
        },
      });
      const guard: LockGuard = {
        assertHeld: () => {
          if (compromised !== null) {
            throw new TesseraError(
              'store_lock_lost',
              `the lock on ${target} was taken over while this process held it; nothing was written`,
              { store: target },
              { cause: compromised },
            );
          }
        },
      };
      return { guard, release, isCompromised: () => compromised !== null };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      const waited = performance.now() - started;
      if (waited >= waitMs) {
        throw new TesseraError(
          'store_busy',
          `another process has held the lock on ${target} for over ${Math.round(waited)} ms`,
          { store: target, waitedMs: Math.round(waited) },
        );
      }
      // Jittered back-off, 1–2 ms growing to 1–16 ms, so waiters do not retry in lock-step. The lock is not
      // fair: a holder that re-locks at once leaves only a sub-millisecond gap, so a short poll interval is what
      // gives a waiter a real chance against a process writing in a loop (a failed poll is one mkdir).
      const ceiling = Math.min(MAX_POLL_MS, 2 * 2 ** Math.min(attempt, 3));
      await sleep(Math.min(randomInt(1, ceiling + 1), Math.max(1, waitMs - waited)));
    }
  }
};

/** Runs `work` while holding the lock on `target` (an existing directory; the lock is `<target>.lock`). */
export const withStoreLock = async <T>(
  target: string,
  { staleMs = DEFAULT_LOCK_STALE_MS, waitMs = DEFAULT_LOCK_WAIT_MS }: StoreLockOptions,
  work: (guard: LockGuard) => Promise<T>,
): Promise<T> => {
  const previous = queues.get(target) ?? Promise.resolve();
  const run = previous.then(async () => {
    const { guard, release, isCompromised } = await acquire(target, staleMs, waitMs);
    try {
      return await work(guard);
    } finally {
      await release().catch((error: unknown) => {
        if (!isCompromised()) throw error; // a compromised lock may already be gone; nothing more to release
      });
    }
  });
  const settled = run.catch(() => undefined);
  queues.set(target, settled);
  void settled.then(() => {
    if (queues.get(target) === settled) queues.delete(target);
  });
  return run;
};
