// The app builder for HTTP tests, shared by every module: useTestApp(ctx) builds Central on the suite's
// database once (bootstrapped, no demo data, a controllable clock) and offers fixture builders — groups,
// users, sessions, API tokens — plus `call(actor, method, url, body)` on top of app.inject. Fixtures are
// written through the repositories for speed; the behaviour under test always goes through HTTP.

import { fixedClock } from '@tessera/core';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { buildApp } from '../app.js';
import { bootstrap } from '../bootstrap/bootstrap.js';
import type { Role } from '../db/schema.js';
import type { DatabaseContext } from '../db/test-helper.js';
import { inTransaction, isoTime, newId } from '../db/transaction.js';
import { SESSION_COOKIE } from '../http/authenticate.js';
import { hashPassword } from '../modules/accounts/passwords.js';
import { SCOPES, type Scope } from '../modules/accounts/policy.js';
import type { Group, User } from '../modules/accounts/repository.js';
import * as accounts from '../modules/accounts/repository.js';
import { csrfTokenFor, newOpaqueSecret, sha256Hex, systemRandom } from '../modules/accounts/secrets.js';
import { issueApiToken } from '../modules/accounts/service.js';
import { type AuditLog, createAuditLog, SYSTEM_ACTOR } from '../modules/audit/service.js';
import { MASTER_KEY_BYTES, type MasterKeys } from '../modules/catalog/master-key.js';

/** The password of every fixture user (hashed once per process: real scrypt, paid once). */
export const FIXTURE_PASSWORD = 'correct horse battery staple';
let fixtureHash: Promise<string> | undefined;
const fixturePasswordHash = () => {
  fixtureHash ??= hashPassword(FIXTURE_PASSWORD, systemRandom);
  return fixtureHash;
};

/** Who makes a request: headers that authenticate it (none for anonymous). */
export interface Actor {
  headers: Record<string, string>;
  user?: User;
  /** Same actor, but a cookie session that does not send its CSRF token. */
  withoutCsrf?: () => Actor;
}

export const anonymous: Actor = { headers: {} };

export interface TestUser {
  user: User;
  email: string;
  password: string;
}

let counter = 0;
/** A unique, readable e-mail address. */
export const uniqueEmail = (hint = 'user'): string =>
  `${hint}.${Date.now().toString(36)}${(counter++).toString(36)}@example.test`;
export const uniqueName = (hint = 'Group'): string => `${hint} ${newId().slice(-12)}`;

export type Json = Record<string, unknown> & {
  items?: Record<string, unknown>[];
};

export interface TestApp {
  app: FastifyInstance;
  clock: ReturnType<typeof fixedClock>;
  audit: AuditLog;
  /** The master keys of this app: a fixed random key per suite. */
  masterKeys: MasterKeys;
  root: Group;
  /** The bootstrapped ISV admin, logged in with a cookie session. */
  isvAdmin: Actor & { user: User };
  aGroup(options?: { parent?: Group; name?: string; kind?: 'reseller' | 'customer' }): Promise<Group>;
  aUser(options?: { group?: Group; role?: Role; email?: string; name?: string }): Promise<TestUser>;
  /** A cookie session (with its CSRF token) for a user, made without a password round trip. */
  sessionFor(user: User): Promise<Actor & { user: User }>;
  /** A bearer API token of a user. */
  tokenFor(user: User, scopes?: Scope[]): Promise<Actor & { user: User; tokenId: string; secret: string }>;
  /** A new user in a group, logged in. */
  anAdminOf(group: Group): Promise<Actor & { user: User }>;
  aMemberOf(group: Group): Promise<Actor & { user: User }>;
  call(actor: Actor, method: string, url: string, body?: unknown): Promise<LightMyRequestResponse>;
}

export const TEST_START = '2026-03-01T09:00:00.000Z';

