// Idempotency-Key for order creation: the first response to a (principal, key) is stored in the same
// transaction as the order it describes, so a retry returns exactly that response and never a second order.
// Concurrent retries race on the idempotency_keys primary key: the loser waits for the winner's commit
// (PostgreSQL) or runs after it (SQLite) and then replays the winner's response. Keys are kept 24 hours.
// Only successful responses are stored: a request that failed changed nothing and may simply be retried.

import { type Clock, canonicalJson, sha256, TesseraError, utf8 } from '@tessera/core';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { inTransaction, isoTime, isUniqueViolation, type Trx } from '../../db/transaction.js';
import * as repo from './repository.js';

export const IDEMPOTENCY_KEY_TTL_MS = 24 * 3600 * 1000;
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export interface StoredResponse {
  status: number;
  body: unknown;
}

export interface IdempotentResult extends StoredResponse {
  /** True when this is the stored answer to an earlier request with the same key. */
  replayed: boolean;
}

/** Validates the header value; 400 naming the header when it is not 1–255 printable ASCII characters. */
export const parseIdempotencyKey = (value: string | string[] | undefined): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(value)) {
    throw new TesseraError(
      'validation_failed',
      'Idempotency-Key: must be 1–255 printable ASCII characters without spaces (a UUID is a good choice).',
      { field: 'Idempotency-Key' },
    );
  }
  return value;
};

/** A fingerprint of what was asked, so one key cannot be reused for a different request. */
export const requestHash = (request: unknown): string =>
  Buffer.from(sha256(utf8(canonicalJson(request)))).toString('hex');

const reused = () =>
  new TesseraError(
    'idempotency_key_reused',
    'This Idempotency-Key was already used with a different request; use a new key for a new request.',
    { field: 'Idempotency-Key' },
  );

const replay = (record: repo.IdempotencyRecord, hash: string): IdempotentResult => {
  if (record.requestHash !== hash) throw reused();
  if (record.status === 0) {
    throw new TesseraError(
      'idempotency_key_in_progress',
      'A request with this Idempotency-Key is still being processed; retry in a moment.',
      { field: 'Idempotency-Key', retryAfterSeconds: 1 },
    );
  }
  return { status: record.status, body: JSON.parse(record.response) as unknown, replayed: true };
};

/**
 * Runs `work` in a transaction at most once per (scope, key) within 24 hours. Without a key it simply runs
 * `work` in a transaction.
 */
export const withIdempotency = async (
  db: Kysely<Database>,
  clock: Clock,
  key: { scope: string; key: string | undefined; requestHash: string },
  work: (trx: Trx) => Promise<StoredResponse>,
): Promise<IdempotentResult> => {
  const idempotencyKey = key.key;
  if (idempotencyKey === undefined) return { ...(await inTransaction(db, work)), replayed: false };
  const now = clock.now();
  const cutoff = isoTime(new Date(now.getTime() - IDEMPOTENCY_KEY_TTL_MS));
  const existing = await repo.findIdempotencyKey(db, key.scope, idempotencyKey);
  if (existing && existing.createdAt >= cutoff) return replay(existing, key.requestHash);
  try {
    return await inTransaction(db, async (trx) => {
      await repo.deleteExpiredIdempotencyKeys(trx, cutoff, { scope: key.scope, key: idempotencyKey });
      // The primary key decides between concurrent requests: this insert waits for, or fails against, theirs.
      await repo.insertIdempotencyKey(trx, {
        scope: key.scope,
        key: idempotencyKey,
        requestHash: key.requestHash,
        status: 0,
        response: '',
        createdAt: isoTime(now),
      });
      const result = await work(trx);
      await repo.completeIdempotencyKey(
        trx,
        key.scope,
        idempotencyKey,
        result.status,
        JSON.stringify(result.body),
      );
      return { ...result, replayed: false };
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const winner = await repo.findIdempotencyKey(db, key.scope, idempotencyKey);
    if (!winner) throw error;
    return replay(winner, key.requestHash);
  }
};

/** Housekeeping: forgets every key older than 24 hours. */
export const purgeExpiredIdempotencyKeys = (db: Kysely<Database>, clock: Clock): Promise<number> =>
  repo.deleteExpiredIdempotencyKeys(db, isoTime(new Date(clock.now().getTime() - IDEMPOTENCY_KEY_TTL_MS)));
