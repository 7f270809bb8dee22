// `tessera agent`: a small local API on 127.0.0.1 that lets a portal page in the user's browser use the
// containers on this machine — write a context, import an update — without files (a web depot). Only pages
// from allow-listed origins are answered: a browser sends `Origin` on every cross-origin request, and any
// other site's page gets 403. It never listens on another interface.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isTesseraError, TesseraError } from '@tessera/core';
import type { LocalContainers } from '../local/containers.js';

export const AGENT_VERSION = 1;
export const DEFAULT_AGENT_PORT = 22350;
const MAX_BODY = 4 * 1024 * 1024;

export interface AgentOptions {
  containers: LocalContainers;
  /** exact origins (scheme://host[:port]) whose pages may use the agent */
  allowedOrigins: readonly string[];
  port?: number;
  home?: string;
}

const normalizeOrigin = (origin: string): string => {
  const url = new URL(origin);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`not an http(s) origin: ${origin}`);
  return url.origin;
};

export const parseAllowedOrigins = (origins: readonly string[]): string[] =>
  origins.map((origin) => {
    try {
      return normalizeOrigin(origin);
    } catch {
      throw new TesseraError(
        'usage_error',
        `--allow-origin must be an origin like https://portal.example.com (got ${origin})`,
      );
    }
  });

const STATUS: Record<string, number> = {
  container_not_found: 404,
  binding_mismatch: 409,
  container_corrupt: 409,
  store_busy: 503,
};

const readJson = async (request: IncomingMessage): Promise<Record<string, unknown>> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new TesseraError('payload_too_large', 'the request body is larger than 4 MiB');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new TesseraError('invalid_input', 'the request body must be a JSON object');
  }
};

const field = <T>(
  body: Record<string, unknown>,
  name: string,
  check: (v: unknown) => v is T,
  required: boolean,
): T | undefined => {
  const value = body[name];
  if (value === undefined && !required) return undefined;
  if (!check(value))
    throw new TesseraError('invalid_input', `${name} is missing or has the wrong type`, { field: name });
  return value;
};
const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isFirmCodes = (v: unknown): v is number[] =>
  Array.isArray(v) && v.every((n) => Number.isInteger(n) && n > 0);

export const startAgent = async (
  options: AgentOptions,
): Promise<{ server: Server; url: string; close(): Promise<void> }> => {
  const allowed = new Set(options.allowedOrigins.map(normalizeOrigin));
  const { containers } = options;

  const routes: Record<string, (body: Record<string, unknown>) => Promise<unknown>> = {
    'GET /v1/status': async () => ({
      version: AGENT_VERSION,
      home: options.home ?? null,
      containers: (await containers.list()).length,
    }),
    'GET /v1/containers': async () => containers.list(),
    'POST /v1/containers': async (body) => {
      const type = body.type ?? 'machine';
      if (type !== 'machine' && type !== 'portable')
        throw new TesseraError('invalid_input', 'type must be machine or portable', { field: 'type' });
      const created = await containers.create(type);
      return { serial: created.serial, type: created.type };
    },
    'POST /v1/context': async (body) => {
      const serial = field(body, 'serial', isString, true) as string;
      const firmCodes = field(body, 'firmCodes', isFirmCodes, false);
      const receiptFor = field(body, 'receiptFor', isString, false);
      const { text, nonce } = await containers.context(serial, {
        ...(firmCodes ? { firmCodes } : {}),
        ...(receiptFor ? { receiptFor } : {}),
      });
      return { serial, nonce, context: text };
    },
    'POST /v1/import': async (body) => {
      const update = field(body, 'update', isString, true) as string;
      const serial = field(body, 'serial', isString, false);
      const expectedNonce = field(body, 'expectedNonce', isString, false);
      return containers.importUpdate(update, {
        ...(serial ? { serial } : {}),
        ...(expectedNonce ? { expectedNonce } : {}),
      });
    },
  };

  const send = (response: ServerResponse, status: number, body: unknown, origin: string | null) => {
    response.writeHead(status, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      ...(origin ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {}),
    });
    response.end(JSON.stringify(body));
  };

  const server = createServer(async (request, response) => {
    const origin = typeof request.headers.origin === 'string' ? request.headers.origin : null;
    // Browsers always send Origin on cross-origin requests; a page from anywhere else gets nothing.
    if (origin === null || !allowed.has(origin)) {
      send(
        response,
        403,
        {
          error: {
            code: 'origin_not_allowed',
            message: `this agent answers only ${[...allowed].join(', ') || 'no origin'}; start it with --allow-origin ${origin ?? '<portal origin>'}`,
          },
        },
        null,
      );
      return;
    }
    if (request.method === 'OPTIONS') {
      response.writeHead(204, {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': 'content-type',
        'access-control-max-age': '600',
        // Chrome's Private Network Access: a public page may reach this loopback agent only if it says so.
        'access-control-allow-private-network': 'true',
        vary: 'Origin',
      });
      response.end();
      return;
    }
    const route = routes[`${request.method} ${(request.url ?? '').split('?')[0]}`];
    if (!route) {
      send(
        response,
        404,
        { error: { code: 'not_found', message: `no route ${request.method} ${request.url}` } },
        origin,
      );
      return;
    }
    try {
      const body = request.method === 'POST' ? await readJson(request) : {};
      send(response, 200, await route(body), origin);
    } catch (error) {
      if (isTesseraError(error)) {
        send(
          response,
          STATUS[error.code] ?? (error.code === 'payload_too_large' ? 413 : 400),
          { error: { code: error.code, message: error.message } },
          origin,
        );
      } else {
        send(
          response,
          500,
          { error: { code: 'internal_error', message: 'the agent failed unexpectedly' } },
          origin,
        );
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_AGENT_PORT, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
