// Builds Central's Fastify app from its parts: HTTP infrastructure (request ids, problem+json, auth, rate
// limits, metrics, OpenAPI) and the modules' routes under /api/v1. No logic here; a new module adds its
// service construction and one register call below.

import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import { type Clock, TesseraError } from '@tessera/core';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { DatabaseHandle } from './db/database.js';
import { registerAuthentication } from './http/authenticate.js';
import { registerHealth } from './http/health.js';
import { registerMetrics } from './http/metrics.js';
import { registerOpenApi } from './http/openapi.js';
import { DEFAULT_PORTAL_DIR, registerPortal } from './http/portal.js';
import { registerProblemHandlers } from './http/problem.js';
import { registerRequestIdEcho, requestIdOf } from './http/request-id.js';
import { createAuthentication } from './modules/accounts/authentication.js';
import { registerAccountsRoutes } from './modules/accounts/routes.js';
import { type Random, systemRandom } from './modules/accounts/secrets.js';
import { createAccountsService } from './modules/accounts/service.js';
import { catalogView } from './modules/activation/catalog-view.js';
import { registerActivationRoutes } from './modules/activation/routes.js';
import { createActivationService } from './modules/activation/service.js';
import { registerAuditRoutes } from './modules/audit/routes.js';
import { createAuditLog } from './modules/audit/service.js';
import { createFirmKeyring } from './modules/catalog/keyring.js';
import { MASTER_KEY_BYTES, type MasterKeys } from './modules/catalog/master-key.js';
import { registerCatalogRoutes } from './modules/catalog/routes.js';
import { createCatalogService } from './modules/catalog/service.js';
import { createLedger } from './modules/containers/ledger.js';
import { registerContainerRoutes } from './modules/containers/routes.js';
import { createContainersService } from './modules/containers/service.js';
import { createEventSink } from './modules/events/service.js';
import { registerConnectorRoutes } from './modules/orders/connector.js';
import { registerOrdersRoutes } from './modules/orders/routes.js';
import { createOrdersService } from './modules/orders/service.js';
import { parseTicketCode } from './modules/orders/ticket-code.js';
import { registerReportsRoutes } from './modules/reports/routes.js';
import { createReportsService } from './modules/reports/service.js';
import { registerWebhooksRoutes } from './modules/webhooks/routes.js';
import { createWebhooksService } from './modules/webhooks/service.js';

export type AppConfig = Pick<
  Config,
  | 'publicUrl'
  | 'session'
  | 'trustProxy'
  | 'metricsToken'
  | 'loginRateLimitPerMinute'
  | 'gatewayRateLimitPerMinute'
  | 'ticketRateLimitPerMinute'
>;

export interface AppOptions {
  config: AppConfig;
  database: DatabaseHandle;
  clock: Clock;
  /** A pino logger; omitted = no logging (tests). */
  logger?: Logger;
  random?: Random;
  /** The master keys sealing secrets in the database; omitted = a random key for this app only (tests). */
  masterKeys?: MasterKeys;
  /** The built portal served at `/`; null = the "portal not built" page. Default: packages/portal/dist. */
  portalDir?: string | null;
}

export const buildApp = async ({
  config,
  database,
  clock,
  logger,
  random = systemRandom,
  masterKeys = { current: new Uint8Array(random.bytes(MASTER_KEY_BYTES)), previous: [] },
  portalDir = DEFAULT_PORTAL_DIR,
}: AppOptions): Promise<FastifyInstance> => {
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    // A hop count is given to Fastify as a function: its types do not list numbers.
    trustProxy:
      typeof config.trustProxy === 'number'
        ? (
            (hops: number) => (_address: string, hop: number) =>
              hop < hops
          )(config.trustProxy)
        : config.trustProxy,
    genReqId: requestIdOf,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    bodyLimit: 1024 * 1024,
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  registerProblemHandlers(app);
  registerRequestIdEcho(app);
  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new TesseraError('rate_limited', `Too many requests; retry in ${context.after}.`),
  });
  await registerOpenApi(app, config.publicUrl);
  registerMetrics(app, {
    token: config.metricsToken,
    poolStats: database.poolStats,
    dialect: database.dialect,
  });
  registerHealth(app, database.ping);

  const { db } = database;
  const audit = createAuditLog(clock);
  const accounts = createAccountsService({ db, clock, random, audit, publicUrl: config.publicUrl });
  const authentication = createAuthentication({ db, clock, random, audit, session: config.session });
  registerAuthentication(app, authentication);
  const events = createEventSink(clock);
  const ledger = createLedger({
    clock,
    audit,
    events,
    keys: createFirmKeyring(masterKeys),
  });
  const activation = createActivationService({
    db,
    clock,
    audit,
    events,
    ledger,
    catalog: catalogView,
    parseTicketCode: (input) => parseTicketCode(input, 'ticket'),
  });
  const containers = createContainersService({ db, clock, audit, ledger, catalog: catalogView, activation });
  const catalog = createCatalogService({ clock, audit, masterKeys });
  const orders = createOrdersService({ clock, random, audit, events });

  await app.register(
    async (v1) => {
      registerAccountsRoutes(v1, {
        db,
        clock,
        accounts,
        authentication,
        loginRateLimitPerMinute: config.loginRateLimitPerMinute,
      });
      registerAuditRoutes(v1, { db, audit });
      registerActivationRoutes(v1, {
        activation,
        gatewayRateLimitPerMinute: config.gatewayRateLimitPerMinute,
        ticketRateLimitPerMinute: config.ticketRateLimitPerMinute,
      });
      registerContainerRoutes(v1, { containers });
      registerCatalogRoutes(v1, { db, catalog });
      registerOrdersRoutes(v1, { db, clock, orders });
      registerConnectorRoutes(v1, { db, clock, orders, authentication });
      registerReportsRoutes(v1, { db, clock, reports: createReportsService({ clock }) });
      registerWebhooksRoutes(v1, {
        db,
        webhooks: createWebhooksService({ clock, random, audit, masterKeys }),
      });
    },
    { prefix: '/api/v1' },
  );
  await registerPortal(app, { dir: portalDir });
  return app;
};
