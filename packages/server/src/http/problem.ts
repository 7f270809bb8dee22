// Every error leaves the server as RFC 9457 application/problem+json with a stable `type` per error code.
// One table maps TesseraError codes to HTTP statuses (later modules add their rows); validation errors name
// the offending field; anything unexpected becomes a 500 `internal_error` without stack or message.

import { isTesseraError } from '@tessera/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';

export const PROBLEM_BASE = 'https://tessera.dev/problems/';

/** TesseraError code → HTTP status. Each module appends its codes here when it adds them. */
export const PROBLEM_STATUS: Record<string, number> = {
  // generic
  validation_failed: 400,
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  not_ready: 503,
  // accounts
  invalid_credentials: 401,
  insufficient_scope: 403,
  csrf_token_invalid: 403,
  too_many_attempts: 429,
  weak_password: 400,
  wrong_password: 400,
  not_a_session: 400,
  invitation_invalid: 400,
  group_not_found: 404,
  user_not_found: 404,
  membership_not_found: 404,
  invitation_not_found: 404,
  api_token_not_found: 404,
  group_name_taken: 409,
  group_not_empty: 409,
  already_member: 409,
  last_isv_admin: 409,
  invitation_not_pending: 409,
  // catalog
  secret_unreadable: 500,
  firm_code_not_found: 404,
  firm_key_not_found: 404,
  firm_code_taken: 409,
  sku_taken: 409,
  product_not_found: 404,
  // orders, tickets, connector
  ticket_code_invalid: 400,
  order_not_found: 404,
  external_order_id_reused: 409,
  external_id_taken: 409,
  idempotency_key_reused: 409,
  idempotency_key_in_progress: 409,
  // reports (lookups of objects owned by orders/containers; one row each, whoever adds it first)
  container_not_found: 404,
  ticket_not_found: 404,
  license_not_found: 404,
  // webhooks
  webhook_not_found: 404,
  webhook_delivery_not_found: 404,
  webhook_inactive: 409,
  // protocol documents (packages/core)
  invalid_document: 400,
  invalid_encoding: 400,
  signature_invalid: 400,
  unknown_firm_key: 400,
  invalid_key: 400,
  // activation and containers
  container_type_mismatch: 400,
  context_missing_firm_item: 400,
  container_key_mismatch: 403,
  container_manipulation_detected: 409,
  container_blacklisted: 409,
  container_recycled: 409,
  container_not_flagged: 409,
  container_not_portable: 409,
  container_not_usable: 409,
  container_type_not_allowed: 409,
  ticket_fully_activated: 409,
  ticket_must_stay_complete: 409,
  license_not_available: 409,
  license_already_collected: 409,
  license_pre_assigned: 409,
  license_not_in_container: 409,
  license_not_withdrawable: 409,
  license_not_replaceable: 409,
  deactivation_not_allowed: 409,
  nothing_to_deactivate: 409,
  nothing_to_reactivate: 409,
  nothing_to_restore: 409,
  reactivation_limit_reached: 409,
  reactivation_too_soon: 409,
  product_archived: 409,
  concurrent_update: 409,
  context_replayed: 409,
  container_key_conflict: 409,
};

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    requestId: z.string(),
    code: z.string(),
    field: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details.' });

export type Problem = z.infer<typeof problemSchema>;

const titleOf = (code: string): string => {
  const text = code.replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
};

const instanceOf = (request: FastifyRequest): string => request.url.split('?')[0] ?? request.url;

export const buildProblem = (
  request: FastifyRequest,
  status: number,
  code: string,
  detail: string,
  extra: Partial<Pick<Problem, 'field' | 'errors'>> = {},
): Problem => ({
  type: `${PROBLEM_BASE}${code}`,
  title: titleOf(code),
  status,
  detail,
  instance: instanceOf(request),
  requestId: String(request.id),
  code,
  ...extra,
});

export const sendProblem = (reply: FastifyReply, problem: Problem): FastifyReply =>
  reply.code(problem.status).type('application/problem+json').send(problem);

/** Zod issue path → field name: body fields as `items.0.quantity`; query/params just the name. */
const fieldOf = (instancePath: string, context: string | undefined): string => {
  const path = instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
  return path === '' ? (context ?? 'body') : path;
};

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_request',
};

const FK_CODES = new Set(['23503', 'SQLITE_CONSTRAINT_FOREIGNKEY']);
const UNIQUE_CODES = new Set(['23505', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);
const RETRYABLE_CODES = new Set(['40001', '40P01', 'SQLITE_BUSY']);

/** Maps any thrown value to a problem; logs what the client must not see. */
export const toProblem = (error: unknown, request: FastifyRequest): Problem => {
  if (isTesseraError(error)) {
    const status = PROBLEM_STATUS[error.code];
    if (status === undefined) {
      request.log.error(
        { err: error },
        `TesseraError code "${error.code}" has no HTTP status in PROBLEM_STATUS`,
      );
      return buildProblem(request, 500, 'internal_error', 'An unexpected error occurred.');
    }
    const field = typeof error.details.field === 'string' ? error.details.field : undefined;
    return buildProblem(request, status, error.code, error.message, {
      ...(field !== undefined ? { field, errors: [{ field, message: error.message }] } : {}),
    });
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const context = (error as { validationContext?: string }).validationContext;
    const errors = error.validation.map((issue) => ({
      field: fieldOf(issue.instancePath, context),
      message: issue.message ?? 'is not valid',
    }));
    const first = errors[0];
    return buildProblem(
      request,
      400,
      'validation_failed',
      first ? `${first.field}: ${first.message}` : 'The request is not valid.',
      first ? { field: first.field, errors } : { errors },
    );
  }
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    if (RETRYABLE_CODES.has(error.code)) {
      // PostgreSQL chose this transaction as the victim of a deadlock or serialization conflict.
      request.log.warn({ err: error }, 'transaction conflict');
      return buildProblem(
        request,
        409,
        'concurrent_update',
        'The change collided with a concurrent one; retry.',
      );
    }
    if (UNIQUE_CODES.has(error.code) || FK_CODES.has(error.code)) {
      // A race lost against a concurrent change (the service checked first): tell the client to retry.
      request.log.warn({ err: error }, 'constraint violation');
      return buildProblem(
        request,
        409,
        'conflict',
        'The change conflicts with another change; reload and retry.',
      );
    }
  }
  if (isResponseSerializationError(error as FastifyError)) {
    request.log.error({ err: error }, 'response does not match its schema');
    return buildProblem(request, 500, 'internal_error', 'An unexpected error occurred.');
  }
  const fastifyError = error as Partial<FastifyError>;
  const status = typeof fastifyError.statusCode === 'number' ? fastifyError.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code =
      (fastifyError.code && FASTIFY_CODES[fastifyError.code]) ||
      (status === 429 ? 'rate_limited' : 'bad_request');
    return buildProblem(request, PROBLEM_STATUS[code] ?? status, code, fastifyError.message ?? titleOf(code));
  }
  request.log.error({ err: error }, 'unhandled error');
  return buildProblem(request, 500, 'internal_error', 'An unexpected error occurred.');
};

export const registerProblemHandlers = (app: FastifyInstance): void => {
  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error, request);
    if (isTesseraError(error) && typeof error.details.retryAfterSeconds === 'number') {
      reply.header('retry-after', String(error.details.retryAfterSeconds));
    }
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      buildProblem(request, 404, 'route_not_found', `No route ${request.method} ${instanceOf(request)}.`),
    ),
  );
};
