// Request ids: an incoming `x-request-id` is honoured when it looks like an id (so a trace spans the load
// balancer and Central), otherwise a fresh UUIDv7 is used. The id is echoed in the response header, stamped
// on every log line of the request and written into audit entries.

import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { uuidv7 } from 'uuidv7';

export const REQUEST_ID_HEADER = 'x-request-id';
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

export const requestIdOf = (request: IncomingMessage): string => {
  const incoming = request.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && ACCEPTABLE.test(incoming) ? incoming : uuidv7();
};

export const registerRequestIdEcho = (app: FastifyInstance): void => {
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
};
