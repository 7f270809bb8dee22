// Who is calling: password login with database-backed back-off, sessions (cookie secret → principal) and API
// tokens (bearer secret → principal). Back-off counters live in the database so they hold across several
// stateless instances. Not here: cookies, headers and CSRF checks (http/authenticate.ts).

import { type Clock, TesseraError } from '@tessera/core';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { inTransaction, isoTime, newId, type Trx } from '../../db/transaction.js';
import type { AuditLog } from '../audit/service.js';
import { verifyPassword } from './passwords.js';
import { expandScopes, type Principal, SCOPES } from './policy.js';
import type { User } from './repository.js';
import * as repo from './repository.js';
import { csrfTokenFor, newOpaqueSecret, type Random, sha256Hex } from './secrets.js';
import { auditActor, type Caller } from './service.js';

export interface BackoffPolicy {
  /** Failures after which a key is locked. */
  threshold: number;
}

/** Per e-mail: 5 failures. Per client address: more, since offices share one address behind NAT. */
export const EMAIL_BACKOFF: BackoffPolicy = { threshold: 5 };
export const CLIENT_BACKOFF: BackoffPolicy = { threshold: 20 };
/** Counting restarts after this long without failures or locks. */
export const BACKOFF_WINDOW_MS = 15 * 60 * 1000;
const FIRST_LOCK_MS = 30 * 1000;
const MAX_LOCK_MS = 60 * 60 * 1000;

/** 30 s at the threshold, doubling with every further failure, at most an hour. */
export const lockDurationMs = (failures: number, policy: BackoffPolicy): number =>
  Math.min(MAX_LOCK_MS, FIRST_LOCK_MS * 2 ** Math.max(0, failures - policy.threshold));

export interface AuthenticationDeps {
  db: Kysely<Database>;
  clock: Clock;
  random: Random;
  audit: AuditLog;
  session: { idleSeconds: number; maxAgeSeconds: number };
}

export interface LoginResult {
  /** Goes into the cookie; never stored. */
  secret: string;
  csrfToken: string;
  user: User;
  sessionId: string;
  expiresAt: string;
}

/** Only every so often is a session's idle expiry (or a token's last use) written back, not on every request. */
const TOUCH_INTERVAL_MS = 60 * 1000;

