// Webhook subscriptions and their delivery log, for ISV admins: create (the signing secret is shown once and
// stored sealed under the master key), change, delete, rotate the secret with a grace period, ping, read the
// log, redeliver. Each change records its audit entry in the caller's transaction. Not here: emitting events
// (events/service.ts queues deliveries) and sending them (worker.ts).

import { type Clock, TesseraError } from '@tessera/core';
import type { DeliveryStatus } from '../../db/schema-licensing.js';
import { type Executor, isoTime, newId, type Trx } from '../../db/transaction.js';
import { type Page, type PageRequest, toPage } from '../../http/pagination.js';
import { forbidden, isIsvAdmin } from '../accounts/policy.js';
import type { Random } from '../accounts/secrets.js';
import { auditActor, type Caller } from '../accounts/service.js';
import type { AuditLog } from '../audit/service.js';
import { type MasterKeys, openSecret, SEAL_CONTEXT, sealSecret } from '../catalog/master-key.js';
import { checkWebhookUrl } from './destination.js';
import * as repo from './repository.js';
import { newWebhookSecret } from './signature.js';
import { previousSecretContext } from './worker.js';

/** The event type of a ping delivery (not a domain event: only the pinged subscription receives it). */
export const PING_EVENT_TYPE = 'webhook.ping';
/** Default and longest time the previous secret keeps signing after a rotation. */
export const DEFAULT_GRACE_SECONDS = 24 * 3600;
export const MAX_GRACE_SECONDS = 7 * 24 * 3600;

export type { Delivery, Subscription } from './repository.js';

export interface WebhooksDeps {
  clock: Clock;
  random: Random;
  audit: AuditLog;
  masterKeys: MasterKeys;
}

const notFound = (what: 'webhook' | 'webhook_delivery', id: string) =>
  new TesseraError(`${what}_not_found`, `No ${what.replace('_', ' ')} with id ${id} exists.`);

export type WebhooksService = ReturnType<typeof createWebhooksService>;

