// What `main` and `npm run migrate` share: turn the configuration into an open, proven database, and turn
// any failure on the way into one line that names the variable at fault. Nothing is created before every
// check has passed (except the data directory itself, which SQLite needs).

import { createServer } from 'node:net';
import { type Config, ConfigError, loadConfig } from './config.js';
import { createDatabase, type DatabaseHandle, ensureWritableDirectory } from './db/database.js';
import type { Executor } from './db/transaction.js';
import {
  loadMasterKeys,
  MasterKeyError,
  type MasterKeys,
  masterKeyId,
} from './modules/catalog/master-key.js';

export class StartupError extends Error {
  constructor(line: string) {
    super(line);
    this.name = 'StartupError';
  }
}

const reason = (error: unknown): string => {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const message =
      error.message || (error instanceof AggregateError ? error.errors.map(reason).join('; ') : '');
    return typeof code === 'string' && !message.includes(code)
      ? `${message} (${code})`
      : message || String(code);
  }
  return String(error);
};

/** postgres://user:secret@host:5432/db → host:5432/db (never print credentials). */
const describeUrl = (url: string): string => {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
};

export const configFromEnvironment = (env: Record<string, string | undefined>): Config => {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new StartupError(`configuration error: ${error.message}`);
    throw error;
  }
};

export const openConfiguredDatabase = async (config: Config): Promise<DatabaseHandle> => {
  const database = config.database;
  if (database.dialect === 'sqlite') {
    try {
      ensureWritableDirectory(config.dataDir);
    } catch (error) {
      throw new StartupError(
        `configuration error: TESSERA_DATA_DIR: cannot create or write ${config.dataDir}: ${reason(error)}`,
      );
    }
    try {
      return await createDatabase({ dialect: 'sqlite', file: database.file });
    } catch (error) {
      throw new StartupError(
        `configuration error: TESSERA_DATA_DIR: cannot open ${database.file}: ${reason(error)}`,
      );
    }
  }
  try {
    return await createDatabase({
      dialect: 'postgres',
      url: database.url,
      poolSize: database.poolSize,
      preparedStatements: database.preparedStatements,
    });
  } catch (error) {
    throw new StartupError(
      `configuration error: DATABASE_URL: cannot connect to PostgreSQL at ${describeUrl(database.url)}: ${reason(error)}`,
    );
  }
};

/** Proves HOST:PORT can be bound before anything is created (the real bind follows a moment later). */
export const probeListenAddress = async (host: string, port: number): Promise<void> => {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (error) =>
      reject(
        new StartupError(
          `configuration error: PORT/HOST: cannot listen on ${host}:${port}: ${reason(error)}`,
        ),
      ),
    );
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
};

/** The master keys from TESSERA_MASTER_KEY or the key file in the data directory (created at first start). */
export const loadConfiguredMasterKeys = (config: Config): MasterKeys => {
  const variable = config.masterKey !== null ? 'TESSERA_MASTER_KEY' : 'TESSERA_DATA_DIR';
  try {
    if (config.masterKey === null) ensureWritableDirectory(config.dataDir);
    return loadMasterKeys({
      masterKey: config.masterKey,
      previousMasterKeys: config.previousMasterKeys,
      dataDir: config.dataDir,
    });
  } catch (error) {
    const why = error instanceof MasterKeyError ? error.message : reason(error);
    throw new StartupError(`configuration error: ${variable}: master key: ${why}`);
  }
};

/**
 * Refuses to start when the database holds secrets sealed under a master key this process does not have —
 * typically a second instance on the same PostgreSQL with its own key file instead of the shared
 * TESSERA_MASTER_KEY. Compares key ids only; nothing is decrypted.
 */
export const checkMasterKeysMatchDatabase = async (ex: Executor, keys: MasterKeys): Promise<void> => {
  const known = new Set([keys.current, ...keys.previous].map(masterKeyId));
  const rows = await ex.selectFrom('firm_keys').select('private_key_sealed').execute();
  const foreign = rows.map((row) => row.private_key_sealed.split('.')[1] ?? '').find((id) => !known.has(id));
  if (foreign !== undefined) {
    throw new StartupError(
      `configuration error: TESSERA_MASTER_KEY: the database holds firm keys sealed under master key ${foreign}, which is neither the current key (${masterKeyId(keys.current)}) nor in TESSERA_MASTER_KEY_PREVIOUS; every instance must use the same TESSERA_MASTER_KEY`,
    );
  }
};
