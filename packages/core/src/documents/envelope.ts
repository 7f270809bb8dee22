// The signed envelope every protocol document travels in: canonical JSON payload (RFC 8785), base64url,
// an Ed25519 signature over format, kind, key id and payload, and an ASCII armor that survives e-mail and
// copy-paste. Opening verifies the signature before the payload is parsed; nothing but the key id (and the
// signer's key, for self-signed documents) is looked at before that.

import type { z } from 'zod';
import { z as zod } from 'zod';
import { type KeyPair, keyIdOf, sha256, signBytes, verifyBytes } from '../crypto/ed25519.js';
import { fromBase64Url, toBase64Url, utf8 } from '../encoding/base64url.js';
import { canonicalBytes, canonicalJson, parseCanonical } from '../encoding/canonical.js';
import { TesseraError } from '../errors.js';

export const ENVELOPE_FORMAT = 'tessera/1';

export type DocumentKind = 'context' | 'update' | 'license' | 'firm_key_rotation';

const ARMOR_LABEL: Record<DocumentKind, string> = {
  context: 'TESSERA CONTEXT',
  update: 'TESSERA UPDATE',
  license: 'TESSERA LICENSE',
  firm_key_rotation: 'TESSERA FIRM KEY ROTATION',
};

const base64url = zod.string().regex(/^[A-Za-z0-9_-]+$/);

export const envelopeSchema = zod
  .object({
    format: zod.literal(ENVELOPE_FORMAT),
    kind: zod.enum(['context', 'update', 'license', 'firm_key_rotation']),
    keyId: base64url.length(22),
    /** the signer's public key, carried when the reader may not know it yet (a container's first context, a firm key's first update) */
    key: base64url.length(43).optional(),
    payload: base64url.max(16 * 1024 * 1024),
    signature: base64url.length(86),
  })
  .strict();

export type Envelope = z.infer<typeof envelopeSchema>;

const signingInput = (kind: DocumentKind, keyId: string, payload: string): Uint8Array =>
  utf8(`${ENVELOPE_FORMAT}.${kind}.${keyId}.${payload}`);

export const sealEnvelope = (
  kind: DocumentKind,
  payload: object,
  signer: KeyPair,
  options: { includeKey?: boolean } = {},
): Envelope => {
  const keyId = keyIdOf(signer.publicKey);
  const encoded = toBase64Url(canonicalBytes(payload));
  return {
    format: ENVELOPE_FORMAT,
    kind,
    keyId,
    ...(options.includeKey ? { key: signer.publicKey } : {}),
    payload: encoded,
    signature: signBytes(signer, signingInput(kind, keyId, encoded)),
  };
};

const LINE = 64;

export const armor = (envelope: Envelope): string => {
  const body = toBase64Url(utf8(canonicalJson(envelope)));
  const lines: string[] = [];
  for (let at = 0; at < body.length; at += LINE) lines.push(body.slice(at, at + LINE));
  const label = ARMOR_LABEL[envelope.kind];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
};

const invalid = (kind: DocumentKind, why: string): TesseraError =>
  new TesseraError('invalid_document', `not a valid ${kind} document: ${why}`, { kind });

/**
 * Reads an armored document. Line endings and surrounding whitespace are forgiven (mail clients change them);
 * anything inside the armor must be exactly what `armor` writes.
 */
export const dearmor = (text: string, kind: DocumentKind): Envelope => {
  if (typeof text !== 'string') throw invalid(kind, 'expected text');
  const label = ARMOR_LABEL[kind];
  const lines = text.replace(/\r\n?/g, '\n').trim().split('\n');
  const first = lines.shift();
  const last = lines.pop();
  if (first !== `-----BEGIN ${label}-----` || last !== `-----END ${label}-----`) {
    const found = /^-----BEGIN ([A-Z ]+)-----/.exec(first ?? '');
    throw invalid(kind, found ? `this is a "${found[1]}" file` : 'missing armor lines');
  }
  if (lines.length === 0) throw invalid(kind, 'empty body');
  lines.forEach((line, index) => {
    const expected = index < lines.length - 1 ? line.length === LINE : line.length > 0 && line.length <= LINE;
    if (!expected) throw invalid(kind, `malformed line ${index + 2}`);
  });
  let json: unknown;
  try {
    json = parseCanonical(fromBase64Url(lines.join(''), 'document body'), 'document body');
  } catch (error) {
    throw invalid(kind, error instanceof TesseraError ? error.message : 'unreadable body');
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) throw invalid(kind, 'malformed envelope');
  if (parsed.data.kind !== kind) throw invalid(kind, `it is a ${parsed.data.kind}`);
  return parsed.data;
};

/** Resolves the key that must have signed an envelope, or throws (unknown key, pinned key mismatch, …). */
export type KeyResolver = (envelope: Envelope) => string;

/** Verifies the signature, then parses and validates the payload. Fails closed at every step. */
export const openEnvelope = <S extends z.ZodType>(
  envelope: Envelope,
  kind: DocumentKind,
  schema: S,
  resolveKey: KeyResolver,
): z.infer<S> => {
  if (envelope.kind !== kind) throw invalid(kind, `it is a ${envelope.kind}`);
  const publicKey = resolveKey(envelope);
  if (keyIdOf(publicKey) !== envelope.keyId) {
    throw new TesseraError(
      'signature_invalid',
      `the ${kind} names key ${envelope.keyId} but was checked against another key`,
    );
  }
  if (
    !verifyBytes(publicKey, signingInput(envelope.kind, envelope.keyId, envelope.payload), envelope.signature)
  ) {
    throw new TesseraError('signature_invalid', `the ${kind}'s signature does not verify`, { kind });
  }
  const payload = parseCanonical(fromBase64Url(envelope.payload, 'payload'), 'payload');
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(kind, `${issue?.path.join('.') || 'payload'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
};

/** The self-declared key of a self-signed envelope (a container's context), checked against its key id. */
export const declaredKey = (envelope: Envelope): string => {
  if (!envelope.key)
    throw new TesseraError('signature_invalid', `the ${envelope.kind} does not carry its signer's key`);
  if (keyIdOf(envelope.key) !== envelope.keyId) {
    throw new TesseraError('signature_invalid', `the ${envelope.kind}'s key does not match its key id`);
  }
  return envelope.key;
};

/** Digest of a signed payload: what contexts report about a license and Central compares. */
export const payloadDigest = (envelope: Envelope): string =>
  toBase64Url(sha256(fromBase64Url(envelope.payload, 'payload')));
