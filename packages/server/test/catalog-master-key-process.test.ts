// The master key at the process edge, with the built server: a key file others may read stops the start in one
// line, and `reseal` moves every sealed column to a new master key so the old one can be dropped.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromBase64Url, generateKeyPair, keyIdOf } from '@tessera/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { createFirmKeyring } from '../src/modules/catalog/keyring.js';
import { encodeMasterKey, SEAL_CONTEXT, sealSecret } from '../src/modules/catalog/master-key.js';
import * as repo from '../src/modules/catalog/repository.js';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));

const runNode = (script: string, env: Record<string, string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    if (!existsSync(join(DIST, script))) throw new Error(`${script} is missing: run \`npm run build\``);
    const child = spawn(process.execPath, [join(DIST, script)], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });

describe('the master key of the built server', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-mk-process-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start, in one line, when the key file is readable by others', async () => {
    const dir = tempDir();
    const file = join(dir, 'master.key');
    writeFileSync(file, `${encodeMasterKey(new Uint8Array(randomBytes(32)))}\n`);
    chmodSync(file, 0o644);
    const result = await runNode('main.js', { TESSERA_DATA_DIR: dir, PORT: '0', TESSERA_DEMO: '0' });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^tessera: configuration error: TESSERA_DATA_DIR: master key: .*master\.key has mode 0644/,
    );
  });

  it('refuses a malformed TESSERA_MASTER_KEY in one line without printing it', async () => {
    const result = await runNode('main.js', {
      TESSERA_DATA_DIR: tempDir(),
      TESSERA_MASTER_KEY: 'bm90LWEta2V5',
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(
      /^tessera: configuration error: TESSERA_MASTER_KEY: must decode to 32 bytes/,
    );
    expect(result.stderr).not.toContain('bm90LWEta2V5');
  });

  it('re-seals the firm keys under the new master key with `reseal`, after which the old key is not needed', async () => {
    const dir = tempDir();
    const [oldKey, newKey] = [new Uint8Array(randomBytes(32)), new Uint8Array(randomBytes(32))];
    const database = await createDatabase({ dialect: 'sqlite', file: join(dir, 'tessera.db') });
    const at = '2026-03-01T09:00:00.000Z';
    const pair = generateKeyPair();
    const keyId = keyIdOf(pair.publicKey);
    try {
      await migrateToLatest(database.db);
      await repo.insertFirmCode(database.db, {
        id: 'fc-1',
        firmCode: 6_000_123,
        name: 'Old',
        createdAt: at,
        updatedAt: at,
      });
      await repo.insertFirmKey(database.db, {
        id: 'fk-1',
        firmCodeId: 'fc-1',
        keyId,
        publicKey: pair.publicKey,
        privateKeySealed: sealSecret(
          { current: oldKey, previous: [] },
          fromBase64Url(pair.privateKey),
          SEAL_CONTEXT.firmPrivateKey(keyId),
        ),
        rotation: null,
        previousKeyId: null,
        status: 'active',
        createdAt: at,
        retiredAt: null,
      });
    } finally {
      await database.close();
    }
    const env = {
      TESSERA_DATA_DIR: dir,
      TESSERA_MASTER_KEY: encodeMasterKey(newKey),
      TESSERA_MASTER_KEY_PREVIOUS: encodeMasterKey(oldKey),
    };
    const result = await runNode('cli/reseal.js', env);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('1 firm key(s)');
    const reopened = await createDatabase({ dialect: 'sqlite', file: join(dir, 'tessera.db') });
    try {
      const { key } = await createFirmKeyring({ current: newKey, previous: [] }).signingKey(
        reopened.db,
        6_000_123,
      );
      expect(key).toEqual(pair);
    } finally {
      await reopened.close();
    }
    // The new key alone opens everything now; a server started with only the old key refuses to start.
    const wrong = await runNode('main.js', {
      TESSERA_DATA_DIR: dir,
      PORT: '0',
      TESSERA_MASTER_KEY: encodeMasterKey(oldKey),
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/TESSERA_MASTER_KEY: the database holds firm keys sealed under master key/);
  });
});
