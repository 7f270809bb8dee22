// Liveness and readiness for load balancers and orchestrators. /healthz says the process answers;
// /readyz also proves the database answers (503 problem when it does not), so traffic is only routed to an
// instance that can serve it.

import { TesseraError } from '@tessera/core';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problemSchema } from './problem.js';

const statusSchema = z.object({ status: z.literal('ok') });

export const registerHealth = (app: FastifyInstance, ping: () => Promise<void>): void => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/healthz',
    { schema: { tags: ['operations'], summary: 'The process is up', response: { 200: statusSchema } } },
    async () => ({ status: 'ok' as const }),
  );
  api.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'The process is up and its database answers',
        response: { 200: statusSchema, 503: problemSchema },
      },
    },
    async (request) => {
      try {
        await ping();
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check: database unreachable');
        throw new TesseraError('not_ready', 'The database is not reachable.');
      }
      return { status: 'ok' as const };
    },
  );
};
