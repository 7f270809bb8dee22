// HTTP routes of the activation gateway (/gateway/…: what the runtime and the portal call, authenticated by
// the container's signature and the ticket) and of the lifecycle corrections (reactivate, withdraw, replace).
// Gateway calls are rate-limited per client address and per ticket.

import { TesseraError } from '@tessera/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { StepChannel } from '../../db/schema-licensing.js';
import { callerOf, requireAuth } from '../../http/authenticate.js';
import { problemResponses } from '../../http/openapi.js';
import { toProblem } from '../../http/problem.js';
import * as s from './schemas.js';
import type { ActivationService, GatewayCaller, GatewayResult } from './service.js';

export interface ActivationRoutesDeps {
  activation: ActivationService;
  /** requests per minute per client address on the gateway */
  gatewayRateLimitPerMinute: number;
  /** requests per minute per ticket code */
  ticketRateLimitPerMinute: number;
}

/** A fixed-window counter per key, held in this process (each Central instance limits on its own). */
const windowLimiter = (max: number, windowMs: number) => {
  const windows = new Map<string, { start: number; count: number }>();
  return (key: string, nowMs: number): number | null => {
    const current = windows.get(key);
    if (!current || nowMs - current.start >= windowMs) {
      if (windows.size > 100_000) windows.clear();
      windows.set(key, { start: nowMs, count: 1 });
      return null;
    }
    current.count += 1;
    return current.count > max ? Math.ceil((current.start + windowMs - nowMs) / 1000) : null;
  };
};

const present = (result: GatewayResult) => ({ ...result, update: result.updates[0]?.update ?? null });

export const registerActivationRoutes = (app: FastifyInstance, deps: ActivationRoutesDeps): void => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { activation } = deps;
  const perTicket = windowLimiter(deps.ticketRateLimitPerMinute, 60_000);
  const perAddress = windowLimiter(deps.gatewayRateLimitPerMinute, 60_000);
  /** One budget per client address shared by every gateway route, checked before the body is even parsed. */
  const limitAddress = async (request: FastifyRequest) => {
    const retryAfterSeconds = perAddress(request.ip, Date.now());
    if (retryAfterSeconds !== null) {
      throw new TesseraError(
        'rate_limited',
        `Too many requests from this address; retry in ${retryAfterSeconds} s.`,
        { retryAfterSeconds },
      );
    }
  };

  /**
   * Gateway calls need no account: the container's signature and the ticket code authenticate them. A caller
   * who does send credentials is held to them (a session must carry its CSRF token, a token needs `write`,
   * and tickets it cannot see do not exist for it).
   */
  const who = async (request: FastifyRequest, channel: StepChannel): Promise<GatewayCaller> => {
    if (request.principal || request.authProblem) await requireAuth('write')(request, {} as FastifyReply);
    return { caller: request.principal ? callerOf(request) : null, requestId: String(request.id), channel };
  };

  const limitTicket = (ticket: string) => {
    const retryAfterSeconds = perTicket(ticket.replace(/[\s-]/g, '').toUpperCase(), Date.now());
    if (retryAfterSeconds !== null) {
      throw new TesseraError(
        'rate_limited',
        `Too many requests for this ticket; retry in ${retryAfterSeconds} s.`,
        { retryAfterSeconds },
      );
    }
  };

  /** A blacklisted container's refusal carries the update that locks it, so the runtime can apply it. */
  const refusalWithUpdates = (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof TesseraError && error.code === 'container_blacklisted') {
      const problem = toProblem(error, request);
      return reply
        .code(problem.status)
        .type('application/problem+json')
        .send({ ...problem, updates: error.details.updates ?? [] });
    }
    throw error;
  };

  const gateway = { tags: ['gateway'], security: [] };
  /** Gateway answers: the result, the problems, and a 409 that may still carry a lock update. */
  const answers = (...problems: number[]) => ({
    200: s.gatewayResponse,
    ...problemResponses(...problems),
    409: s.refusalWithUpdatesSchema,
  });
  /** Runs a gateway call for a ticket: per-ticket limit first, and a blacklisted container's lock delivered. */
  const forTicket = async (
    request: FastifyRequest,
    reply: FastifyReply,
    ticket: string,
    call: () => Promise<GatewayResult>,
  ) => {
    limitTicket(ticket);
    try {
      return present(await call());
    } catch (error) {
      return refusalWithUpdates(error, request, reply);
    }
  };

  api.post(
    '/gateway/activate',
    {
      onRequest: limitAddress,
      schema: {
        ...gateway,
        summary: 'Activate a ticket’s licenses into the container of a context → update',
        body: s.activateBody,
        response: answers(400, 403, 404, 429),
      },
    },
    async (request, reply) => {
      const { channel, ...input } = request.body;
      return forTicket(request, reply, input.ticket, async () =>
        activation.activate(input, await who(request, channel)),
      );
    },
  );

  api.post(
    '/gateway/receipt',
    {
      onRequest: limitAddress,
      schema: {
        ...gateway,
        summary: 'Confirm what a container holds after an import (a receipt is a context)',
        body: s.receiptBody,
        response: answers(400, 403, 429),
      },
    },
    async (request) =>
      present(
        await activation.receipt({ receipt: request.body.receipt }, await who(request, request.body.channel)),
      ),
  );

  api.post(
    '/gateway/deactivate',
    {
      onRequest: limitAddress,
      schema: {
        ...gateway,
        summary: 'Return a ticket’s licenses from the container of a context → update that removes them',
        body: s.deactivateBody,
        response: answers(400, 403, 404, 429),
      },
    },
    async (request, reply) => {
      const { channel, ...input } = request.body;
      return forTicket(request, reply, input.ticket, async () =>
        activation.deactivate(input, await who(request, channel)),
      );
    },
  );

  api.post(
    '/gateway/updates',
    {
      onRequest: limitAddress,
      schema: {
        ...gateway,
        summary: 'Whatever is pending for the container of a context (auto update), or update: null',
        body: s.updatesBody,
        response: answers(400, 403, 429),
      },
    },
    async (request) =>
      present(
        await activation.pendingUpdates(
          { context: request.body.context },
          await who(request, request.body.channel),
        ),
      ),
  );

  api.post(
    '/tickets/:code/reactivate',
    {
      onRequest: limitAddress,
      schema: {
        tags: ['licenses'],
        security: [],
        summary: 'Re-issue a lost container’s licenses of this ticket into a new container (next generation)',
        params: s.ticketParams,
        body: s.reactivateBody,
        response: answers(400, 403, 404, 429),
      },
    },
    async (request, reply) => {
      const { channel, ...input } = request.body;
      return forTicket(request, reply, request.params.code, async () =>
        activation.reactivate(request.params.code, input, await who(request, channel)),
      );
    },
  );

  api.post(
    '/licenses/:id/withdraw',
    {
      onRequest: requireAuth('write'),
      schema: {
        tags: ['licenses'],
        summary: 'Take a license back (at once if never collected, else at the container’s next contact)',
        params: s.licenseParams,
        response: { 200: s.licenseViewSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => activation.withdraw(request.params.id, callerOf(request)),
  );

  api.post(
    '/licenses/:id/replace',
    {
      onRequest: requireAuth('write'),
      schema: {
        tags: ['licenses'],
        summary: 'Replace a license with new options or another product on the same ticket',
        params: s.licenseParams,
        body: s.replaceBody,
        response: { 200: s.replaceResponse, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => activation.replace(request.params.id, request.body, callerOf(request)),
  );
};
