// Which URLs a webhook may point at. HTTPS anywhere; plain HTTP only to hosts that are obviously on the
// operator's own network (loopback, RFC 1918 / unique-local addresses, `localhost`, single-label names and the
// private-use suffixes), so secrets and payloads never cross the internet unencrypted. Link-local addresses
// (169.254.0.0/16, fe80::/10 — where cloud metadata services live) and unspecified addresses are refused in any
// scheme. This is a check of the URL as written, not of where DNS points it: see docs/webhooks.md (SSRF).

import { isIPv4, isIPv6 } from 'node:net';
import { TesseraError } from '@tessera/core';

const invalid = (detail: string) => new TesseraError('validation_failed', `url: ${detail}`, { field: 'url' });

const ipv4Octets = (host: string): number[] => host.split('.').map(Number);

const isPrivateIpv4 = (host: string): boolean => {
  const [a = -1, b = -1] = ipv4Octets(host);
  return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
};

const isLinkLocalOrUnspecifiedIpv4 = (host: string): boolean => {
  const [a = -1, b = -1] = ipv4Octets(host);
  return (a === 169 && b === 254) || a === 0;
};

/** An IPv6 literal's first 16-bit group, for prefix checks (`fe80::1` → 0xfe80; `::1` → 0). */
const firstGroup = (host: string): number => {
  const head = host.split(':')[0] ?? '';
  return head === '' ? 0 : Number.parseInt(head, 16);
};

const isPrivateIpv6 = (host: string): boolean =>
  host === '::1' || (firstGroup(host) & 0xfe00) === 0xfc00 || isMappedPrivateIpv4(host);

const isMappedPrivateIpv4 = (host: string): boolean => {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  return mapped?.[1] !== undefined && isPrivateIpv4(mapped[1]);
};

const isLinkLocalOrUnspecifiedIpv6 = (host: string): boolean =>
  host === '::' || (firstGroup(host) & 0xffc0) === 0xfe80;

const PRIVATE_SUFFIXES = ['.localhost', '.local', '.internal', '.home.arpa', '.lan'];

/** True for a host that names the operator's own network (see the module comment). */
export const isPrivateHost = (hostname: string): boolean => {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIPv4(host)) return isPrivateIpv4(host);
  if (isIPv6(host)) return isPrivateIpv6(host);
  return (
    host === 'localhost' || !host.includes('.') || PRIVATE_SUFFIXES.some((suffix) => host.endsWith(suffix))
  );
};

/** Checks a webhook URL and returns it normalised; a validation_failed error naming `url` otherwise. */
export const checkWebhookUrl = (text: string): string => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid('is not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('must be an https:// URL');
  if (url.username !== '' || url.password !== '') {
    throw invalid('must not contain credentials; receivers authenticate deliveries by their signature');
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (
    (isIPv4(host) && isLinkLocalOrUnspecifiedIpv4(host)) ||
    (isIPv6(host) && isLinkLocalOrUnspecifiedIpv6(host))
  ) {
    throw invalid('must not point at a link-local or unspecified address');
  }
  if (url.protocol === 'http:' && !isPrivateHost(host)) {
    throw invalid('must be https (plain http only for loopback or private-network hosts)');
  }
  url.hash = '';
  return url.toString();
};
