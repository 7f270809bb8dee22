// Every context nonce Central has taken in, per container: a context or receipt that arrives twice is a
// replay, answered as such and never processed again (a container that really moved backwards sends a new
// context with a new nonce, and that one is judged as manipulation).

import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the application's schema types.
type AnyDb = Kysely<any>;

export const up = async (db: AnyDb): Promise<void> => {
  await db.schema
    .createTable('context_nonces')
    .addColumn('container_id', 'text', (c) => c.notNull().references('containers.id'))
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('context_nonces_pk', ['container_id', 'nonce'])
    .execute();
};

export const down = async (db: AnyDb): Promise<void> => {
  await db.schema.dropTable('context_nonces').execute();
};
