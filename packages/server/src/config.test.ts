import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const errorOf = (env: Record<string, string>): ConfigError => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('starts on port 8080 with SQLite in ./data, demo data on, when nothing is set', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.host).toBe('localhost');
    expect(config.database).toEqual({ dialect: 'sqlite', file: join(process.cwd(), 'data', 'tessera.db') });
    expect(config.demo).toBe(true);
    expect(config.publicUrl).toBe('http://localhost:8080');
    expect(config.session).toEqual({ idleSeconds: 12 * 3600, maxAgeSeconds: 7 * 86_400 });
    expect(config.trustProxy).toBe(false);
    expect(config.logLevel).toBe('info');
  });

  it('uses PostgreSQL when DATABASE_URL is set, with the pool size from DATABASE_POOL_SIZE', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/tessera', DATABASE_POOL_SIZE: '4' });
    expect(config.database).toEqual({
      dialect: 'postgres',
      url: 'postgres://u:p@db:5432/tessera',
      poolSize: 4,
      preparedStatements: true,
    });
  });

  it('turns prepared statements off for PgBouncer in transaction mode with DATABASE_PREPARED_STATEMENTS=0', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/tessera',
      DATABASE_PREPARED_STATEMENTS: '0',
    });
    expect(config.database).toMatchObject({ dialect: 'postgres', preparedStatements: false });
    expect(() =>
      loadConfig({
        DATABASE_URL: 'postgres://u:p@db:5432/tessera',
        DATABASE_PREPARED_STATEMENTS: 'sometimes',
      }),
    ).toThrow(/DATABASE_PREPARED_STATEMENTS/);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT', 'must be an integer from 0 to 65535 (got "abc")'],
    [{ PORT: '70000' }, 'PORT', 'must be an integer'],
    [{ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL', 'must be a postgres:// URL'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL', 'is not a URL'],
    [{ DATABASE_POOL_SIZE: '0' }, 'DATABASE_POOL_SIZE', 'must be an integer from 1'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', 'must be one of'],
    [{ TESSERA_ADMIN_EMAIL: 'nobody' }, 'TESSERA_ADMIN_EMAIL', 'is not an e-mail address'],
    [{ TESSERA_ADMIN_PASSWORD: 'short' }, 'TESSERA_ADMIN_PASSWORD', 'at least 12 characters'],
    [{ TESSERA_BOOTSTRAP_TOKEN: 'secret' }, 'TESSERA_BOOTSTRAP_TOKEN', 'must be "tsr_" followed by'],
    [{ TESSERA_BOOTSTRAP_TOKEN: `tsr_${'a'.repeat(40)}` }, 'TESSERA_BOOTSTRAP_TOKEN', 'too weak'],
    [{ TESSERA_DEMO: 'maybe' }, 'TESSERA_DEMO', 'must be 1 or 0'],
    [{ TESSERA_PUBLIC_URL: 'ftp://x' }, 'TESSERA_PUBLIC_URL', 'must be an http(s) URL'],
    [{ TESSERA_SESSION_TTL: '5' }, 'TESSERA_SESSION_TTL', 'duration of at least 60s'],
    [{ TESSERA_SESSION_TTL: '8d' }, 'TESSERA_SESSION_MAX_AGE', 'must not be shorter'],
    [{ TESSERA_TRUST_PROXY: 'everyone' }, 'TESSERA_TRUST_PROXY', 'must be true, false'],
    [{ TESSERA_METRICS_TOKEN: 'short' }, 'TESSERA_METRICS_TOKEN', 'at least 16'],
  ])('refuses %o naming %s', (env, variable, problem) => {
    const error = errorOf(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(`${variable}: `);
    expect(error.message).toContain(problem);
  });

  it('runs one server process unless TESSERA_WORKERS asks for more, which needs PostgreSQL', () => {
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/tessera', TESSERA_WORKERS: '4' }).workers).toBe(4);
    expect(errorOf({ TESSERA_WORKERS: '2' }).message).toMatch(/^TESSERA_WORKERS: .*PostgreSQL/);
    for (const bad of ['0', 'two', '1.5', '257']) {
      expect(errorOf({ DATABASE_URL: 'postgres://db/tessera', TESSERA_WORKERS: bad }).variable).toBe(
        'TESSERA_WORKERS',
      );
    }
  });

  it('accepts a strong bootstrap token, durations with units and a proxy list', () => {
    const token = 'tsr_Q7w1Zk9PmX3vB8nR2tY6uL4oC5eJ0aHsDfGiKq';
    const config = loadConfig({
      TESSERA_BOOTSTRAP_TOKEN: token,
      TESSERA_SESSION_TTL: '30m',
      TESSERA_SESSION_MAX_AGE: '1d',
      TESSERA_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1',
      TESSERA_DEMO: '0',
    });
    expect(config.bootstrapToken).toBe(token);
    expect(config.session).toEqual({ idleSeconds: 1800, maxAgeSeconds: 86_400 });
    expect(config.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(config.demo).toBe(false);
  });

  it('reads a JSON config file and lets the environment win over it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tessera-config-')), 'config.json');
    writeFileSync(file, JSON.stringify({ PORT: 9000, LOG_LEVEL: 'debug', TESSERA_DEMO: false }));
    const config = loadConfig({ TESSERA_CONFIG_FILE: file, LOG_LEVEL: 'warn' });
    expect(config.port).toBe(9000);
    expect(config.logLevel).toBe('warn');
    expect(config.demo).toBe(false);
  });

  it('refuses a config file that is missing, not JSON or sets an unknown variable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-config-'));
    expect(errorOf({ TESSERA_CONFIG_FILE: join(dir, 'missing.json') }).message).toContain('cannot be read');
    writeFileSync(join(dir, 'bad.json'), '{');
    expect(errorOf({ TESSERA_CONFIG_FILE: join(dir, 'bad.json') }).message).toContain('is not valid JSON');
    writeFileSync(join(dir, 'unknown.json'), '{"COLOR":"blue"}');
    expect(errorOf({ TESSERA_CONFIG_FILE: join(dir, 'unknown.json') }).message).toContain(
      'unknown variable COLOR',
    );
  });
});
