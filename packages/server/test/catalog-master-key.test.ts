import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTesseraError } from '@tessera/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import {
  encodeMasterKey,
  loadMasterKeys,
  MasterKeyError,
  type MasterKeys,
  masterKeyId,
  openSecret,
  parseMasterKey,
  sealSecret,
} from '../src/modules/catalog/master-key.js';

const aKey = () => new Uint8Array(randomBytes(32));
const bytes = (text: string) => new TextEncoder().encode(text);
const codeOf = (work: () => unknown): string | undefined => {
  try {
    work();
  } catch (error) {
    return isTesseraError(error) ? error.code : 'not a TesseraError';
  }
  return undefined;
};

describe('sealing secrets under the master key', () => {
  const keys: MasterKeys = { current: aKey(), previous: [] };

  it('opens what it sealed, with the same context', () => {
    const sealed = sealSecret(keys, bytes('firm private seed'), 'firm_keys:abc');
    expect(new TextDecoder().decode(openSecret(keys, sealed, 'firm_keys:abc'))).toBe('firm private seed');
  });

  it('names the master key that sealed it and uses a fresh IV every time', () => {
    const first = sealSecret(keys, bytes('x'), 'c');
    const second = sealSecret(keys, bytes('x'), 'c');
    expect(first.split('.')[1]).toBe(masterKeyId(keys.current));
    expect(first).not.toBe(second);
  });

  it('refuses to open a value under another context (a sealed value copied to another row)', () => {
    const sealed = sealSecret(keys, bytes('secret'), 'firm_keys:a');
    expect(codeOf(() => openSecret(keys, sealed, 'firm_keys:b'))).toBe('secret_unreadable');
  });

  it('refuses an altered value', () => {
    const sealed = sealSecret(keys, bytes('secret'), 'c');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3] ?? '', 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    parts[3] = body.toString('base64url');
    expect(codeOf(() => openSecret(keys, parts.join('.'), 'c'))).toBe('secret_unreadable');
    expect(codeOf(() => openSecret(keys, 'not sealed at all', 'c'))).toBe('secret_unreadable');
  });

  it('opens values sealed under a previous key once that key is listed as previous', () => {
    const old = aKey();
    const sealed = sealSecret({ current: old, previous: [] }, bytes('secret'), 'c');
    const rotated: MasterKeys = { current: aKey(), previous: [old] };
    expect(new TextDecoder().decode(openSecret(rotated, sealed, 'c'))).toBe('secret');
    expect(codeOf(() => openSecret({ current: rotated.current, previous: [] }, sealed, 'c'))).toBe(
      'secret_unreadable',
    );
  });
});

describe('reading a master key', () => {
  it('accepts base64url and standard base64 of 32 bytes', () => {
    const key = aKey();
    expect(parseMasterKey(encodeMasterKey(key))).toEqual(key);
    expect(parseMasterKey(Buffer.from(key).toString('base64'))).toEqual(key);
  });

  it.each([
    ['too short', Buffer.from(randomBytes(16)).toString('base64url')],
    ['not base64', 'this is not a key!'],
    ['empty', ''],
  ])('refuses a key that is %s', (_why, text) => {
    expect(() => parseMasterKey(text)).toThrow(MasterKeyError);
  });

  it('reports a malformed TESSERA_MASTER_KEY as a configuration error naming it, without echoing the value', () => {
    let error: unknown;
    try {
      loadConfig({ TESSERA_MASTER_KEY: 'c2VjcmV0LXZhbHVl' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('TESSERA_MASTER_KEY');
    expect((error as ConfigError).message).not.toContain('c2VjcmV0LXZhbHVl');
  });

  it('reads TESSERA_MASTER_KEY and the comma-separated TESSERA_MASTER_KEY_PREVIOUS', () => {
    const [current, old1, old2] = [aKey(), aKey(), aKey()];
    const config = loadConfig({
      TESSERA_MASTER_KEY: encodeMasterKey(current),
      TESSERA_MASTER_KEY_PREVIOUS: `${encodeMasterKey(old1)}, ${Buffer.from(old2).toString('base64')}`,
    });
    expect(config.masterKey).toEqual(current);
    expect(config.previousMasterKeys).toEqual([old1, old2]);
    expect(loadConfig({}).masterKey).toBeNull();
  });
});

describe('the master key file', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const source = (dataDir: string) => ({ masterKey: null, previousMasterKeys: [], dataDir });

  it('is created at first start with mode 0600 and read again at the next', () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-mk-'));
    const first = loadMasterKeys(source(dir));
    const file = join(dir, 'master.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(parseMasterKey(readFileSync(file, 'utf8'))).toEqual(first.current);
    expect(loadMasterKeys(source(dir)).current).toEqual(first.current);
  });

  it('is refused, in one line naming the file, when group or others may read it', () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-mk-'));
    const file = join(dir, 'master.key');
    writeFileSync(file, `${encodeMasterKey(aKey())}\n`);
    chmodSync(file, 0o644);
    expect(() => loadMasterKeys(source(dir ?? ''))).toThrow(/master\.key has mode 0644.*chmod 600/);
  });

  it('is not used when TESSERA_MASTER_KEY is set', () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-mk-'));
    const key = aKey();
    expect(loadMasterKeys({ masterKey: key, previousMasterKeys: [], dataDir: dir }).current).toEqual(key);
    expect(() => statSync(join(dir ?? '', 'master.key'))).toThrow();
  });
});
