// Webhook signatures, Stripe's scheme: `Tessera-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over
// "<t>.<raw body>", keyed with the subscription's secret (the whole `whsec_…` string as UTF-8). While a rotated
// secret is in its grace period the header carries one v1 per valid secret. Verification is here too, for
// tests and as the reference the documentation's receiver example follows.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Random } from '../accounts/secrets.js';

export const SIGNATURE_HEADER = 'tessera-signature';
export const SECRET_PREFIX = 'whsec_';
/** How far a receiver should let the signed time differ from its clock (replay window), in seconds. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** A new signing secret: `whsec_` and 32 random bytes, base64url. */
export const newWebhookSecret = (random: Random): string =>
  `${SECRET_PREFIX}${random.bytes(32).toString('base64url')}`;

const hmacHex = (secret: string, timestamp: number, body: string): string =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');

/** The header value for a body sent at `timestamp` (unix seconds), signed with each secret in order. */
export const signatureHeader = (secrets: readonly string[], timestamp: number, body: string): string =>
  [`t=${timestamp}`, ...secrets.map((secret) => `v1=${hmacHex(secret, timestamp, body)}`)].join(',');

export type SignatureVerdict =
  | { valid: true; timestamp: number }
  | { valid: false; reason: 'malformed' | 'no_match' | 'too_old' | 'too_new' };

/**
 * Checks a Tessera-Signature header against the raw body: some v1 must match (in constant time) and the signed
 * time must lie within `toleranceSeconds` of `nowSeconds`. Receivers must verify the raw bytes they got,
 * before parsing the JSON.
 */
export const verifySignature = (options: {
  header: string | undefined;
  body: string;
  secret: string;
  nowSeconds: number;
  toleranceSeconds?: number;
}): SignatureVerdict => {
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const parts = (options.header ?? '').split(',').map((part) => part.trim().split('='));
  const timestampText = parts.find(([key]) => key === 't')?.[1];
  const signatures = parts
    .filter(([key, value]) => key === 'v1' && value !== undefined)
    .map(([, v]) => v ?? '');
  if (timestampText === undefined || !/^\d+$/.test(timestampText) || signatures.length === 0) {
    return { valid: false, reason: 'malformed' };
  }
  const timestamp = Number(timestampText);
  const expected = Buffer.from(hmacHex(options.secret, timestamp, options.body), 'hex');
  const matches = signatures.some((signature) => {
    const given = Buffer.from(signature, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) return { valid: false, reason: 'no_match' };
  if (timestamp < options.nowSeconds - tolerance) return { valid: false, reason: 'too_old' };
  if (timestamp > options.nowSeconds + tolerance) return { valid: false, reason: 'too_new' };
  return { valid: true, timestamp };
};
