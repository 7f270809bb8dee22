// Licensing: the catalog (firm codes with their keys, products, settings), orders with their tickets and
// ticket licenses, the container registry with Central's record of every update step it issued, the event
// outbox and webhooks. Typed Kysely<any>: a migration describes the schema as it was at its time.

import { type Kysely, sql } from 'kysely';
import { isPostgres } from '../dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the application's schema types.
type AnyDb = Kysely<any>;

export const up = async (db: AnyDb): Promise<void> => {
  const postgres = isPostgres(db);

  // The customer number an ERP or shop knows a group by (the generic connector's `customerid`).
  await db.schema.alterTable('groups').addColumn('external_id', 'text').execute();
  await db.schema.createIndex('groups_external_id').on('groups').column('external_id').unique().execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('firm_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('firm_code', 'bigint', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('firm_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('firm_code_id', 'text', (c) => c.notNull().references('firm_codes.id'))
    .addColumn('key_id', 'text', (c) => c.notNull().unique())
    .addColumn('public_key', 'text', (c) => c.notNull())
    // AES-256-GCM under the master key; never stored in clear.
    .addColumn('private_key_sealed', 'text', (c) => c.notNull())
    // The firm_key_rotation envelope (JSON) the previous key signed for this one; null for a firm code's first key.
    .addColumn('rotation', 'text')
    .addColumn('previous_key_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('retired_at', 'text')
    .execute();
  await db.schema.createIndex('firm_keys_firm_code').on('firm_keys').column('firm_code_id').execute();
  // One signing key per firm code at a time.
  await db.schema
    .createIndex('firm_keys_one_active')
    .on('firm_keys')
    .column('firm_code_id')
    .unique()
    .where(sql.ref('status'), '=', 'active')
    .execute();

  await db.schema
    .createTable('products')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sku', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('firm_code_id', 'text', (c) => c.notNull().references('firm_codes.id'))
    .addColumn('product_code', 'bigint', (c) => c.notNull())
    // JSON array of 'machine' | 'portable' | 'cloud'
    .addColumn('container_types', 'text', (c) => c.notNull())
    // JSON license template (LicenseOptions plus `expirationDays`), the defaults of every license of this product
    .addColumn('default_options', 'text', (c) => c.notNull())
    // JSON array of option names an order may set
    .addColumn('order_options', 'text', (c) => c.notNull())
    // JSON array of module items
    .addColumn('modules', 'text', (c) => c.notNull())
    // Policies; null = the global default from settings.
    .addColumn('deactivation_allowed', 'integer')
    .addColumn('reactivations_allowed', 'integer')
    .addColumn('reactivation_min_wait_seconds', 'integer')
    .addColumn('reactivation_behaviour', 'text')
    .addColumn('keep_ticket_complete', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('archived_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('products_firm_code').on('products').column('firm_code_id').execute();

  await db.schema
    .createTable('containers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('serial', 'text', (c) => c.notNull().unique())
    .addColumn('type', 'text', (c) => c.notNull())
    // The container key Central pinned at first contact; a document under another key is refused.
    .addColumn('public_key', 'text')
    // ok | manipulation_detected | blacklisted | recycled
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('status_changed_at', 'text')
    // The customer group the container belongs to (set by its first ticket activation or by the order).
    .addColumn('group_id', 'text', (c) => c.references('groups.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_contact_at', 'text')
    .execute();
  await db.schema.createIndex('containers_group').on('containers').column('group_id').execute();
  await db.schema.createIndex('containers_status').on('containers').column('status').execute();

  // Central's record of one firm item in one container: what it issued, what the container proved, and the
  // baseline a manual resolution re-based on (epoch counts those resolutions).
  await db.schema
    .createTable('container_firm_items')
    .addColumn('container_id', 'text', (c) => c.notNull().references('containers.id'))
    .addColumn('firm_code', 'bigint', (c) => c.notNull())
    .addColumn('epoch', 'integer', (c) => c.notNull())
    .addColumn('baseline_fuc', 'integer', (c) => c.notNull())
    .addColumn('baseline_snapshot', 'text', (c) => c.notNull())
    .addColumn('issued_fuc', 'integer', (c) => c.notNull())
    .addColumn('confirmed_fuc', 'integer', (c) => c.notNull())
    .addColumn('pinned_key_id', 'text')
    .addColumn('reported_fuc', 'integer')
    .addColumn('reported_snapshot', 'text')
    .addColumn('reported_at', 'text')
    .addPrimaryKeyConstraint('container_firm_items_pk', ['container_id', 'firm_code'])
    .execute();

  // Every update step Central issued: replayed verbatim in multi-step catch-up, and the source of the
  // predicted container state that contexts are compared with.
  await db.schema
    .createTable('container_steps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('container_id', 'text', (c) => c.notNull().references('containers.id'))
    .addColumn('firm_code', 'bigint', (c) => c.notNull())
    .addColumn('epoch', 'integer', (c) => c.notNull())
    .addColumn('from_fuc', 'integer', (c) => c.notNull())
    .addColumn('to_fuc', 'integer', (c) => c.notNull())
    .addColumn('update_id', 'text', (c) => c.notNull())
    // JSON array of core Operations (signed licenses included), exactly as sent
    .addColumn('operations', 'text', (c) => c.notNull())
    // JSON array of { licenseId, generation, kind } — what the step means for ticket licenses
    .addColumn('effects', 'text', (c) => c.notNull())
    // JSON FirmItemSnapshot predicted after the step
    .addColumn('snapshot_after', 'text', (c) => c.notNull())
    // online | file | push | auto
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'text')
    .execute();
  // Two requests can never issue the same step of the same container: the loser retries.
  await db.schema
    .createIndex('container_steps_chain')
    .on('container_steps')
    .columns(['container_id', 'firm_code', 'epoch', 'to_fuc'])
    .unique()
    .execute();
  await db.schema.createIndex('container_steps_update').on('container_steps').column('update_id').execute();

  await db.schema
    .createTable('orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_group_id', 'text', (c) => c.notNull().references('groups.id'))
    .addColumn('external_order_id', 'text')
    // JSON object of free data fields
    .addColumn('data', 'text', (c) => c.notNull())
    // When set, the order's licenses are pre-assigned to this container and arrive at its next contact.
    .addColumn('container_id', 'text', (c) => c.references('containers.id'))
    .addColumn('created_by', 'text', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('orders_customer')
    .on('orders')
    .columns(['customer_group_id', 'created_at'])
    .execute();
  await db.schema.createIndex('orders_external').on('orders').column('external_order_id').execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('response', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
    .execute();

  await db.schema
    .createTable('tickets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // 25 characters without dashes (display form groups them by five)
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id'))
    // Allocated to a named user: only that user and the group's admins see it.
    .addColumn('user_id', 'text', (c) => c.references('users.id'))
    // Allocated to the group: visible to every member (1) or to its admins only (0).
    .addColumn('visible_to_members', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('tickets_order').on('tickets').column('order_id').execute();
  await db.schema.createIndex('tickets_group').on('tickets').column('group_id').execute();

  // A ticket license: its id is the ticket-license id written into every generation of the license.
  await db.schema
    .createTable('licenses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('ticket_id', 'text', (c) => c.references('tickets.id'))
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('product_id', 'text', (c) => c.notNull().references('products.id'))
    .addColumn('firm_code', 'bigint', (c) => c.notNull())
    .addColumn('product_code', 'bigint', (c) => c.notNull())
    // JSON license template: LicenseOptions plus `expirationDays` (resolved at first activation)
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('modules', 'text', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull())
    // available | collected | confirmed | returning | returned | withdrawn | revoked | replaced
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('container_id', 'text', (c) => c.references('containers.id'))
    .addColumn('pre_assigned_container_id', 'text', (c) => c.references('containers.id'))
    .addColumn('replaces_license_id', 'text')
    .addColumn('replaced_by_license_id', 'text')
    // The expiration time fixed at first activation (`expirationDays` resolved); kept across generations.
    .addColumn('resolved_expiration_time', 'text')
    .addColumn('reactivation_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_reactivated_at', 'text')
    .addColumn('activated_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('licenses_ticket').on('licenses').column('ticket_id').execute();
  await db.schema.createIndex('licenses_order').on('licenses').column('order_id').execute();
  await db.schema.createIndex('licenses_container').on('licenses').column('container_id').execute();
  await db.schema
    .createIndex('licenses_pre_assigned')
    .on('licenses')
    .column('pre_assigned_container_id')
    .execute();
  await db.schema.createIndex('licenses_state').on('licenses').column('state').execute();

  // The event outbox: written in the transaction of the change it describes; webhooks deliver from it.
  await db.schema
    .createTable('events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('subject_type', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text')
    .addColumn('group_path', 'text', (c) => (postgres ? c : c.modifyEnd(sql`collate nocase`)))
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_type').on('events').columns(['type', 'occurred_at']).execute();

  await db.schema
    .createTable('webhook_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    // HMAC secret, sealed under the master key (it must be readable to sign deliveries)
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    // JSON array of event types
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subscription_id', 'text', (c) => c.notNull().references('webhook_subscriptions.id'))
    .addColumn('event_id', 'text', (c) => c.notNull().references('events.id'))
    // pending | delivered | failed
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text')
    .addColumn('last_attempt_at', 'text')
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('delivered_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('webhook_deliveries_once', ['subscription_id', 'event_id'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_due')
    .on('webhook_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_subscription')
    .on('webhook_deliveries')
    .columns(['subscription_id', 'created_at'])
    .execute();
};

export const down = async (db: AnyDb): Promise<void> => {
  for (const table of [
    'webhook_deliveries',
    'webhook_subscriptions',
    'events',
    'licenses',
    'tickets',
    'idempotency_keys',
    'orders',
    'container_steps',
    'container_firm_items',
    'containers',
    'products',
    'firm_keys',
    'firm_codes',
    'settings',
  ]) {
    await db.schema.dropTable(table).execute();
  }
  await db.schema.dropIndex('groups_external_id').execute();
  await db.schema.alterTable('groups').dropColumn('external_id').execute();
};
