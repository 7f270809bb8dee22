// What Central's request log writes about a request. The generic connector accepts its API token as an
// `access_token` URL parameter (for shop systems that cannot send headers); URLs end up in logs, so the value
// is replaced before the line is written. Used as the pino `req` serializer, which Fastify adopts.

import type { FastifyRequest } from 'fastify';

const SECRET_PARAMETERS = /([?&](?:access_token|token)=)[^&#]*/gi;

/** The URL with secret query parameters blanked out. */
export const redactUrl = (url: string): string => url.replace(SECRET_PARAMETERS, '$1[REDACTED]');

export const requestLogSerializers = {
  req: (request: FastifyRequest) => ({
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  }),
};
