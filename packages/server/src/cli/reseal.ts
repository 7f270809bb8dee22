// `npm run reseal` (node packages/server/dist/cli/reseal.js): after a master key rotation — the new key in
// TESSERA_MASTER_KEY, the old one in TESSERA_MASTER_KEY_PREVIOUS — re-seals every sealed column under the new
// key in one transaction. Afterwards the old key can be removed from TESSERA_MASTER_KEY_PREVIOUS.

import { migrateToLatest } from '../db/migrator.js';
import { inTransaction } from '../db/transaction.js';
import { resealSecrets } from '../modules/catalog/reseal.js';
import {
  configFromEnvironment,
  loadConfiguredMasterKeys,
  openConfiguredDatabase,
  StartupError,
} from '../startup.js';

const run = async (): Promise<void> => {
  const config = configFromEnvironment(process.env);
  const database = await openConfiguredDatabase(config);
  try {
    const keys = loadConfiguredMasterKeys(config);
    await migrateToLatest(database.db);
    const report = await inTransaction(database.db, (trx) => resealSecrets(trx, keys));
    process.stdout.write(
      `re-sealed under the current master key: ${report.firmKeys} firm key(s), ${report.webhookSecrets} webhook secret(s)\n`,
    );
  } finally {
    await database.close();
  }
};

run().catch((error: unknown) => {
  const line =
    error instanceof StartupError
      ? error.message
      : `reseal failed: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(`tessera: ${line}\n`);
  process.exit(1);
});
