// The webhook delivery worker: claims due deliveries from the durable queue (webhook_deliveries), POSTs each
// event signed with its subscription's secret, and records the outcome — delivered on 2xx, otherwise retried
// with capped exponential back-off until the attempt budget is spent. Claims are leases: a worker that dies
// mid-delivery loses its claim after the lease and another worker retries (at-least-once; receivers dedupe on
// the event id). Not here: which events exist (events/service.ts) and managing subscriptions (service.ts).

import { randomInt } from 'node:crypto';
import type { Clock } from '@tessera/core';
import type { Kysely } from 'kysely';
import type { Dialect } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { inTransaction, isoTime } from '../../db/transaction.js';
import { type MasterKeys, openSecret, SEAL_CONTEXT } from '../catalog/master-key.js';
import { type ClaimedDelivery, claimDueDeliveries, recordAttempt } from './repository.js';
import { signatureHeader } from './signature.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_BATCH_SIZE = 20;
export const DEFAULT_MAX_ATTEMPTS = 12;
export const FIRST_RETRY_MS = 30_000;
export const MAX_RETRY_MS = 6 * 3600_000;
/** Retry delays vary by ± this fraction, so deliveries that failed together do not retry together. */
export const JITTER = 0.1;
/** Longest stored error text; the rest is cut off. */
export const MAX_ERROR_LENGTH = 500;

/** Sealing context of the secret before the last rotation (the current one uses SEAL_CONTEXT.webhookSecret). */
export const previousSecretContext = (subscriptionId: string): string =>
  `webhook_subscriptions.previous_secret_sealed:${subscriptionId}`;

/**
 * Delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed: 30 s × 2^(attempt−1), at most
 * 6 h, then ± 10 % jitter. `random` returns a number in [0, 1).
 */
export const retryDelayMs = (attempt: number, random: () => number): number => {
  const base = Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempt - 1), MAX_RETRY_MS);
  return Math.round(base * (1 + (random() * 2 - 1) * JITTER));
};

export interface WorkerLogger {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface WebhookWorkerOptions {
  db: Kysely<Database>;
  dialect: Dialect;
  clock: Clock;
  masterKeys: MasterKeys;
  /** The HTTP client (default: the global fetch). */
  fetch?: typeof fetch;
  logger?: WorkerLogger;
  /** Deliveries claimed (and sent concurrently) per run. */
  batchSize?: number;
  /** Per-request timeout; a slower receiver counts as failed. */
  timeoutMs?: number;
  /** Attempts before a delivery is marked failed. */
  maxAttempts?: number;
  /** How long a claim holds before another worker may take the delivery over (default: timeout + 60 s). */
  leaseMs?: number;
  /** Source of jitter, in [0, 1) (default: crypto). */
  random?: () => number;
}

export interface RunResult {
  /** Deliveries attempted in this run. */
  attempted: number;
  delivered: number;
  /** Attempts that did not succeed (retried later, or given up after the last one). */
  failed: number;
}

export interface WebhookWorker {
  runOnce(): Promise<RunResult>;
  /** Runs continuously: a run, then the next after `intervalMs` (at once while the queue stays full). */
  start(intervalMs: number): void;
  /**
   * Stops scheduling and resolves when the run in flight (if any) has recorded its outcomes. Requests still
   * open after `abortAfterMs` (default: never) are aborted and recorded as failed attempts, to be retried.
   */
  stop(options?: { abortAfterMs?: number }): Promise<void>;
}

type Attempt = { ok: true; status: number } | { ok: false; status: number | null; error: string };

const truncate = (text: string): string =>
  text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;

const describeFailure = (error: unknown, timeoutMs: number, stopping: boolean): string => {
  if (stopping) return 'aborted: the worker stopped before the receiver answered';
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `timeout: no answer within ${timeoutMs} ms`;
  }
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : '';
    const detail = cause instanceof Error ? cause.message : '';
    return ['network error:', error.message, code && `(${code})`, detail && detail !== code ? detail : '']
      .filter(Boolean)
      .join(' ');
  }
  return `network error: ${String(error)}`;
};

const systemJitter = (): number => randomInt(0, 1_000_000) / 1_000_000;

