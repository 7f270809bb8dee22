// Central's entry point (`npm start`): configuration → database probe → migrations → first-start bootstrap →
// HTTP server, and a graceful stop on SIGTERM/SIGINT. A bad configuration ends the process with one line on
// stderr naming the variable, before anything is created.

import { systemClock } from '@tessera/core';
import pino from 'pino';
import { buildApp } from './app.js';
import { type BootstrapResult, bootstrap } from './bootstrap/bootstrap.js';
import { DEMO_CUSTOMER, DEMO_CUSTOMER_EXTERNAL_ID } from './bootstrap/demo.js';
import type { Config } from './config.js';
import type { DatabaseHandle } from './db/database.js';
import { migrateToLatest } from './db/migrator.js';
import { isoTime } from './db/transaction.js';
import { requestLogSerializers } from './http/log-redaction.js';
import { deleteExpiredSessions } from './modules/accounts/repository.js';
import { systemRandom } from './modules/accounts/secrets.js';
import { createAuditLog } from './modules/audit/service.js';
import { purgeExpiredIdempotencyKeys } from './modules/orders/idempotency.js';
import { createWebhookWorker } from './modules/webhooks/worker.js';
import {
  checkMasterKeysMatchDatabase,
  configFromEnvironment,
  loadConfiguredMasterKeys,
  openConfiguredDatabase,
  probeListenAddress,
  StartupError,
} from './startup.js';

const SHUTDOWN_GRACE_MS = 10_000;
const HOUSEKEEPING_INTERVAL_MS = 60 * 60 * 1000;
const WEBHOOK_POLL_INTERVAL_MS = 1000;
/** Webhook requests still open this long into a shutdown are aborted (and retried later). */
const WEBHOOK_STOP_GRACE_MS = 5000;

const say = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

const announce = (config: Config, result: BootstrapResult, listeningOn: string): void => {
  say();
  say(
    `Tessera Central is ready: ${config.publicUrl}   (listening on ${listeningOn}; API docs at ${config.publicUrl}/api/docs)`,
  );
  if (result.created) {
    if (result.generatedPassword !== null) {
      say(`ISV admin created: ${result.admin.email}   password: ${result.generatedPassword}`);
      say(
        '  This password is shown only now. Store it, or set TESSERA_ADMIN_PASSWORD before the first start.',
      );
    } else {
      say(`ISV admin created: ${result.admin.email}   (password from TESSERA_ADMIN_PASSWORD)`);
    }
    if (result.bootstrapTokenCreated)
      say('Bootstrap API token created with the secret from TESSERA_BOOTSTRAP_TOKEN.');
    if (result.demo) {
      say(
        `Demo data loaded (TESSERA_DEMO=0 turns it off). Demo users, all with password ${result.demo.password}:`,
      );
      for (const user of result.demo.users) say(`  ${user.email.padEnd(36)} ${user.role} of ${user.group}`);
      say(`Demo firm code ${result.demo.firmCode} with products ${result.demo.products.join(', ')}.`);
      say(`Demo tickets of ${DEMO_CUSTOMER} (customer number ${DEMO_CUSTOMER_EXTERNAL_ID}):`);
      for (const code of result.demo.tickets) say(`  ${code}`);
    }
  } else {
    say(
      `ISV admin already exists (${result.adminEmails.join(', ') || 'none active'}); its password is not shown again.`,
    );
  }
  say();
};

const run = async (): Promise<void> => {
  const config = configFromEnvironment(process.env);
  await probeListenAddress(config.host, config.port);
  const database: DatabaseHandle = await openConfiguredDatabase(config);
  const logger = pino({ level: config.logLevel, serializers: requestLogSerializers });
  try {
    const masterKeys = loadConfiguredMasterKeys(config);
    const migrated = await migrateToLatest(database.db);
    if (migrated.applied.length > 0) logger.info({ applied: migrated.applied }, 'database migrated');
    await checkMasterKeysMatchDatabase(database.db, masterKeys);
    const clock = systemClock;
    const result = await bootstrap(database.db, {
      config,
      clock,
      random: systemRandom,
      audit: createAuditLog(clock),
      masterKeys,
    });

    const app = await buildApp({ config, database, clock, logger, masterKeys });
    const address = await app.listen({ host: config.host, port: config.port });
    announce(config, result, address);

    const housekeeping = setInterval(() => {
      deleteExpiredSessions(database.db, isoTime(clock.now())).catch((error: unknown) =>
        logger.warn({ err: error }, 'housekeeping: deleting expired sessions failed'),
      );
      purgeExpiredIdempotencyKeys(database.db, clock).catch((error: unknown) =>
        logger.warn({ err: error }, 'housekeeping: deleting expired idempotency keys failed'),
      );
    }, HOUSEKEEPING_INTERVAL_MS);
    housekeeping.unref();

    const webhooks = config.webhooks.enabled
      ? createWebhookWorker({
          db: database.db,
          dialect: database.dialect,
          clock,
          masterKeys,
          logger,
          timeoutMs: config.webhooks.timeoutMs,
        })
      : undefined;
    webhooks?.start(WEBHOOK_POLL_INTERVAL_MS);

    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
      clearInterval(housekeeping);
      setTimeout(() => {
        logger.error('shutdown took too long; exiting');
        process.exit(1);
      }, SHUTDOWN_GRACE_MS).unref();
      Promise.all([app.close(), webhooks?.stop({ abortAfterMs: WEBHOOK_STOP_GRACE_MS })])
        .then(() => database.close())
        .then(() => {
          logger.info('stopped');
          process.exit(0);
        })
        .catch((error: unknown) => {
          logger.error({ err: error }, 'error during shutdown');
          process.exit(1);
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  } catch (error) {
    await database.close().catch(() => {});
    throw error;
  }
};

run().catch((error: unknown) => {
  const line =
    error instanceof StartupError
      ? error.message
      : `start failed: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(`tessera: ${line}\n`);
  process.exit(1);
});
