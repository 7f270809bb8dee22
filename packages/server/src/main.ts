// Central's entry point (`npm start`): configuration → database probe → migrations → first-start bootstrap →
// HTTP server, and a graceful stop on SIGTERM/SIGINT. A bad configuration ends the process with one line on
// stderr naming the variable, before anything is created. With TESSERA_WORKERS > 1 (PostgreSQL) this process
// prepares the database and then supervises that many server processes sharing its port.

import cluster from 'node:cluster';
import { systemClock } from '@tessera/core';
import pino, { type Logger } from 'pino';
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
import type { MasterKeys } from './modules/catalog/master-key.js';
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

/** Lets the process go at once on a signal, after `stop` finished or the grace period ran out. */
const onSignals = (logger: Logger, stop: () => Promise<void>): void => {
  let stopping = false;
  const handle = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    stop()
      .then(() => {
        logger.info('stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => handle('SIGTERM'));
  process.once('SIGINT', () => handle('SIGINT'));
};

/** The HTTP server and the background jobs of one process, on an open database. */
const serve = async (
  config: Config,
  database: DatabaseHandle,
  masterKeys: MasterKeys,
  logger: Logger,
): Promise<{ address: string; stop: () => Promise<void> }> => {
  const clock = systemClock;
  const app = await buildApp({ config, database, clock, logger, masterKeys });
  const address = await app.listen({ host: config.host, port: config.port });

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

  return {
    address,
    stop: async () => {
      clearInterval(housekeeping);
      await Promise.all([app.close(), webhooks?.stop({ abortAfterMs: WEBHOOK_STOP_GRACE_MS })]);
      await database.close();
    },
  };
};

/** Everything before serving, done once: the database proven and migrated, the installation bootstrapped. */
const prepare = async (config: Config, logger: Logger) => {
  await probeListenAddress(config.host, config.port);
  const database: DatabaseHandle = await openConfiguredDatabase(config);
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
    return { database, masterKeys, result };
  } catch (error) {
    await database.close().catch(() => {});
    throw error;
  }
};

/** One of TESSERA_WORKERS server processes: the primary prepared the database; this one serves. */
const runWorker = async (config: Config, logger: Logger): Promise<void> => {
  // Stopped before it serves (the primary shuts down while this one starts): nothing is in flight.
  const stopEarly = () => process.exit(0);
  process.once('SIGTERM', stopEarly);
  process.once('SIGINT', stopEarly);
  const database = await openConfiguredDatabase(config);
  const server = await serve(config, database, loadConfiguredMasterKeys(config), logger).catch(
    async (error: unknown) => {
      await database.close().catch(() => {});
      throw error;
    },
  );
  process.off('SIGTERM', stopEarly);
  process.off('SIGINT', stopEarly);
  onSignals(logger, server.stop);
  process.send?.({ type: 'listening', address: server.address });
};

/** Set in the environment of the workers the primary forks. */
const WORKER_MARK = 'TESSERA_SERVER_WORKER';

/** Worker exits within this window beyond which the primary stops restarting them and gives up. */
const RESTART_WINDOW_MS = 60_000;
const RESTARTS_PER_WINDOW = 5;

/**
 * Several server processes on one port (node:cluster; PostgreSQL only): the primary forks the workers, prints
 * the start banner once all of them listen, restarts one that dies (a few times a minute at most), and passes
 * SIGTERM/SIGINT on to all of them, exiting when they have.
 */
const runPrimary = (config: Config, result: BootstrapResult, logger: Logger): void => {
  const listening = new Set<number>();
  const restarts: number[] = [];
  let announced = false;
  let stopping = false;
  let failed = false;

  const fork = () => {
    const worker = cluster.fork({ [WORKER_MARK]: '1' });
    worker.on('message', (message: { type?: string; address?: string }) => {
      if (message?.type !== 'listening' || typeof message.address !== 'string') return;
      listening.add(worker.id);
      if (!announced && listening.size === config.workers) {
        announced = true;
        announce(config, result, message.address);
      }
    });
  };
  const alive = () =>
    Object.values(cluster.workers ?? {}).filter(
      (worker): worker is NonNullable<typeof worker> => worker !== undefined && !worker.isDead(),
    );
  const stopAll = () => {
    stopping = true;
    for (const worker of alive()) worker.process.kill('SIGTERM');
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS + 2_000).unref();
  };

  cluster.on('exit', (worker, code, signal) => {
    const wasServing = listening.delete(worker.id);
    if (stopping) {
      // A serving worker stops gracefully on SIGTERM and says how it went with its exit code; one still
      // starting may be ended by the signal itself, which is fine — it had nothing in flight.
      if (code !== 0 && (wasServing || signal !== 'SIGTERM')) failed = true;
      if (alive().length === 0) process.exit(failed ? 1 : 0);
      return;
    }
    const now = Date.now();
    restarts.push(now);
    while ((restarts[0] ?? now) < now - RESTART_WINDOW_MS) restarts.shift();
    if (!announced || restarts.length > RESTARTS_PER_WINDOW) {
      logger.fatal({ pid: worker.process.pid, code, signal }, 'a server process failed; stopping');
      failed = true;
      stopAll();
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'a server process exited; starting another');
    fork();
  });

  for (let i = 0; i < config.workers; i++) fork();
  const onSignal = (signal: string) => {
    if (stopping) return;
    logger.info({ signal, workers: alive().length }, 'shutting down the server processes');
    stopAll();
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
};

const run = async (): Promise<void> => {
  const config = configFromEnvironment(process.env);
  const logger = pino({ level: config.logLevel, serializers: requestLogSerializers });
  // Only a worker this process' primary forked: under another cluster manager (pm2) every process is a
  // cluster worker, and each must then start as a whole Central.
  if (cluster.isWorker && process.env[WORKER_MARK] === '1') return runWorker(config, logger);
  const { database, masterKeys, result } = await prepare(config, logger);
  if (config.workers === 1) {
    const server = await serve(config, database, masterKeys, logger).catch(async (error: unknown) => {
      await database.close().catch(() => {});
      throw error;
    });
    announce(config, result, server.address);
    onSignals(logger, server.stop);
    return;
  }
  await database.close();
  runPrimary(config, result, logger);
};

run().catch((error: unknown) => {
  const line =
    error instanceof StartupError
      ? error.message
      : `start failed: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(`tessera: ${line}\n`);
  process.exit(1);
});
