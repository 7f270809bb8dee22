// Kysely queries of the webhooks module for SQLite and PostgreSQL: subscriptions, the delivery queue and its
// log. The queue is claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL (several Central instances run
// workers) and with the same statements without row locks on SQLite, where a writing transaction is exclusive.
// Nothing here opens a transaction; callers pass one where statements must go together.

import type { DeliveryStatus } from '../../db/schema-licensing.js';
import type { Executor, Trx } from '../../db/transaction.js';
import type { PageRequest } from '../../http/pagination.js';

export interface Subscription {
  id: string;
  url: string;
  description: string;
  events: string[];
  active: boolean;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  /** Until when the previous secret still signs (after a rotation with a grace period). */
  previousSecretExpiresAt: string | null;
}

export interface SealedSecrets {
  secretSealed: string;
  previousSecretSealed: string | null;
  previousSecretExpiresAt: string | null;
}

export interface Delivery {
  id: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

const subscriptionColumns = [
  'webhook_subscriptions.id',
  'webhook_subscriptions.url',
  'webhook_subscriptions.description',
  'webhook_subscriptions.events',
  'webhook_subscriptions.active',
  'webhook_subscriptions.created_by',
  'webhook_subscriptions.created_at',
  'webhook_subscriptions.updated_at',
  'webhook_subscriptions.previous_secret_expires_at',
] as const;

const toSubscription = (row: {
  id: string;
  url: string;
  description: string;
  events: string;
  active: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  previous_secret_expires_at: string | null;
}): Subscription => ({
  id: row.id,
  url: row.url,
  description: row.description,
  events: JSON.parse(row.events) as string[],
  active: row.active === 1,
  createdBy: row.created_by,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  previousSecretExpiresAt: row.previous_secret_expires_at,
});

// ——— subscriptions ———

export const insertSubscription = async (
  ex: Executor,
  subscription: Subscription,
  secretSealed: string,
): Promise<void> => {
  await ex
    .insertInto('webhook_subscriptions')
    .values({
      id: subscription.id,
      url: subscription.url,
      description: subscription.description,
      secret_sealed: secretSealed,
      previous_secret_sealed: null,
      previous_secret_expires_at: null,
      events: JSON.stringify(subscription.events),
      active: subscription.active ? 1 : 0,
      created_by: subscription.createdBy,
      created_at: subscription.createdAt,
      updated_at: subscription.updatedAt,
    })
    .execute();
};

export const findSubscription = async (ex: Executor, id: string): Promise<Subscription | undefined> => {
  const row = await ex
    .selectFrom('webhook_subscriptions')
    .select(subscriptionColumns)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && toSubscription(row);
};

/** Oldest first; the cursor key is the id (UUIDv7) of the last subscription seen. */
export const listSubscriptions = async (ex: Executor, page: PageRequest): Promise<Subscription[]> => {
  let query = ex
    .selectFrom('webhook_subscriptions')
    .select(subscriptionColumns)
    .orderBy('id')
    .limit(page.limit + 1);
  if (page.after !== undefined) query = query.where('id', '>', page.after);
  return (await query.execute()).map(toSubscription);
};

export const updateSubscription = async (
  ex: Executor,
  id: string,
  change: { url?: string; description?: string; events?: string[]; active?: boolean; updatedAt: string },
): Promise<boolean> => {
  const result = await ex
    .updateTable('webhook_subscriptions')
    .set({
      ...(change.url !== undefined ? { url: change.url } : {}),
      ...(change.description !== undefined ? { description: change.description } : {}),
      ...(change.events !== undefined ? { events: JSON.stringify(change.events) } : {}),
      ...(change.active !== undefined ? { active: change.active ? 1 : 0 } : {}),
      updated_at: change.updatedAt,
    })
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
};

export const findSealedSecrets = async (ex: Executor, id: string): Promise<SealedSecrets | undefined> => {
  const row = await ex
    .selectFrom('webhook_subscriptions')
    .select(['secret_sealed', 'previous_secret_sealed', 'previous_secret_expires_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  return (
    row && {
      secretSealed: row.secret_sealed,
      previousSecretSealed: row.previous_secret_sealed,
      previousSecretExpiresAt: row.previous_secret_expires_at,
    }
  );
};

/** Replaces the secret only if it is still `expected` (two concurrent rotations: one wins, one retries). */
export const replaceSecret = async (
  ex: Executor,
  id: string,
  expected: string,
  next: SealedSecrets,
  updatedAt: string,
): Promise<boolean> => {
  const result = await ex
    .updateTable('webhook_subscriptions')
    .set({
      secret_sealed: next.secretSealed,
      previous_secret_sealed: next.previousSecretSealed,
      previous_secret_expires_at: next.previousSecretExpiresAt,
      updated_at: updatedAt,
    })
    .where('id', '=', id)
    .where('secret_sealed', '=', expected)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
};

/** Deletes a subscription with its delivery log (the events themselves stay in the outbox). */
export const deleteSubscription = async (trx: Trx, id: string): Promise<boolean> => {
  await trx.deleteFrom('webhook_deliveries').where('subscription_id', '=', id).execute();
  const result = await trx.deleteFrom('webhook_subscriptions').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
};

// ——— deliveries (the log) ———

const deliveryColumns = [
  'webhook_deliveries.id',
  'webhook_deliveries.subscription_id',
  'webhook_deliveries.event_id',
  'events.type as event_type',
  'webhook_deliveries.status',
  'webhook_deliveries.attempts',
  'webhook_deliveries.next_attempt_at',
  'webhook_deliveries.last_attempt_at',
  'webhook_deliveries.last_status',
  'webhook_deliveries.last_error',
  'webhook_deliveries.delivered_at',
  'webhook_deliveries.created_at',
] as const;

const toDelivery = (row: {
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
}): Delivery => ({
  id: row.id,
  subscriptionId: row.subscription_id,
  eventId: row.event_id,
  eventType: row.event_type,
  status: row.status,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
  lastAttemptAt: row.last_attempt_at,
  lastStatus: row.last_status,
  lastError: row.last_error,
  deliveredAt: row.delivered_at,
  createdAt: row.created_at,
});

export const findDelivery = async (ex: Executor, id: string): Promise<Delivery | undefined> => {
  const row = await ex
    .selectFrom('webhook_deliveries')
    .innerJoin('events', 'events.id', 'webhook_deliveries.event_id')
    .select(deliveryColumns)
    .where('webhook_deliveries.id', '=', id)
    .executeTakeFirst();
  return row && toDelivery(row);
};

/** Newest first; the cursor key is the id of the last delivery seen. */
export const listDeliveries = async (
  ex: Executor,
  filter: { subscriptionId: string; status?: DeliveryStatus | undefined },
  page: PageRequest,
): Promise<Delivery[]> => {
  let query = ex
    .selectFrom('webhook_deliveries')
    .innerJoin('events', 'events.id', 'webhook_deliveries.event_id')
    .select(deliveryColumns)
    .where('webhook_deliveries.subscription_id', '=', filter.subscriptionId)
    .orderBy('webhook_deliveries.id', 'desc')
    .limit(page.limit + 1);
  if (filter.status !== undefined) query = query.where('webhook_deliveries.status', '=', filter.status);
  if (page.after !== undefined) query = query.where('webhook_deliveries.id', '<', page.after);
  return (await query.execute()).map(toDelivery);
};

/** Puts a delivery back in the queue, due now, with a fresh attempt budget. */
export const requeueDelivery = async (ex: Executor, id: string, now: string): Promise<boolean> => {
  const result = await ex
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', attempts: 0, next_attempt_at: now, delivered_at: null })
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
};

/** An event outside the domain events (a ping) with one delivery to one subscription. */
export const insertEventWithDelivery = async (
  ex: Executor,
  event: { id: string; type: string; subjectType: string; subjectId: string; data: Record<string, unknown> },
  delivery: { id: string; subscriptionId: string },
  now: string,
): Promise<void> => {
  await ex
    .insertInto('events')
    .values({
      id: event.id,
      type: event.type,
      subject_type: event.subjectType,
      subject_id: event.subjectId,
      group_path: null,
      data: JSON.stringify(event.data),
      occurred_at: now,
    })
    .execute();
  await ex
    .insertInto('webhook_deliveries')
    .values({
      id: delivery.id,
      subscription_id: delivery.subscriptionId,
      event_id: event.id,
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      last_attempt_at: null,
      last_status: null,
      last_error: null,
      delivered_at: null,
      created_at: now,
    })
    .execute();
};

// ——— the queue (worker) ———

/** A claimed delivery with what sending it needs. */
export interface ClaimedDelivery {
  id: string;
  attempts: number;
  subscriptionId: string;
  url: string;
  secrets: SealedSecrets;
  event: {
    id: string;
    type: string;
    occurredAt: string;
    subject: { type: string; id: string | null };
    data: string;
  };
}

/**
 * Claims up to `limit` due deliveries of active subscriptions: counts the attempt and pushes
 * `next_attempt_at` to `leaseUntil`, so another worker skips them now and a crashed worker's claim lapses.
 * Run it in its own short transaction; `lockRows` adds FOR UPDATE SKIP LOCKED (PostgreSQL).
 */
export const claimDueDeliveries = async (
  trx: Trx,
  options: { now: string; leaseUntil: string; limit: number; lockRows: boolean },
): Promise<ClaimedDelivery[]> => {
  let due = trx
    .selectFrom('webhook_deliveries')
    .select('webhook_deliveries.id')
    .where('webhook_deliveries.status', '=', 'pending')
    .where('webhook_deliveries.next_attempt_at', '<=', options.now)
    .where('webhook_deliveries.subscription_id', 'in', (eb) =>
      eb.selectFrom('webhook_subscriptions').select('webhook_subscriptions.id').where('active', '=', 1),
    )
    .orderBy('webhook_deliveries.next_attempt_at')
    .orderBy('webhook_deliveries.id')
    .limit(options.limit);
  if (options.lockRows) due = due.forUpdate().skipLocked();
  const ids = (await due.execute()).map((row) => row.id);
  if (ids.length === 0) return [];
  const claimed = await trx
    .updateTable('webhook_deliveries')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      last_attempt_at: options.now,
      next_attempt_at: options.leaseUntil,
    }))
    .where('id', 'in', ids)
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', options.now)
    .returning('id')
    .execute();
  if (claimed.length === 0) return [];
  const rows = await trx
    .selectFrom('webhook_deliveries')
    .innerJoin('webhook_subscriptions', 'webhook_subscriptions.id', 'webhook_deliveries.subscription_id')
    .innerJoin('events', 'events.id', 'webhook_deliveries.event_id')
    .select([
      'webhook_deliveries.id',
      'webhook_deliveries.attempts',
      'webhook_subscriptions.id as subscription_id',
      'webhook_subscriptions.url',
      'webhook_subscriptions.secret_sealed',
      'webhook_subscriptions.previous_secret_sealed',
      'webhook_subscriptions.previous_secret_expires_at',
      'events.id as event_id',
      'events.type',
      'events.occurred_at',
      'events.subject_type',
      'events.subject_id',
      'events.data',
    ])
    .where(
      'webhook_deliveries.id',
      'in',
      claimed.map((row) => row.id),
    )
    .orderBy('webhook_deliveries.next_attempt_at')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    attempts: row.attempts,
    subscriptionId: row.subscription_id,
    url: row.url,
    secrets: {
      secretSealed: row.secret_sealed,
      previousSecretSealed: row.previous_secret_sealed,
      previousSecretExpiresAt: row.previous_secret_expires_at,
    },
    event: {
      id: row.event_id,
      type: row.type,
      occurredAt: row.occurred_at,
      subject: { type: row.subject_type, id: row.subject_id },
      data: row.data,
    },
  }));
};

/**
 * Records the outcome of a claimed attempt. Matches on the attempt count it claimed, so a worker whose lease
 * ran out (and whose delivery another worker re-claimed) cannot overwrite the newer attempt's outcome.
 */
export const recordAttempt = async (
  ex: Executor,
  claim: { id: string; attempts: number },
  outcome:
    | { status: 'delivered'; lastStatus: number; at: string }
    | { status: 'pending'; lastStatus: number | null; lastError: string; nextAttemptAt: string }
    | { status: 'failed'; lastStatus: number | null; lastError: string },
): Promise<boolean> => {
  const result = await ex
    .updateTable('webhook_deliveries')
    .set(
      outcome.status === 'delivered'
        ? {
            status: 'delivered',
            delivered_at: outcome.at,
            last_status: outcome.lastStatus,
            last_error: null,
            next_attempt_at: null,
          }
        : {
            status: outcome.status,
            last_status: outcome.lastStatus,
            last_error: outcome.lastError,
            next_attempt_at: outcome.status === 'pending' ? outcome.nextAttemptAt : null,
          },
    )
    .where('id', '=', claim.id)
    .where('status', '=', 'pending')
    .where('attempts', '=', claim.attempts)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
};
