// `npm run migrate`: applies pending migrations with the same configuration as `npm start`, then exits.
// Useful before rolling out a new version to several instances (each would also migrate at start).

import { migrateToLatest } from '../db/migrator.js';
import { configFromEnvironment, openConfiguredDatabase, StartupError } from '../startup.js';

const run = async (): Promise<void> => {
  const config = configFromEnvironment(process.env);
  const database = await openConfiguredDatabase(config);
  try {
    const { applied } = await migrateToLatest(database.db);
    const where = config.database.dialect === 'sqlite' ? config.database.file : 'PostgreSQL (DATABASE_URL)';
    process.stdout.write(
      applied.length === 0 ? `${where}: already up to date\n` : `${where}: applied ${applied.join(', ')}\n`,
    );
  } finally {
    await database.close();
  }
};

run().catch((error: unknown) => {
  const line =
    error instanceof StartupError
      ? error.message
      : `migration failed: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(`tessera: ${line}\n`);
  process.exit(1);
});