export const createWebhookWorker = (options: WebhookWorkerOptions): WebhookWorker => {
  const { db, clock, masterKeys } = options;
  const send = options.fetch ?? fetch;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const leaseMs = options.leaseMs ?? timeoutMs + 60_000;
  const random = options.random ?? systemJitter;
  /** Aborts requests in flight when stop() gives up waiting; a new one per start. */
  let halt = new AbortController();

  /** The secrets to sign with now: the current one, and the previous one while its grace period lasts. */
  const signingSecrets = (delivery: ClaimedDelivery, now: Date): string[] => {
    const decode = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
    const { secrets } = delivery;
    const current = decode(
      openSecret(masterKeys, secrets.secretSealed, SEAL_CONTEXT.webhookSecret(delivery.subscriptionId)),
    );
    if (
      secrets.previousSecretSealed === null ||
      secrets.previousSecretExpiresAt === null ||
      secrets.previousSecretExpiresAt <= isoTime(now)
    ) {
      return [current];
    }
    try {
      const previous = openSecret(
        masterKeys,
        secrets.previousSecretSealed,
        previousSecretContext(delivery.subscriptionId),
      );
      return [current, decode(previous)];
    } catch (error) {
      options.logger?.warn(
        { err: error, webhookId: delivery.subscriptionId },
        'webhooks: the previous secret cannot be opened; signing with the current one only',
      );
      return [current];
    }
  };

  const attempt = async (delivery: ClaimedDelivery): Promise<Attempt> => {
    const body = JSON.stringify({
      id: delivery.event.id,
      type: delivery.event.type,
      occurredAt: delivery.event.occurredAt,
      subject: delivery.event.subject,
      data: JSON.parse(delivery.event.data) as unknown,
    });
    const now = clock.now();
    let secrets: string[];
    try {
      secrets = signingSecrets(delivery, now);
    } catch (error) {
      return { ok: false, status: null, error: error instanceof Error ? error.message : String(error) };
    }
    try {
      const response = await send(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Tessera-Webhooks/1',
          'tessera-event-id': delivery.event.id,
          'tessera-event-type': delivery.event.type,
          'tessera-delivery-id': delivery.id,
          'tessera-signature': signatureHeader(secrets, Math.floor(now.getTime() / 1000), body),
        },
        body,
        // A redirect could lead a signed payload anywhere; receivers must answer at the URL they gave.
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), halt.signal]),
      });
      // The body is never read or stored: only the status code matters, and internal pages stay unread.
      await response.body?.cancel().catch(() => {});
      if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
      return { ok: false, status: response.status, error: `HTTP ${response.status}` };
    } catch (error) {
      return { ok: false, status: null, error: describeFailure(error, timeoutMs, halt.signal.aborted) };
    }
  };

  const deliver = async (delivery: ClaimedDelivery): Promise<boolean> => {
    const result = await attempt(delivery);
    const at = clock.now();
    if (result.ok) {
      await recordAttempt(db, delivery, { status: 'delivered', lastStatus: result.status, at: isoTime(at) });
      return true;
    }
    const lastError = truncate(result.error);
    const recorded =
      delivery.attempts >= maxAttempts
        ? await recordAttempt(db, delivery, { status: 'failed', lastStatus: result.status, lastError })
        : await recordAttempt(db, delivery, {
            status: 'pending',
            lastStatus: result.status,
            lastError,
            nextAttemptAt: isoTime(new Date(at.getTime() + retryDelayMs(delivery.attempts, random))),
          });
    if (recorded && delivery.attempts >= maxAttempts) {
      options.logger?.warn(
        {
          deliveryId: delivery.id,
          webhookId: delivery.subscriptionId,
          attempts: delivery.attempts,
          lastError,
        },
        'webhooks: delivery failed for good',
      );
    }
    return false;
  };

  const runOnce = async (): Promise<RunResult> => {
    const now = clock.now();
    const claimed = await inTransaction(db, (trx) =>
      claimDueDeliveries(trx, {
        now: isoTime(now),
        leaseUntil: isoTime(new Date(now.getTime() + leaseMs)),
        limit: batchSize,
        lockRows: options.dialect === 'postgres',
      }),
    );
    const outcomes = await Promise.all(claimed.map(deliver));
    const delivered = outcomes.filter(Boolean).length;
    return { attempted: claimed.length, delivered, failed: claimed.length - delivered };
  };

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;
  let interval = 1000;

  const tick = async () => {
    timer = undefined;
    let full = false;
    const run = runOnce()
      .then((result) => {
        full = result.attempted === batchSize;
      })
      .catch((error: unknown) => options.logger?.error({ err: error }, 'webhooks: delivery run failed'));
    running = run;
    await run;
    running = undefined;
    if (!stopped) {
      timer = setTimeout(tick, full ? 0 : interval);
      timer.unref();
    }
  };

  return {
    runOnce,
    start: (intervalMs) => {
      if (!stopped) return;
      stopped = false;
      if (halt.signal.aborted) halt = new AbortController();
      interval = intervalMs;
      timer = setTimeout(tick, 0);
      timer.unref();
    },
    stop: async (stopOptions = {}) => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (running === undefined) return;
      const deadline =
        stopOptions.abortAfterMs === undefined
          ? undefined
          : setTimeout(() => halt.abort(), stopOptions.abortAfterMs);
      await running;
      if (deadline !== undefined) clearTimeout(deadline);
    },
  };
};
