// The pure rules of webhooks: which URLs a subscription may use, how signatures are made and checked, and
// the retry schedule.

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { checkWebhookUrl, isPrivateHost } from '../src/modules/webhooks/destination.js';
import { signatureHeader, verifySignature } from '../src/modules/webhooks/signature.js';
import { MAX_RETRY_MS, retryDelayMs } from '../src/modules/webhooks/worker.js';

const fieldOf = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return (error as { details?: { field?: unknown } }).details?.field;
  }
  return undefined;
};

describe('webhook destinations', () => {
  it('accepts https anywhere and http only on loopback or private-network hosts', () => {
    for (const url of [
      'https://erp.example.com/hooks',
      'https://203.0.113.7:8443/x',
      'http://localhost:3000/hooks',
      'http://127.0.0.1:9/x',
      'http://10.1.2.3/x',
      'http://172.20.0.5/x',
      'http://192.168.1.10/x',
      'http://[::1]:8080/x',
      'http://[fd12:3456::1]/x',
      'http://erp/hooks',
      'http://erp.internal/hooks',
      'http://nas.local/x',
      'http://router.home.arpa/x',
    ]) {
      expect(() => checkWebhookUrl(url), url).not.toThrow();
    }
  });

  it('refuses plain http to public hosts, other schemes, credentials and link-local addresses, naming url', () => {
    for (const url of [
      'http://erp.example.com/hooks',
      'http://8.8.8.8/x',
      'http://172.32.0.1/x',
      'http://[2001:db8::1]/x',
      'ftp://erp.example.com/x',
      'file:///etc/passwd',
      'https://user:secret@erp.example.com/x',
      'http://169.254.169.254/latest/meta-data',
      'https://169.254.169.254/x',
      'http://[fe80::1]/x',
      'http://0.0.0.0:8080/x',
      'not a url',
    ]) {
      expect(
        fieldOf(() => checkWebhookUrl(url)),
        url,
      ).toBe('url');
    }
  });

  it('drops the fragment and keeps the query', () => {
    expect(checkWebhookUrl('https://erp.example.com/h?k=1#frag')).toBe('https://erp.example.com/h?k=1');
  });

  it('treats names with a public-looking domain as public', () => {
    expect(isPrivateHost('erp.example.com')).toBe(false);
    expect(isPrivateHost('ERP')).toBe(true);
  });
});

describe('webhook signatures', () => {
  const body = '{"id":"e1","type":"license.activated","occurredAt":"2026-03-01T09:00:00.000Z","data":{}}';
  const secret = 'whsec_test-secret';

  it('signs "<t>.<body>" with HMAC-SHA256 and verifies within the tolerance', () => {
    const header = signatureHeader([secret], 1_772_355_600, body);
    expect(header).toMatch(/^t=1772355600,v1=[0-9a-f]{64}$/);
    expect(verifySignature({ header, body, secret, nowSeconds: 1_772_355_600 + 299 })).toEqual({
      valid: true,
      timestamp: 1_772_355_600,
    });
  });

  it('rejects another secret, a changed body, a stale or future time and a malformed header', () => {
    const t = 1_772_355_600;
    const header = signatureHeader([secret], t, body);
    expect(verifySignature({ header, body, secret: 'whsec_other', nowSeconds: t }).valid).toBe(false);
    expect(verifySignature({ header, body: body.replace('e1', 'e2'), secret, nowSeconds: t })).toEqual({
      valid: false,
      reason: 'no_match',
    });
    expect(verifySignature({ header, body, secret, nowSeconds: t + 301 })).toEqual({
      valid: false,
      reason: 'too_old',
    });
    expect(verifySignature({ header, body, secret, nowSeconds: t - 301 })).toEqual({
      valid: false,
      reason: 'too_new',
    });
    for (const broken of [undefined, '', 'v1=abc', `t=${t}`, `t=soon,v1=${'0'.repeat(64)}`]) {
      expect(verifySignature({ header: broken, body, secret, nowSeconds: t }).valid).toBe(false);
    }
  });

  it('carries one v1 per secret; either secret verifies', () => {
    const header = signatureHeader(['whsec_new', 'whsec_old'], 1000, body);
    expect(header.split(',')).toHaveLength(3);
    for (const candidate of ['whsec_new', 'whsec_old']) {
      expect(verifySignature({ header, body, secret: candidate, nowSeconds: 1000 }).valid).toBe(true);
    }
  });
});

describe('retry schedule', () => {
  it('doubles from 30 s and stops growing at 6 h', () => {
    const noJitter = () => 0.5;
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, noJitter))).toEqual([
      30_000, 60_000, 120_000, 240_000, 480_000,
    ]);
    expect(retryDelayMs(10, noJitter)).toBe(512 * 30_000);
    expect(retryDelayMs(11, noJitter)).toBe(MAX_RETRY_MS);
    expect(retryDelayMs(40, noJitter)).toBe(MAX_RETRY_MS);
  });

  it('jitters by at most ten per cent either way', () => {
    expect(retryDelayMs(1, () => 0)).toBe(27_000);
    expect(retryDelayMs(1, () => 0.999_999)).toBe(33_000);
    expect(retryDelayMs(12, () => 0)).toBe(MAX_RETRY_MS * 0.9);
  });
});

describe('webhook configuration', () => {
  it('runs the worker with a 10 s timeout unless told otherwise', () => {
    expect(loadConfig({}).webhooks).toEqual({ enabled: true, timeoutMs: 10_000 });
    expect(loadConfig({ TESSERA_WEBHOOKS: '0', TESSERA_WEBHOOK_TIMEOUT: '30' }).webhooks).toEqual({
      enabled: false,
      timeoutMs: 30_000,
    });
    expect(loadConfig({ TESSERA_WEBHOOK_TIMEOUT: '5s' }).webhooks.timeoutMs).toBe(5000);
    expect(loadConfig({ TESSERA_WEBHOOK_TIMEOUT: '2500ms' }).webhooks.timeoutMs).toBe(2500);
  });

  it.each([
    [{ TESSERA_WEBHOOKS: 'sometimes' }, 'TESSERA_WEBHOOKS'],
    [{ TESSERA_WEBHOOK_TIMEOUT: '0' }, 'TESSERA_WEBHOOK_TIMEOUT'],
    [{ TESSERA_WEBHOOK_TIMEOUT: '121' }, 'TESSERA_WEBHOOK_TIMEOUT'],
    [{ TESSERA_WEBHOOK_TIMEOUT: '10m' }, 'TESSERA_WEBHOOK_TIMEOUT'],
  ])('refuses %o naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (error) {
      expect((error as ConfigError).variable).toBe(variable);
    }
  });
});