export const createAuthentication = (deps: AuthenticationDeps) => {
  const { db, clock, random, audit } = deps;

  const keysFor = (email: string, clientAddress: string) =>
    [
      { key: `email:${email}`, policy: EMAIL_BACKOFF },
      { key: `client:${clientAddress}`, policy: CLIENT_BACKOFF },
    ] as const;

  const recordFailure = async (
    trx: Trx,
    email: string,
    clientAddress: string,
    userId: string | null,
    requestId: string | null,
  ) => {
    const at = clock.now();
    const windowStart = isoTime(new Date(at.getTime() - BACKOFF_WINDOW_MS));
    for (const { key, policy } of keysFor(email, clientAddress)) {
      const failures = await repo.countLoginFailure(trx, key, isoTime(at), windowStart);
      if (failures >= policy.threshold) {
        await repo.lockLogin(trx, key, isoTime(new Date(at.getTime() + lockDurationMs(failures, policy))));
      }
    }
    await audit.record(trx, {
      actor: { userId: null, tokenId: null, requestId },
      action: 'session.login_failed',
      subject: { type: 'user', id: userId },
      data: { email, clientAddress },
    });
  };

  const membershipsPrincipal = async (user: User, via: Principal['via'], scopes: Principal['scopes']) => ({
    user: { id: user.id, email: user.email, name: user.name },
    via,
    scopes,
    memberships: await repo.principalMemberships(db, user.id),
  });

  return {
    /**
     * Checks e-mail and password. An unknown e-mail, a wrong password and a disabled account give the same
     * answer and cost the same time (a dummy hash is verified). Locked keys answer too_many_attempts.
     */
    login: async (input: {
      email: string;
      password: string;
      clientAddress: string;
      userAgent: string | null;
      requestId: string | null;
    }): Promise<LoginResult> => {
      const email = input.email.trim().toLowerCase();
      const keys = keysFor(email, input.clientAddress);
      const at = clock.now();
      const attempts = await repo.findLoginAttempts(
        db,
        keys.map((k) => k.key),
      );
      const lockedUntil = [...attempts.values()]
        .map((a) => a.lockedUntil)
        .filter((until): until is string => until !== null && until > isoTime(at))
        .sort()
        .at(-1);
      if (lockedUntil !== undefined) {
        const retryAfterSeconds = Math.max(
          1,
          Math.ceil((new Date(lockedUntil).getTime() - at.getTime()) / 1000),
        );
        throw new TesseraError(
          'too_many_attempts',
          `Too many failed logins; try again in ${retryAfterSeconds} s.`,
          {
            retryAfterSeconds,
          },
        );
      }

      const candidate = await repo.findUserCredentialsByEmail(db, email);
      const passwordOk = await verifyPassword(input.password, candidate?.passwordHash ?? null);
      if (!candidate || !passwordOk || candidate.status !== 'active') {
        await inTransaction(db, (trx) =>
          recordFailure(trx, email, input.clientAddress, candidate?.id ?? null, input.requestId),
        );
        throw new TesseraError('invalid_credentials', 'The e-mail address or password is not correct.');
      }

      const { passwordHash: _hash, ...user } = candidate;
      const secret = newOpaqueSecret(random);
      const sessionId = newId();
      const nowMs = clock.now().getTime();
      const expiresAt = isoTime(new Date(nowMs + deps.session.maxAgeSeconds * 1000));
      await inTransaction(db, async (trx) => {
        await repo.clearLoginAttempts(trx, keys[0].key);
        await repo.insertSession(trx, {
          id: sessionId,
          userId: user.id,
          secretHash: sha256Hex(secret),
          createdAt: isoTime(new Date(nowMs)),
          lastSeenAt: isoTime(new Date(nowMs)),
          idleExpiresAt: isoTime(new Date(nowMs + deps.session.idleSeconds * 1000)),
          expiresAt,
          clientAddress: input.clientAddress,
          userAgent: input.userAgent,
        });
        await audit.record(trx, {
          actor: { userId: user.id, tokenId: null, requestId: input.requestId },
          action: 'session.created',
          subject: { type: 'session', id: sessionId },
          data: { clientAddress: input.clientAddress },
        });
      });
      return { secret, csrfToken: csrfTokenFor(secret), user, sessionId, expiresAt };
    },

    logout: async (caller: Caller): Promise<void> => {
      const sessionId = caller.principal.sessionId;
      if (sessionId === undefined) {
        throw new TesseraError('not_a_session', 'Only a session can log out; revoke an API token instead.');
      }
      await inTransaction(db, async (trx) => {
        if (!(await repo.deleteSession(trx, sessionId))) return;
        await audit.record(trx, {
          actor: auditActor(caller),
          action: 'session.ended',
          subject: { type: 'session', id: sessionId },
        });
      });
    },

    /** The principal of a live session cookie, or undefined. Slides the idle expiry. */
    sessionPrincipal: async (secret: string): Promise<Principal | undefined> => {
      const at = clock.now();
      const found = await repo.findLiveSession(db, sha256Hex(secret), isoTime(at));
      if (!found) return undefined;
      if (at.getTime() - new Date(found.session.lastSeenAt).getTime() >= TOUCH_INTERVAL_MS) {
        const idleExpiresAt = isoTime(new Date(at.getTime() + deps.session.idleSeconds * 1000));
        await repo.touchSession(db, found.session.id, isoTime(at), idleExpiresAt);
      }
      return { ...(await membershipsPrincipal(found.user, 'session', SCOPES)), sessionId: found.session.id };
    },

    /** The principal of a usable API token, or undefined. Records its last use. */
    tokenPrincipal: async (secret: string): Promise<Principal | undefined> => {
      const at = clock.now();
      const found = await repo.findUsableApiToken(db, sha256Hex(secret), isoTime(at));
      if (!found) return undefined;
      const lastUsed = found.token.lastUsedAt;
      if (lastUsed === null || at.getTime() - new Date(lastUsed).getTime() >= TOUCH_INTERVAL_MS) {
        await repo.touchApiToken(db, found.token.id, isoTime(at));
      }
      return {
        ...(await membershipsPrincipal(found.user, 'token', expandScopes(found.token.scopes))),
        tokenId: found.token.id,
      };
    },
  };
};

export type Authentication = ReturnType<typeof createAuthentication>;
