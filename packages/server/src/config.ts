// The one validated configuration object. Sources: the environment and, optionally, a JSON file named by
// TESSERA_CONFIG_FILE whose keys are the same variable names; the environment wins. Every problem is
// reported as a ConfigError naming the variable, so `main` can print one line and exit.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { MasterKeyError, parseMasterKey } from './modules/catalog/master-key.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export type DatabaseConfig =
  | { dialect: 'sqlite'; file: string }
  | { dialect: 'postgres'; url: string; poolSize: number; preparedStatements: boolean };

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  database: DatabaseConfig;
  logLevel: LogLevel;
  /** Initial ISV admin; the password is generated at first start when not given. */
  admin: { email: string; password: string | null };
  /** Secret of an admin-scoped API token created at first start, for provisioning scripts. */
  bootstrapToken: string | null;
  demo: boolean;
  vendorName: string;
  publicUrl: string;
  session: { idleSeconds: number; maxAgeSeconds: number };
  /** Passed to Fastify: false, true, a hop count or a list of trusted proxy addresses/CIDRs. */
  trustProxy: boolean | number | string[];
  /** When set, GET /metrics requires `Authorization: Bearer <token>`; otherwise only loopback may read it. */
  metricsToken: string | null;
  /** Requests per minute per client address on the login and invitation-accept routes. */
  loginRateLimitPerMinute: number;
  /** Requests per minute per client address on the activation gateway. */
  gatewayRateLimitPerMinute: number;
  /** Gateway requests per minute naming one ticket. */
  ticketRateLimitPerMinute: number;
  /** TESSERA_MASTER_KEY (32 bytes); null = the key file `<dataDir>/master.key`. Never logged. */
  masterKey: Uint8Array | null;
  /** TESSERA_MASTER_KEY_PREVIOUS: older master keys that still open what they sealed. */
  previousMasterKeys: Uint8Array[];
  /** The webhook delivery worker: TESSERA_WEBHOOKS (on unless 0), TESSERA_WEBHOOK_TIMEOUT per request. */
  webhooks: { enabled: boolean; timeoutMs: number };
  /** TESSERA_WORKERS: server processes sharing the port (more than one needs PostgreSQL). */
  workers: number;
}

export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

export const VARIABLES = [
  'PORT',
  'HOST',
  'TESSERA_DATA_DIR',
  'DATABASE_URL',
  'DATABASE_POOL_SIZE',
  'DATABASE_PREPARED_STATEMENTS',
  'LOG_LEVEL',
  'TESSERA_ADMIN_EMAIL',
  'TESSERA_ADMIN_PASSWORD',
  'TESSERA_BOOTSTRAP_TOKEN',
  'TESSERA_DEMO',
  'TESSERA_VENDOR_NAME',
  'TESSERA_PUBLIC_URL',
  'TESSERA_SESSION_TTL',
  'TESSERA_SESSION_MAX_AGE',
  'TESSERA_TRUST_PROXY',
  'TESSERA_METRICS_TOKEN',
  'TESSERA_LOGIN_RATE_LIMIT',
  'TESSERA_GATEWAY_RATE_LIMIT',
  'TESSERA_TICKET_RATE_LIMIT',
  'TESSERA_WORKERS',
  'TESSERA_MASTER_KEY',
  'TESSERA_MASTER_KEY_PREVIOUS',
  'TESSERA_WEBHOOKS',
  'TESSERA_WEBHOOK_TIMEOUT',
] as const;

type Variable = (typeof VARIABLES)[number];
type Raw = Partial<Record<Variable, string>>;

export const MIN_PASSWORD_LENGTH = 12;
export const API_TOKEN_PATTERN = /^tsr_[A-Za-z0-9]{32,}$/;

const shown = (value: string): string => JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);

