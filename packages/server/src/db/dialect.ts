// Which dialect a Kysely instance speaks, for the rare place (migrations) that must differ.

import { type Kysely, PostgresAdapter } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: used by migrations, which run against an untyped database.
export const isPostgres = (db: Kysely<any>): boolean => db.getExecutor().adapter instanceof PostgresAdapter;