export const createWebhooksService = (deps: WebhooksDeps) => {
  const { clock, audit, masterKeys } = deps;
  const now = () => isoTime(clock.now());

  const requireIsvAdmin = (caller: Caller) => {
    if (!isIsvAdmin(caller.principal)) throw forbidden('Only ISV admins manage webhooks.');
  };

  const existing = async (ex: Executor, id: string) => {
    const subscription = await repo.findSubscription(ex, id);
    if (!subscription) throw notFound('webhook', id);
    return subscription;
  };

  const seal = (secret: string, context: string) =>
    sealSecret(masterKeys, Buffer.from(secret, 'utf8'), context);

  const record = (trx: Trx, caller: Caller, action: string, id: string, data: Record<string, unknown>) =>
    audit.record(trx, { actor: auditActor(caller), action, subject: { type: 'webhook', id }, data });

  return {
    create: async (
      trx: Trx,
      caller: Caller,
      input: { url: string; events: string[]; description: string },
    ): Promise<{ webhook: repo.Subscription; secret: string }> => {
      requireIsvAdmin(caller);
      const at = now();
      const webhook: repo.Subscription = {
        id: newId(),
        url: checkWebhookUrl(input.url),
        description: input.description,
        events: [...new Set(input.events)],
        active: true,
        createdBy: caller.principal.user.id,
        createdAt: at,
        updatedAt: at,
        previousSecretExpiresAt: null,
      };
      const secret = newWebhookSecret(deps.random);
      await repo.insertSubscription(trx, webhook, seal(secret, SEAL_CONTEXT.webhookSecret(webhook.id)));
      await record(trx, caller, 'webhook.created', webhook.id, { url: webhook.url, events: webhook.events });
      return { webhook, secret };
    },

    list: async (ex: Executor, caller: Caller, page: PageRequest): Promise<Page<repo.Subscription>> => {
      requireIsvAdmin(caller);
      return toPage(await repo.listSubscriptions(ex, page), page, (s) => s.id);
    },

    get: async (ex: Executor, caller: Caller, id: string): Promise<repo.Subscription> => {
      requireIsvAdmin(caller);
      return existing(ex, id);
    },

    update: async (
      trx: Trx,
      caller: Caller,
      id: string,
      change: {
        url?: string | undefined;
        events?: string[] | undefined;
        active?: boolean | undefined;
        description?: string | undefined;
      },
    ): Promise<repo.Subscription> => {
      requireIsvAdmin(caller);
      const before = await existing(trx, id);
      const next = {
        ...(change.url !== undefined ? { url: checkWebhookUrl(change.url) } : {}),
        ...(change.events !== undefined ? { events: [...new Set(change.events)] } : {}),
        ...(change.active !== undefined ? { active: change.active } : {}),
        ...(change.description !== undefined ? { description: change.description } : {}),
      };
      const at = now();
      if (!(await repo.updateSubscription(trx, id, { ...next, updatedAt: at })))
        throw notFound('webhook', id);
      const changed = Object.fromEntries(
        Object.entries(next).map(([key, value]) => [
          key,
          { from: before[key as keyof typeof next], to: value },
        ]),
      );
      await record(trx, caller, 'webhook.updated', id, changed);
      return { ...before, ...next, updatedAt: at };
    },

    remove: async (trx: Trx, caller: Caller, id: string): Promise<void> => {
      requireIsvAdmin(caller);
      const before = await existing(trx, id);
      if (!(await repo.deleteSubscription(trx, id))) throw notFound('webhook', id);
      await record(trx, caller, 'webhook.deleted', id, { url: before.url, events: before.events });
    },

    /**
     * A new secret, shown once. The old one keeps signing (as a second v1 signature) for `graceSeconds`, so
     * receivers can switch without dropping deliveries; 0 retires it at once.
     */
    rotateSecret: async (
      trx: Trx,
      caller: Caller,
      id: string,
      graceSeconds: number,
    ): Promise<{ webhook: repo.Subscription; secret: string }> => {
      requireIsvAdmin(caller);
      const before = await existing(trx, id);
      const sealed = await repo.findSealedSecrets(trx, id);
      if (!sealed) throw notFound('webhook', id);
      const at = clock.now();
      const secret = newWebhookSecret(deps.random);
      // The outgoing secret is re-sealed under the context of the previous-secret column.
      const outgoing = Buffer.from(
        openSecret(masterKeys, sealed.secretSealed, SEAL_CONTEXT.webhookSecret(id)),
      ).toString('utf8');
      const previousSecretExpiresAt =
        graceSeconds > 0 ? isoTime(new Date(at.getTime() + graceSeconds * 1000)) : null;
      const replaced = await repo.replaceSecret(
        trx,
        id,
        sealed.secretSealed,
        {
          secretSealed: seal(secret, SEAL_CONTEXT.webhookSecret(id)),
          previousSecretSealed: graceSeconds > 0 ? seal(outgoing, previousSecretContext(id)) : null,
          previousSecretExpiresAt,
        },
        isoTime(at),
      );
      if (!replaced) {
        throw new TesseraError(
          'conflict',
          'The secret was rotated by another request at the same time; retry.',
        );
      }
      await record(trx, caller, 'webhook.secret_rotated', id, { graceSeconds, previousSecretExpiresAt });
      return { webhook: { ...before, previousSecretExpiresAt, updatedAt: isoTime(at) }, secret };
    },

    /** Queues a `webhook.ping` delivery to this subscription only. */
    ping: async (trx: Trx, caller: Caller, id: string): Promise<repo.Delivery> => {
      requireIsvAdmin(caller);
      const subscription = await existing(trx, id);
      if (!subscription.active) {
        throw new TesseraError('webhook_inactive', 'The webhook is paused; set active: true to ping it.');
      }
      const at = now();
      const event = {
        id: newId(),
        type: PING_EVENT_TYPE,
        subjectType: 'webhook',
        subjectId: id,
        data: { webhookId: id, url: subscription.url },
      };
      const deliveryId = newId();
      await repo.insertEventWithDelivery(trx, event, { id: deliveryId, subscriptionId: id }, at);
      await record(trx, caller, 'webhook.pinged', id, { eventId: event.id, deliveryId });
      const delivery = await repo.findDelivery(trx, deliveryId);
      if (!delivery) throw notFound('webhook_delivery', deliveryId);
      return delivery;
    },

    deliveries: async (
      ex: Executor,
      caller: Caller,
      id: string,
      filter: { status?: DeliveryStatus | undefined },
      page: PageRequest,
    ): Promise<Page<repo.Delivery>> => {
      requireIsvAdmin(caller);
      await existing(ex, id);
      return toPage(
        await repo.listDeliveries(ex, { subscriptionId: id, status: filter.status }, page),
        page,
        (d) => d.id,
      );
    },

    /** Puts one delivery back in the queue, due now, with a fresh attempt budget (any status). */
    redeliver: async (trx: Trx, caller: Caller, deliveryId: string): Promise<repo.Delivery> => {
      requireIsvAdmin(caller);
      const before = await repo.findDelivery(trx, deliveryId);
      if (!before) throw notFound('webhook_delivery', deliveryId);
      if (!(await repo.requeueDelivery(trx, deliveryId, now())))
        throw notFound('webhook_delivery', deliveryId);
      await record(trx, caller, 'webhook_delivery.redelivered', before.subscriptionId, {
        deliveryId,
        eventId: before.eventId,
        previousStatus: before.status,
        previousAttempts: before.attempts,
      });
      const after = await repo.findDelivery(trx, deliveryId);
      if (!after) throw notFound('webhook_delivery', deliveryId);
      return after;
    },
  };
};
