// Runs the versioned migrations on either dialect. Migrations are listed here explicitly (not read from a
// folder) so the compiled server finds them wherever it is installed; a new one is a new file plus a line.
// Kysely holds a lock while migrating, so several instances starting at once migrate exactly once.

import { type Kysely, type Migration, type MigrationResultSet, Migrator } from 'kysely';
import * as m0001 from './migrations/0001_accounts.js';
import * as m0002 from './migrations/0002_licensing.js';
import * as m0004 from './migrations/0004_reports_webhooks.js';
import * as m0005 from './migrations/0005_context_nonces.js';
import * as m0006 from './migrations/0006_lean_write_indexes.js';
import type { Database } from './schema.js';

export const migrations: Record<string, Migration> = {
  '0001_accounts': m0001,
  '0002_licensing': m0002,
  '0004_reports_webhooks': m0004,
  '0005_context_nonces': m0005,
  '0006_lean_write_indexes': m0006,
};

export interface MigrationReport {
  applied: string[];
}

/** Applies every pending migration (in one transaction on both dialects) and reports which ran. */
export const migrateToLatest = async (db: Kysely<Database>): Promise<MigrationReport> => {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? '(unknown)'} failed: ${describe(result.error)}`, {
      cause: result.error,
    });
  }
  return {
    applied: (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
  };
};

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
