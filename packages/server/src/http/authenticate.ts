// Turns request credentials into `request.principal`: a bearer API token (Authorization header) or the
// session cookie. Routes then state what they need with requireAuth(scope), which also enforces CSRF for
// cookie-authenticated writes. Bearer requests carry no ambient credentials, so they are exempt from CSRF.

import { timingSafeEqual } from 'node:crypto';
import { TesseraError } from '@tessera/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authentication } from '../modules/accounts/authentication.js';
import { type Principal, requireScope, type Scope } from '../modules/accounts/policy.js';
import { csrfTokenFor } from '../modules/accounts/secrets.js';
import type { Caller } from '../modules/accounts/service.js';

export const SESSION_COOKIE = 'tessera_session';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
    /** The CSRF token bound to the request's session (session requests only). */
    csrfToken: string | undefined;
    /** Why credentials that were sent did not authenticate, for a precise 401. */
    authProblem: string | undefined;
  }
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const registerAuthentication = (app: FastifyInstance, authentication: Authentication): void => {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('csrfToken', undefined);
  app.decorateRequest('authProblem', undefined);

  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      request.principal = match?.[1] ? await authentication.tokenPrincipal(match[1]) : undefined;
      if (!request.principal) request.authProblem = 'The API token is unknown, revoked or expired.';
      return;
    }
    const secret = request.cookies[SESSION_COOKIE];
    if (secret) {
      request.principal = await authentication.sessionPrincipal(secret);
      if (request.principal) request.csrfToken = csrfTokenFor(secret);
      else request.authProblem = 'The session has expired or ended; log in again.';
    }
  });
};

const sameSecret = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

/**
 * Route hook: 401 without a principal, 403 for a cookie write without the session's CSRF token, 403 for a
 * token lacking the scope. Runs before body validation so anonymous callers learn nothing about the schema.
 */
export const requireAuth =
  (scope: Scope) =>
  async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const principal = request.principal;
    if (!principal) {
      throw new TesseraError(
        'unauthenticated',
        request.authProblem ?? 'Log in or send an API token (Authorization: Bearer …).',
      );
    }
    if (principal.via === 'session' && UNSAFE_METHODS.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (
        typeof sent !== 'string' ||
        request.csrfToken === undefined ||
        !sameSecret(sent, request.csrfToken)
      ) {
        throw new TesseraError(
          'csrf_token_invalid',
          `Cookie-authenticated writes must send the session's CSRF token in the ${CSRF_HEADER} header.`,
        );
      }
    }
    requireScope(principal, scope);
  };

/** The authenticated caller of a route guarded by requireAuth. */
export const callerOf = (request: FastifyRequest): Caller => {
  if (!request.principal) throw new TesseraError('unauthenticated', 'Authentication required.');
  return { principal: request.principal, requestId: String(request.id) };
};
