// The container file format (`<serial>.tcnt`): one JSON header line, then the body. Portable bodies are the
// record as JSON under a SHA-256 digest; machine bodies are the record encrypted with AES-256-GCM under a data
// key that the header's binding seals to the machine. Encoding and strict decoding only — no file system,
// no locking, no reading of machine factors (container-store.ts does those).

import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { TesseraError } from '@tessera/core';
import {
  BINDING_SCHEME,
  type Binding,
  type BindingMatch,
  bindingThreshold,
  isFactorName,
} from '../binding/index.js';
import { type LocalContainerType, parseSerial, type Serial } from './serial.js';

export const CONTAINER_FORMAT = 'tessera-container';
export const CONTAINER_FORMAT_VERSION = 1;
export const CONTAINER_FILE_EXTENSION = '.tcnt';

/** The container's own Ed25519 key pair: raw 32-byte keys, base64url (JWK `x` and `d`), as packages/core uses them. */
export interface ContainerKeys {
  publicKey: string;
  privateKey: string;
}

/** What a container holds. `state` is the protocol state packages/core defines; the store treats it as opaque JSON. */
export interface ContainerRecord<TState> {
  serial: Serial;
  type: LocalContainerType;
  /** ISO 8601 instant, UTC. */
  createdAt: string;
  keys: ContainerKeys;
  state: TState;
}

interface HeaderFields {
  format: typeof CONTAINER_FORMAT;
  version: typeof CONTAINER_FORMAT_VERSION;
  serial: Serial;
  type: LocalContainerType;
  createdAt: string;
}

export interface PortableHeader extends HeaderFields {
  type: 'portable';
  /** `sha256:` + base64url of SHA-256 over the header fields and the body: catches truncation and edits. */
  digest: string;
}

export interface MachineHeader extends HeaderFields {
  type: 'machine';
  binding: Binding;
  cipher: { alg: 'A256GCM'; iv: string };
}

export type ContainerHeader = PortableHeader | MachineHeader;