const integer = (variable: Variable, raw: string | undefined, fallback: number, min: number, max: number) => {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(variable, `must be an integer from ${min} to ${max} (got ${shown(raw)})`);
  }
  return Number(raw);
};

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90`, `90s`, `30m`, `12h`, `7d` → seconds. */
export const parseDuration = (variable: Variable, raw: string | undefined, fallback: string): number => {
  const text = raw === undefined || raw === '' ? fallback : raw;
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * (UNITS[match[2] || 's'] ?? 1) : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 60) {
    throw new ConfigError(
      variable,
      `must be a duration of at least 60s such as 30m, 12h or 7d (got ${shown(text)})`,
    );
  }
  return seconds;
};

const flag = (variable: Variable, raw: string | undefined, fallback: boolean): boolean => {
  if (raw === undefined || raw === '') return fallback;
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new ConfigError(variable, `must be 1 or 0 (got ${shown(raw)})`);
};

/** A master key variable; the value itself is never echoed in the error (it is a secret). */
const masterKey = (variable: Variable, text: string): Uint8Array => {
  try {
    return parseMasterKey(text);
  } catch (error) {
    if (error instanceof MasterKeyError) throw new ConfigError(variable, error.message);
    throw error;
  }
};

/** `10`, `10s` or `2500ms` → milliseconds, from 100 ms to 120 s. */
const webhookTimeoutMs = (raw: string | undefined): number => {
  const text = raw === undefined || raw === '' ? '10' : raw.trim();
  const match = /^(\d+)(ms|s)?$/.exec(text);
  const ms = match ? Number(match[1]) * (match[2] === 'ms' ? 1 : 1000) : Number.NaN;
  if (!(ms >= 100 && ms <= 120_000)) {
    throw new ConfigError(
      'TESSERA_WEBHOOK_TIMEOUT',
      `must be seconds (10, 10s) or milliseconds (2500ms) from 100ms to 120s (got ${shown(text)})`,
    );
  }
  return ms;
};

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const emailSchema = z.email();

const databaseFrom = (raw: Raw, dataDir: string): DatabaseConfig => {
  const url = raw.DATABASE_URL;
  const poolSize = integer('DATABASE_POOL_SIZE', raw.DATABASE_POOL_SIZE, 10, 1, 1000);
  if (url === undefined || url === '') return { dialect: 'sqlite', file: resolve(dataDir, 'tessera.db') };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(
      'DATABASE_URL',
      'is not a URL; expected postgres://user:password@host:5432/database',
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigError('DATABASE_URL', `must be a postgres:// URL (got ${parsed.protocol}//…)`);
  }
  return {
    dialect: 'postgres',
    url,
    poolSize,
    preparedStatements: flag('DATABASE_PREPARED_STATEMENTS', raw.DATABASE_PREPARED_STATEMENTS, true),
  };
};

