// The event outbox: a service that changes state emits its domain events inside the same transaction, so an
// event exists exactly when its change committed. Emitting queues one delivery per matching webhook
// subscription; the webhooks module delivers them (signed, retried) from there. Events no subscription
// receives are not stored.

import type { Clock } from '@tessera/core';
import { perTransaction } from '../../db/memo.js';
import { prepared, preparedRowsInsert } from '../../db/prepared.js';
import type { EventTable, WebhookDeliveryTable } from '../../db/schema-licensing.js';
import { batchedInserts, isoTime, newId, type Trx } from '../../db/transaction.js';

export const EVENT_TYPES = [
  'ticket.created',
  'license.activated',
  'license.confirmed',
  'license.returned',
  'license.withdrawn',
  'container.blacklisted',
  'container.manipulation_detected',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export interface DomainEvent {
  type: EventType;
  subject: { type: string; id: string | null };
  /** Path of the group the event concerns (customer), for scoping. */
  groupPath?: string | null;
  data: Record<string, unknown>;
}

export interface EventSink {
  emit(trx: Trx, event: DomainEvent): Promise<string>;
}

// Subscriptions cannot change under a running transaction: an activation emitting several events reads them once.
const activeSubscriptionsQuery = prepared((qb) =>
  qb.selectFrom('webhook_subscriptions').select(['id', 'events']).where('active', '=', 1),
);
const activeSubscriptions = perTransaction((ex) => activeSubscriptionsQuery.rows(ex, {}));

type EventRow = EventTable;
type DeliveryRow = WebhookDeliveryTable;

// The events of one transaction, and then their deliveries, are inserted together just before it commits
// (events first: deliveries reference them).
const insertEvents = preparedRowsInsert('events', [
  'id',
  'type',
  'subject_type',
  'subject_id',
  'group_path',
  'data',
  'occurred_at',
]);
const insertDeliveries = preparedRowsInsert('webhook_deliveries', [
  'id',
  'subscription_id',
  'event_id',
  'status',
  'attempts',
  'next_attempt_at',
  'last_attempt_at',
  'last_status',
  'last_error',
  'delivered_at',
  'created_at',
]);
const appendEvent = batchedInserts<EventRow>(insertEvents);
const appendDelivery = batchedInserts<DeliveryRow>(insertDeliveries);

export const createEventSink = (clock: Clock): EventSink => ({
  emit: async (trx, event) => {
    const id = newId();
    const at = isoTime(clock.now());
    // The outbox keeps what some subscription receives; an event nobody subscribed to is not written (the
    // audit log records every change either way), so a change costs no outbox rows until webhooks exist.
    const receivers = (await activeSubscriptions(trx)).filter((subscription) =>
      (JSON.parse(subscription.events) as string[]).includes(event.type),
    );
    if (receivers.length === 0) return id;
    await appendEvent(trx, {
      id,
      type: event.type,
      subject_type: event.subject.type,
      subject_id: event.subject.id,
      group_path: event.groupPath ?? null,
      data: JSON.stringify(event.data),
      occurred_at: at,
    });
    for (const subscription of receivers) {
      await appendDelivery(trx, {
        id: newId(),
        subscription_id: subscription.id,
        event_id: id,
        status: 'pending',
        attempts: 0,
        next_attempt_at: at,
        last_attempt_at: null,
        last_status: null,
        last_error: null,
        delivered_at: null,
        created_at: at,
      });
    }
    return id;
  },
});
