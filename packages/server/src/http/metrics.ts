// Prometheus metrics at GET /metrics: requests and latency by route, database pool gauges and the process
// defaults. Each app has its own registry (tests build many apps in one process). Access: with
// TESSERA_METRICS_TOKEN set, a matching bearer token is required; without it only loopback clients may read.

import { timingSafeEqual } from 'node:crypto';
import { TesseraError } from '@tessera/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolStats } from '../db/database.js';

export interface MetricsOptions {
  token: string | null;
  poolStats: () => PoolStats;
  dialect: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

const mayRead = (request: FastifyRequest, token: string | null): boolean => {
  if (token === null) return LOOPBACK.test(request.socket.remoteAddress ?? '');
  const sent = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
  const a = Buffer.from(sent);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
};

export const registerMetrics = (app: FastifyInstance, options: MetricsOptions): Registry => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to sending its response, by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const pool = (name: string, help: string, pick: (stats: PoolStats) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['dialect'] as const,
      registers: [registry],
      collect() {
        this.set({ dialect: options.dialect }, pick(options.poolStats()));
      },
    });
  pool('db_pool_connections', 'Database connections open.', (s) => s.total);
  pool('db_pool_idle_connections', 'Database connections idle.', (s) => s.idle);
  pool('db_pool_waiting_requests', 'Queries waiting for a database connection.', (s) => s.waiting);

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: ids in paths would make one series per object.
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!mayRead(request, options.token)) {
      throw new TesseraError(
        'forbidden',
        options.token === null
          ? 'Metrics are served to loopback clients only; set TESSERA_METRICS_TOKEN to read them remotely.'
          : 'Send the metrics token as Authorization: Bearer <TESSERA_METRICS_TOKEN>.',
      );
    }
    reply.type(registry.contentType);
    return registry.metrics();
  });
  return registry;
};
