// The event outbox: a service that changes state emits its domain events inside the same transaction, so an
// event exists exactly when its change committed. Emitting also queues one delivery per matching webhook
// subscription; the webhooks module delivers them (signed, retried) from there.

import type { Clock } from '@tessera/core';
import type { Insertable } from 'kysely';
import { perTransaction } from '../../db/memo.js';
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
const activeSubscriptions = perTransaction((ex) =>
  ex.selectFrom('webhook_subscriptions').select(['id', 'events']).where('active', '=', 1).execute(),
);

type EventRow = Insertable<EventTable>;
type DeliveryRow = Insertable<WebhookDeliveryTable>;

// The events of one transaction, and then their deliveries, are inserted together just before it commits
// (events first: deliveries reference them).
const appendEvent = batchedInserts<EventRow>(async (trx, rows) => {
  await trx.insertInto('events').values(rows).execute();
});
const appendDelivery = batchedInserts<DeliveryRow>(async (trx, rows) => {
  await trx.insertInto('webhook_deliveries').values(rows).execute();
});

export const createEventSink = (clock: Clock): EventSink => ({
  emit: async (trx, event) => {
    const id = newId();
    const at = isoTime(clock.now());
    await appendEvent(trx, {
      id,
      type: event.type,
      subject_type: event.subject.type,
      subject_id: event.subject.id,
      group_path: event.groupPath ?? null,
      data: JSON.stringify(event.data),
      occurred_at: at,
    });
    const subscriptions = await activeSubscriptions(trx);
    for (const subscription of subscriptions) {
      if (!(JSON.parse(subscription.events) as string[]).includes(event.type)) continue;
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
