// The master key: the one secret Central keeps outside its database, under which every secret column in the
// database is sealed (firm private keys, webhook secrets) with AES-256-GCM. It comes from TESSERA_MASTER_KEY or
// from `<data dir>/master.key` (created at first start, mode 0600). Older keys named in
// TESSERA_MASTER_KEY_PREVIOUS still open what they sealed, until `reseal` moves everything to the current key.
// Not here: which columns are sealed and re-sealing them (cli/reseal.ts), key management beyond one process.

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { TesseraError } from '@tessera/core';

export interface MasterKeys {
  current: Uint8Array;
  previous: Uint8Array[];
}

export const MASTER_KEY_BYTES = 32;
export const MASTER_KEY_FILE_NAME = 'master.key';

/** Why a master key text is not usable, for a one-line configuration error. */
export class MasterKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyError';
  }
}

/**
 * Reads a master key written as base64url or standard base64 (padding optional) of exactly 32 bytes. The
 * alphabet is checked first because Buffer.from(…, 'base64') silently skips characters it does not know.
 */
export const parseMasterKey = (text: string): Uint8Array => {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    throw new MasterKeyError(
      'must be base64url (or base64) of 32 random bytes, e.g. the output of `openssl rand -base64 32`',
    );
  }
  const bytes = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length !== MASTER_KEY_BYTES) {
    throw new MasterKeyError(`must decode to ${MASTER_KEY_BYTES} bytes (got ${bytes.length})`);
  }
  return new Uint8Array(bytes);
};

/** A new master key in the text form the key file holds. */
export const encodeMasterKey = (key: Uint8Array): string => Buffer.from(key).toString('base64url');

/**
 * A short public name of a master key, written into every sealed value so opening picks the right key. It is
 * a hash of the key: it reveals nothing usable and is the same on every instance sharing the key.
 */
export const masterKeyId = (key: Uint8Array): string =>
  createHash('sha256')
    .update('tessera master key id\0')
    .update(key)
    .digest()
    .subarray(0, 8)
    .toString('base64url');

const SEAL_VERSION = 'ms1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals a secret: AES-256-GCM with a random 12-byte IV and `context` (what the value is, e.g. which row and
 * column) as additional data, so a sealed value copied to another row does not open there.
 * Format: `ms1.<master key id>.<iv>.<ciphertext+tag>` (base64url parts).
 */
export const sealSecret = (keys: MasterKeys, plaintext: Uint8Array, context: string): string => {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keys.current, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return [SEAL_VERSION, masterKeyId(keys.current), iv.toString('base64url'), body.toString('base64url')].join(
    '.',
  );
};

const unreadable = (why: string) =>
  new TesseraError(
    'secret_unreadable',
    `A sealed secret cannot be opened: ${why}. Check TESSERA_MASTER_KEY and TESSERA_MASTER_KEY_PREVIOUS.`,
  );

/** Opens a sealed secret with whichever of the current and previous keys sealed it. */
export const openSecret = (keys: MasterKeys, sealed: string, context: string): Uint8Array => {
  const parts = sealed.split('.');
  const [version, keyId, ivText, bodyText] = parts;
  if (parts.length !== 4 || version !== SEAL_VERSION || !keyId || !ivText || !bodyText) {
    throw unreadable('it is not in the sealed format');
  }
  const key = [keys.current, ...keys.previous].find((candidate) => masterKeyId(candidate) === keyId);
  if (!key) throw unreadable(`it was sealed under master key ${keyId}, which is not configured`);
  const iv = Buffer.from(ivText, 'base64url');
  const body = Buffer.from(bodyText, 'base64url');
  if (iv.length !== IV_BYTES || body.length < TAG_BYTES) throw unreadable('it is truncated');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return new Uint8Array(
      Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]),
    );
  } catch {
    throw unreadable('it was altered or belongs to another record');
  }
};

/** True when a sealed value was written under a key other than the current one (reseal moves it). */
export const sealedUnderOlderKey = (keys: MasterKeys, sealed: string): boolean =>
  sealed.split('.')[1] !== masterKeyId(keys.current);

/** The additional data of every sealed column, in one place so sealing, opening and reseal agree. */
export const SEAL_CONTEXT = {
  firmPrivateKey: (keyId: string) => `firm_keys.private_key_sealed:${keyId}`,
  webhookSecret: (subscriptionId: string) => `webhook_subscriptions.secret_sealed:${subscriptionId}`,
  webhookPreviousSecret: (subscriptionId: string) =>
    `webhook_subscriptions.previous_secret_sealed:${subscriptionId}`,
} as const;

export interface MasterKeySource {
  /** TESSERA_MASTER_KEY, already parsed; null = use the key file. */
  masterKey: Uint8Array | null;
  /** TESSERA_MASTER_KEY_PREVIOUS, parsed. */
  previousMasterKeys: Uint8Array[];
  dataDir: string;
}

/**
 * The master keys of this process. Without TESSERA_MASTER_KEY the key file in the data directory is read, or
 * created (exclusively, so two processes starting at once agree on one key) with mode 0600. A key file that
 * group or others may read is refused: the key would no longer be a secret of the service account.
 * `generate` supplies the bytes of a new key (injected; the system random source in production).
 */
export const loadMasterKeys = (
  source: MasterKeySource,
  generate: (size: number) => Uint8Array = (size) => randomBytes(size),
): MasterKeys => {
  if (source.masterKey !== null) return { current: source.masterKey, previous: source.previousMasterKeys };
  const file = join(source.dataDir, MASTER_KEY_FILE_NAME);
  let created = false;
  try {
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, `${encodeMasterKey(generate(MASTER_KEY_BYTES))}\n`);
    } finally {
      closeSync(fd);
    }
    created = true;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EEXIST') {
      throw new MasterKeyError(`cannot create ${file}: ${(error as Error).message}`);
    }
  }
  const mode = statSync(file).mode & 0o777;
  if (!created && (mode & 0o077) !== 0) {
    throw new MasterKeyError(
      `${file} has mode ${mode.toString(8).padStart(4, '0')}; it must be readable by its owner only (chmod 600 ${file})`,
    );
  }
  let key: Uint8Array;
  try {
    key = parseMasterKey(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new MasterKeyError(`${file} ${error instanceof Error ? error.message : String(error)}`);
  }
  return { current: key, previous: source.previousMasterKeys };
};
