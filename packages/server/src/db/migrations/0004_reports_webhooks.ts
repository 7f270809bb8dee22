// Webhook secret rotation with a grace period: while `previous_secret_expires_at` lies ahead, deliveries carry
// a second signature made with the previous secret, so receivers can switch secrets without dropping events.
// Typed Kysely<any>: a migration describes the schema as it was at its time. (Reports need no schema change.)

import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the application's schema types.
type AnyDb = Kysely<any>;

export const up = async (db: AnyDb): Promise<void> => {
  // One column per statement: SQLite's ALTER TABLE takes a single change.
  await db.schema.alterTable('webhook_subscriptions').addColumn('previous_secret_sealed', 'text').execute();
  await db.schema
    .alterTable('webhook_subscriptions')
    .addColumn('previous_secret_expires_at', 'text')
    .execute();
};

export const down = async (db: AnyDb): Promise<void> => {
  await db.schema.alterTable('webhook_subscriptions').dropColumn('previous_secret_expires_at').execute();
  await db.schema.alterTable('webhook_subscriptions').dropColumn('previous_secret_sealed').execute();
};