const trustProxyFrom = (raw: string | undefined): Config['trustProxy'] => {
  if (raw === undefined || raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  const entries = raw.split(',').map((entry) => entry.trim());
  if (entries.some((entry) => !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(entry) && entry !== 'loopback')) {
    throw new ConfigError(
      'TESSERA_TRUST_PROXY',
      `must be true, false, a hop count or a comma-separated list of addresses/CIDRs (got ${shown(raw)})`,
    );
  }
  return entries;
};

const readConfigFile = (path: string): Raw => {
  let content: unknown;
  try {
    content = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? 'is not valid JSON' : 'cannot be read';
    throw new ConfigError('TESSERA_CONFIG_FILE', `${shown(path)} ${reason}`);
  }
  if (typeof content !== 'object' || content === null || Array.isArray(content)) {
    throw new ConfigError('TESSERA_CONFIG_FILE', `${shown(path)} must hold a JSON object of variable names`);
  }
  const raw: Raw = {};
  for (const [key, value] of Object.entries(content)) {
    if (!(VARIABLES as readonly string[]).includes(key)) {
      throw new ConfigError('TESSERA_CONFIG_FILE', `${shown(path)} sets unknown variable ${key}`);
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new ConfigError(key, `in ${shown(path)} must be a string, number or boolean`);
    }
    raw[key as Variable] = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
  }
  return raw;
};

/** Builds the configuration from an environment (normally process.env). Throws ConfigError. */
export const loadConfig = (env: Record<string, string | undefined>): Config => {
  const fromFile = env.TESSERA_CONFIG_FILE ? readConfigFile(env.TESSERA_CONFIG_FILE) : {};
  const raw: Raw = { ...fromFile };
  for (const variable of VARIABLES) {
    const value = env[variable];
    if (value !== undefined) raw[variable] = value;
  }

  const port = integer('PORT', raw.PORT, 8080, 0, 65_535);
  const host = raw.HOST?.trim() || 'localhost';
  const dataDir = resolve(raw.TESSERA_DATA_DIR?.trim() || './data');
  const database = databaseFrom(raw, dataDir);

  const logLevel = (raw.LOG_LEVEL?.trim().toLowerCase() || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(
      'LOG_LEVEL',
      `must be one of ${LOG_LEVELS.join(', ')} (got ${shown(raw.LOG_LEVEL ?? '')})`,
    );
  }

  const email = (raw.TESSERA_ADMIN_EMAIL?.trim() || 'admin@tessera.local').toLowerCase();
  if (!emailSchema.safeParse(email).success) {
    throw new ConfigError('TESSERA_ADMIN_EMAIL', `is not an e-mail address (got ${shown(email)})`);
  }
  const password = raw.TESSERA_ADMIN_PASSWORD || null;
  if (password !== null && password.length < MIN_PASSWORD_LENGTH) {
    throw new ConfigError(
      'TESSERA_ADMIN_PASSWORD',
      `must be at least ${MIN_PASSWORD_LENGTH} characters long`,
    );
  }

  const bootstrapToken = raw.TESSERA_BOOTSTRAP_TOKEN?.trim() || null;
  if (bootstrapToken !== null) {
    if (!API_TOKEN_PATTERN.test(bootstrapToken)) {
      throw new ConfigError(
        'TESSERA_BOOTSTRAP_TOKEN',
        'must be "tsr_" followed by at least 32 letters and digits, e.g. the output of ' +
          `node -e "console.log('tsr_'+require('crypto').randomBytes(32).toString('hex'))"`,
      );
    }
    if (new Set(bootstrapToken.slice(4)).size < 12) {
      throw new ConfigError(
        'TESSERA_BOOTSTRAP_TOKEN',
        'is too weak: use a random value with at least 12 distinct characters',
      );
    }
  }

  const publicUrlText = raw.TESSERA_PUBLIC_URL?.trim() || `http://localhost:${port}`;
  let publicUrl: string;
  try {
    const parsed = new URL(publicUrlText);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
    publicUrl = parsed.toString().replace(/\/$/, '');
  } catch {
    throw new ConfigError(
      'TESSERA_PUBLIC_URL',
      `must be an http(s) URL such as https://licensing.example.com (got ${shown(publicUrlText)})`,
    );
  }

  const idleSeconds = parseDuration('TESSERA_SESSION_TTL', raw.TESSERA_SESSION_TTL, '12h');
  const maxAgeSeconds = parseDuration('TESSERA_SESSION_MAX_AGE', raw.TESSERA_SESSION_MAX_AGE, '7d');
  if (maxAgeSeconds < idleSeconds) {
    throw new ConfigError('TESSERA_SESSION_MAX_AGE', 'must not be shorter than TESSERA_SESSION_TTL');
  }

  const metricsToken = raw.TESSERA_METRICS_TOKEN?.trim() || null;
  if (metricsToken !== null && metricsToken.length < 16) {
    throw new ConfigError('TESSERA_METRICS_TOKEN', 'must be at least 16 characters long');
  }

  return {
    port,
    host,
    dataDir,
    database,
    logLevel,
    admin: { email, password },
    bootstrapToken,
    demo: flag('TESSERA_DEMO', raw.TESSERA_DEMO, true),
    vendorName: raw.TESSERA_VENDOR_NAME?.trim() || 'Vendor',
    publicUrl,
    session: { idleSeconds, maxAgeSeconds },
    trustProxy: trustProxyFrom(raw.TESSERA_TRUST_PROXY?.trim()),
    metricsToken,
    loginRateLimitPerMinute: integer(
      'TESSERA_LOGIN_RATE_LIMIT',
      raw.TESSERA_LOGIN_RATE_LIMIT,
      30,
      1,
      100_000,
    ),
    gatewayRateLimitPerMinute: integer(
      'TESSERA_GATEWAY_RATE_LIMIT',
      raw.TESSERA_GATEWAY_RATE_LIMIT,
      600,
      1,
      10_000_000,
    ),
    ticketRateLimitPerMinute: integer(
      'TESSERA_TICKET_RATE_LIMIT',
      raw.TESSERA_TICKET_RATE_LIMIT,
      60,
      1,
      10_000_000,
    ),
    masterKey: raw.TESSERA_MASTER_KEY?.trim()
      ? masterKey('TESSERA_MASTER_KEY', raw.TESSERA_MASTER_KEY)
      : null,
    previousMasterKeys: (raw.TESSERA_MASTER_KEY_PREVIOUS ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '')
      .map((entry) => masterKey('TESSERA_MASTER_KEY_PREVIOUS', entry)),
    webhooks: {
      enabled: flag('TESSERA_WEBHOOKS', raw.TESSERA_WEBHOOKS, true),
      timeoutMs: webhookTimeoutMs(raw.TESSERA_WEBHOOK_TIMEOUT),
    },
    workers: workersFor(raw, database),
  };
};

/** Server processes; SQLite has one writer, so several processes need PostgreSQL. */
const workersFor = (raw: Raw, database: DatabaseConfig): number => {
  const workers = integer('TESSERA_WORKERS', raw.TESSERA_WORKERS, 1, 1, 256);
  if (workers > 1 && database.dialect === 'sqlite') {
    throw new ConfigError(
      'TESSERA_WORKERS',
      `more than one worker needs PostgreSQL (set DATABASE_URL): SQLite has a single writer (got ${workers})`,
    );
  }
  return workers;
};