export interface ContainerFile {
  header: ContainerHeader;
  body: string;
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SHARE_DATA_BYTES = KEY_BYTES + 1 + TAG_BYTES; // a Shamir share is the secret's length plus its x-coordinate
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

export const containerCorrupt = (serial: string, reason: string, cause?: unknown): TesseraError =>
  new TesseraError(
    'container_corrupt',
    `container ${serial} is damaged (${reason})`,
    { serial, reason },
    cause === undefined ? undefined : { cause },
  );

export const bindingMismatchError = (serial: string, match: BindingMatch): TesseraError =>
  new TesseraError(
    'binding_mismatch',
    `container ${serial} is bound to another machine: ${match.matched} of ${match.total} machine factors match, ${match.required} are needed`,
    {
      serial,
      matched: match.matched,
      required: match.required,
      total: match.total,
      mismatched: match.mismatched,
    },
  );

const fieldsOf = (header: HeaderFields): string =>
  JSON.stringify([header.format, header.version, header.serial, header.type, header.createdAt]);

/** Additional data for every binding share: ties the shares to this container's serial, type and format. */
export const bindingContext = (header: HeaderFields): string => fieldsOf(header);

/** Additional data for the machine body: the whole header except the body nonce, so no header field can be swapped. */
const machineAad = (header: MachineHeader): Buffer =>
  Buffer.from(
    JSON.stringify([
      fieldsOf(header),
      header.binding.scheme,
      header.binding.salt,
      header.binding.threshold,
      header.binding.shares.map((share) => [share.factor, share.iv, share.data]),
      header.cipher.alg,
    ]),
    'utf8',
  );

const portableDigest = (header: HeaderFields, body: string): string =>
  `sha256:${createHash('sha256')
    .update(`${fieldsOf(header)}\n${body}`, 'utf8')
    .digest('base64url')}`;

const headerFieldsOf = <TState>(record: ContainerRecord<TState>): HeaderFields => ({
  format: CONTAINER_FORMAT,
  version: CONTAINER_FORMAT_VERSION,
  serial: record.serial,
  type: record.type,
  createdAt: record.createdAt,
});

/** The header fields a new container will have — what its binding must be sealed against. */
export const headerFieldsFor = (
  serial: Serial,
  type: LocalContainerType,
  createdAt: string,
): HeaderFields => ({
  format: CONTAINER_FORMAT,
  version: CONTAINER_FORMAT_VERSION,
  serial,
  type,
  createdAt,
});

const serialiseRecord = <TState>(record: ContainerRecord<TState>, indent?: number): string => {
  let json: string | undefined;
  try {
    json = JSON.stringify(
      {
        serial: record.serial,
        type: record.type,
        createdAt: record.createdAt,
        keys: { publicKey: record.keys.publicKey, privateKey: record.keys.privateKey },
        state: record.state,
      },
      null,
      indent,
    );
  } catch (error) {
    throw new TesseraError(
      'invalid_container_state',
      `the state of container ${record.serial} cannot be stored as JSON`,
      { serial: record.serial },
      { cause: error },
    );
  }
  if (json === undefined || record.state === undefined) {
    throw new TesseraError(
      'invalid_container_state',
      `the state of container ${record.serial} is undefined`,
      {
        serial: record.serial,
      },
    );
  }
  return json;
};

const fileText = (header: ContainerHeader, body: string): string => `${JSON.stringify(header)}\n${body}\n`;

export const encodePortableContainer = <TState>(record: ContainerRecord<TState>): string => {
  const fields = headerFieldsOf(record);
  const body = serialiseRecord(record, 2);
  return fileText({ ...fields, type: 'portable', digest: portableDigest(fields, body) }, body);
};

/** Encrypts the record under `dataKey`; `binding` must have been sealed with bindingContext() of the same fields. */
export const encodeMachineContainer = <TState>(
  record: ContainerRecord<TState>,
  dataKey: Uint8Array,
  binding: Binding,
  iv: Buffer,
): string => {
  const header: MachineHeader = {
    ...headerFieldsOf(record),
    type: 'machine',
    binding,
    cipher: { alg: 'A256GCM', iv: iv.toString('base64url') },
  };
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  cipher.setAAD(machineAad(header));
  const sealed = Buffer.concat([
    cipher.update(serialiseRecord(record), 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  return fileText(header, sealed.toString('base64url'));
};

// ---- decoding: everything below treats the file as hostile input and answers container_corrupt ----

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const hasExactly = (value: Json, keys: readonly string[]): boolean => {
  const own = Object.keys(value);
  return own.length === keys.length && keys.every((key) => Object.hasOwn(value, key));
};

/** Canonical base64url only: a string whose unused trailing bits were flipped decodes to the same bytes and must not pass. */
const isBase64url = (value: unknown, bytes?: number): value is string => {
  if (typeof value !== 'string' || value === '' || !BASE64URL.test(value)) return false;
  const decoded = Buffer.from(value, 'base64url');
  return decoded.toString('base64url') === value && (bytes === undefined || decoded.length === bytes);
};

const isInstant = (value: unknown): value is string =>
  typeof value === 'string' && ISO_INSTANT.test(value) && !Number.isNaN(Date.parse(value));

const checkBinding = (serial: string, value: unknown): Binding => {
  const fail = (reason: string) => containerCorrupt(serial, `binding: ${reason}`);
  if (!isObject(value) || !hasExactly(value, ['scheme', 'salt', 'threshold', 'shares']))
    throw fail('malformed');
  if (value['scheme'] !== BINDING_SCHEME) throw fail(`unknown scheme ${JSON.stringify(value['scheme'])}`);
  if (!isBase64url(value['salt'], 32)) throw fail('bad salt');
  const shares = value['shares'];
  if (!Array.isArray(shares) || shares.length < 2 || shares.length > 255) throw fail('bad share list');
  const names = new Set<string>();
  for (const share of shares) {
    if (!isObject(share) || !hasExactly(share, ['factor', 'iv', 'data'])) throw fail('malformed share');
    const factor = share['factor'];
    if (typeof factor !== 'string' || !isFactorName(factor) || names.has(factor))
      throw fail('bad factor name');
    names.add(factor);
    if (!isBase64url(share['iv'], IV_BYTES) || !isBase64url(share['data'], SHARE_DATA_BYTES)) {
      throw fail(`bad share for ${factor}`);
    }
  }
  if (value['threshold'] !== bindingThreshold(shares.length))
    throw fail('threshold does not fit the share count');
  return value as unknown as Binding;
};

/**
 * Splits and validates a container file. `expectedSerial` is the serial the file name promises; a header
 * naming another serial (a renamed or swapped file) is corrupt.
 */
export const parseContainerFile = (text: string, expectedSerial: Serial): ContainerFile => {
  const fail = (reason: string, cause?: unknown) => containerCorrupt(expectedSerial, reason, cause);
  const newline = text.indexOf('\n');
  if (newline < 0 || !text.endsWith('\n') || newline === text.length - 1) throw fail('truncated');
  let header: unknown;
  try {
    header = JSON.parse(text.slice(0, newline));
  } catch (error) {
    throw fail('the header is not JSON', error);
  }
  if (!isObject(header)) throw fail('the header is not an object');
  if (header['format'] !== CONTAINER_FORMAT) throw fail('not a Tessera container');
  if (header['version'] !== CONTAINER_FORMAT_VERSION) {
    throw fail(`format version ${JSON.stringify(header['version'])} is not supported by this runtime`);
  }
  if (header['serial'] !== expectedSerial) throw fail('the header names another serial');
  if (header['type'] !== parseSerial(expectedSerial).type)
    throw fail('the header type does not match the serial');
  if (!isInstant(header['createdAt'])) throw fail('bad creation time');
  const body = text.slice(newline + 1, -1);
  if (header['type'] === 'portable') {
    if (!hasExactly(header, ['format', 'version', 'serial', 'type', 'createdAt', 'digest'])) {
      throw fail('unexpected header fields');
    }
    if (typeof header['digest'] !== 'string') throw fail('no digest');
    return { header: header as unknown as PortableHeader, body };
  }
  if (header['type'] === 'machine') {
    if (!hasExactly(header, ['format', 'version', 'serial', 'type', 'createdAt', 'binding', 'cipher'])) {
      throw fail('unexpected header fields');
    }
    checkBinding(expectedSerial, header['binding']);
    const cipher = header['cipher'];
    if (!isObject(cipher) || !hasExactly(cipher, ['alg', 'iv']) || cipher['alg'] !== 'A256GCM') {
      throw fail('unknown cipher');
    }
    if (!isBase64url(cipher['iv'], IV_BYTES)) throw fail('bad cipher nonce');
    if (!isBase64url(body)) throw fail('the encrypted body is not base64url');
    return { header: header as unknown as MachineHeader, body };
  }
  throw fail('unknown container type');
};

const checkRecord = (header: HeaderFields, json: string): ContainerRecord<unknown> => {
  const fail = (reason: string, cause?: unknown) => containerCorrupt(header.serial, reason, cause);
  let record: unknown;
  try {
    record = JSON.parse(json);
  } catch (error) {
    throw fail('the body is not JSON', error);
  }
  if (!isObject(record) || !hasExactly(record, ['serial', 'type', 'createdAt', 'keys', 'state'])) {
    throw fail('the body is not a container record');
  }
  if (
    record['serial'] !== header.serial ||
    record['type'] !== header.type ||
    record['createdAt'] !== header.createdAt
  ) {
    throw fail('the body does not belong to this header');
  }
  const keys = record['keys'];
  if (
    !isObject(keys) ||
    !hasExactly(keys, ['publicKey', 'privateKey']) ||
    !isBase64url(keys['publicKey'], KEY_BYTES) ||
    !isBase64url(keys['privateKey'], KEY_BYTES)
  ) {
    throw fail('bad container keys');
  }
  return record as unknown as ContainerRecord<unknown>;
};

export const openPortableContainer = (
  file: ContainerFile & { header: PortableHeader },
): ContainerRecord<unknown> => {
  if (portableDigest(file.header, file.body) !== file.header.digest) {
    throw containerCorrupt(
      file.header.serial,
      'the digest does not match — the file was truncated or edited',
    );
  }
  return checkRecord(file.header, file.body);
};

/** Decrypts a machine container with the data key its binding yielded. */
export const openMachineContainer = (
  file: ContainerFile & { header: MachineHeader },
  dataKey: Uint8Array,
): ContainerRecord<unknown> => {
  const sealed = Buffer.from(file.body, 'base64url');
  if (sealed.length <= TAG_BYTES)
    throw containerCorrupt(file.header.serial, 'the encrypted body is truncated');
  let json: string;
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      dataKey,
      Buffer.from(file.header.cipher.iv, 'base64url'),
    );
    decipher.setAAD(machineAad(file.header));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    json = Buffer.concat([
      decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch (error) {
    throw containerCorrupt(file.header.serial, 'the encrypted body does not authenticate', error);
  }
  return checkRecord(file.header, json);
};