export const useTestApp = (
  ctx: DatabaseContext,
  options: {
    loginRateLimitPerMinute?: number;
    gatewayRateLimitPerMinute?: number;
    ticketRateLimitPerMinute?: number;
  } = {},
): TestApp => {
  const clock = fixedClock(TEST_START);
  const audit = createAuditLog(clock);
  const masterKeys: MasterKeys = {
    current: new Uint8Array(systemRandom.bytes(MASTER_KEY_BYTES)),
    previous: [],
  };
  const state: Partial<Pick<TestApp, 'app' | 'root' | 'isvAdmin'>> = {};
  const db = () => ctx.database.db;

  const sessionFor = async (user: User) => {
    const secret = newOpaqueSecret(systemRandom);
    const now = clock.now().getTime();
    await accounts.insertSession(db(), {
      id: newId(),
      userId: user.id,
      secretHash: sha256Hex(secret),
      createdAt: isoTime(new Date(now)),
      lastSeenAt: isoTime(new Date(now)),
      idleExpiresAt: isoTime(new Date(now + 12 * 3600_000)),
      expiresAt: isoTime(new Date(now + 7 * 24 * 3600_000)),
      clientAddress: '127.0.0.1',
      userAgent: 'test',
    });
    const cookie = `${SESSION_COOKIE}=${secret}`;
    return {
      user,
      headers: { cookie, 'x-csrf-token': csrfTokenFor(secret) },
      withoutCsrf: () => ({ user, headers: { cookie } }),
    };
  };

  const aUser: TestApp['aUser'] = async (opts = {}) => {
    const at = isoTime(clock.now());
    const email = opts.email ?? uniqueEmail();
    const user: User = {
      id: newId(),
      email,
      name: opts.name ?? email.split('@')[0] ?? email,
      status: 'active',
      createdAt: at,
      updatedAt: at,
    };
    await accounts.insertUser(db(), user, await fixturePasswordHash());
    if (opts.group) {
      await accounts.insertMembership(db(), {
        id: newId(),
        userId: user.id,
        groupId: opts.group.id,
        role: opts.role ?? 'member',
        createdAt: at,
        updatedAt: at,
      });
    }
    return { user, email, password: FIXTURE_PASSWORD };
  };

  const testApp: TestApp = {
    get app() {
      if (!state.app) throw new Error('useTestApp: the app is built in beforeAll');
      return state.app;
    },
    get root() {
      if (!state.root) throw new Error('useTestApp: not bootstrapped yet');
      return state.root;
    },
    get isvAdmin() {
      if (!state.isvAdmin) throw new Error('useTestApp: not bootstrapped yet');
      return state.isvAdmin;
    },
    clock,
    audit,
    masterKeys,
    aGroup: async (opts = {}) => {
      const parent = opts.parent ?? testApp.root;
      const id = newId();
      const at = isoTime(clock.now());
      const group: Group = {
        id,
        parentId: parent.id,
        path: `${parent.path}${id}/`,
        name: opts.name ?? uniqueName(),
        kind: opts.kind ?? 'customer',
        createdAt: at,
        updatedAt: at,
      };
      await accounts.insertGroup(db(), group);
      return group;
    },
    aUser,
    sessionFor,
    tokenFor: async (user, scopes = [...SCOPES]) => {
      const { token, secret } = await inTransaction(db(), (trx) =>
        issueApiToken(
          trx,
          { audit, clock, random: systemRandom },
          {
            userId: user.id,
            name: 'test token',
            scopes,
            expiresAt: null,
            actor: SYSTEM_ACTOR,
          },
        ),
      );
      return { user, tokenId: token.id, secret, headers: { authorization: `Bearer ${secret}` } };
    },
    anAdminOf: async (group) => sessionFor((await aUser({ group, role: 'admin' })).user),
    aMemberOf: async (group) => sessionFor((await aUser({ group, role: 'member' })).user),
    call: (actor, method, url, body) =>
      testApp.app.inject({
        method: method as 'GET',
        url,
        headers: actor.headers,
        ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
      }),
  };

  beforeAll(async () => {
    const result = await bootstrap(db(), {
      config: {
        admin: { email: 'isv.admin@tessera.test', password: FIXTURE_PASSWORD },
        bootstrapToken: null,
        demo: false,
        vendorName: 'Test Vendor',
      },
      clock,
      random: systemRandom,
      audit,
      masterKeys,
    });
    state.root = result.rootGroup;
    const admin = await accounts.findUserCredentialsByEmail(db(), 'isv.admin@tessera.test');
    if (!admin) throw new Error('bootstrap created no ISV admin');
    const { passwordHash: _hash, ...adminUser } = admin;
    state.isvAdmin = await sessionFor(adminUser);
    state.app = await buildApp({
      config: {
        publicUrl: 'http://central.test',
        session: { idleSeconds: 12 * 3600, maxAgeSeconds: 7 * 24 * 3600 },
        trustProxy: false,
        metricsToken: null,
        loginRateLimitPerMinute: options.loginRateLimitPerMinute ?? 10_000,
        gatewayRateLimitPerMinute: options.gatewayRateLimitPerMinute ?? 1_000_000,
        ticketRateLimitPerMinute: options.ticketRateLimitPerMinute ?? 1_000_000,
      },
      database: ctx.database,
      clock,
      masterKeys,
    });
    await state.app.ready();
  });
  afterAll(async () => {
    await state.app?.close();
  });
  return testApp;
};

/** The name the foundation brief used for useTestApp. */
export const buildTestApp = useTestApp;
