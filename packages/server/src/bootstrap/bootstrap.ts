// First start on an empty database: the vendor's root group, its first admin (the ISV admin), optionally a
// bootstrap API token with a secret chosen by the operator, and demo data — all in one transaction, so a
// crash leaves either everything or nothing. Later starts find the root group and change nothing.

import type { Clock } from '@tessera/core';
import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';
import { inTransaction, isoTime, isUniqueViolation, newId } from '../db/transaction.js';
import { hashPassword } from '../modules/accounts/passwords.js';
import type { Group, User } from '../modules/accounts/repository.js';
import * as accounts from '../modules/accounts/repository.js';
import { generatePassword, type Random } from '../modules/accounts/secrets.js';
import { issueApiToken } from '../modules/accounts/service.js';
import { type AuditLog, SYSTEM_ACTOR } from '../modules/audit/service.js';
import type { MasterKeys } from '../modules/catalog/master-key.js';
import { type DemoSummary, prepareDemoPeople, seedDemoData } from './demo.js';

export type BootstrapConfig = Pick<Config, 'admin' | 'bootstrapToken' | 'demo' | 'vendorName'>;

export type BootstrapResult =
  | {
      created: true;
      rootGroup: Group;
      admin: User;
      /** The admin's password when Central generated it (print it once); null when the operator chose it. */
      generatedPassword: string | null;
      bootstrapTokenCreated: boolean;
      demo: DemoSummary | null;
    }
  | { created: false; rootGroup: Group; adminEmails: string[] };

export const bootstrap = async (
  db: Kysely<Database>,
  deps: { config: BootstrapConfig; clock: Clock; random: Random; audit: AuditLog; masterKeys: MasterKeys },
): Promise<BootstrapResult> => {
  const existing = await existingInstallation(db);
  if (existing) return existing;

  const { config, clock, random, audit } = deps;
  const generatedPassword = config.admin.password === null ? generatePassword(random) : null;
  const passwordHash = await hashPassword(config.admin.password ?? generatedPassword ?? '', random);
  const people = config.demo ? await prepareDemoPeople(random) : null;

  try {
    return await inTransaction(db, async (trx) => {
      const at = isoTime(clock.now());
      const rootId = newId();
      const rootGroup: Group = {
        id: rootId,
        parentId: null,
        path: `/${rootId}/`,
        name: config.vendorName,
        kind: 'vendor',
        createdAt: at,
        updatedAt: at,
      };
      await accounts.insertGroup(trx, rootGroup);
      const admin: User = {
        id: newId(),
        email: config.admin.email,
        name: 'ISV admin',
        status: 'active',
        createdAt: at,
        updatedAt: at,
      };
      await accounts.insertUser(trx, admin, passwordHash);
      await accounts.insertMembership(trx, {
        id: newId(),
        userId: admin.id,
        groupId: rootId,
        role: 'admin',
        createdAt: at,
        updatedAt: at,
      });
      await audit.record(trx, {
        actor: SYSTEM_ACTOR,
        action: 'system.bootstrapped',
        subject: { type: 'group', id: rootId },
        groupPath: rootGroup.path,
        data: { adminEmail: admin.email, adminUserId: admin.id, demo: config.demo },
      });
      if (config.bootstrapToken !== null) {
        await issueApiToken(
          trx,
          { audit, clock, random },
          {
            userId: admin.id,
            name: 'bootstrap (TESSERA_BOOTSTRAP_TOKEN)',
            // Not `connector`: a connector token is good for the connector only (docs/orders.md).
            scopes: ['read', 'write', 'admin'],
            expiresAt: null,
            actor: SYSTEM_ACTOR,
            secret: config.bootstrapToken,
          },
        );
      }
      const demo = people
        ? await seedDemoData(trx, {
            clock,
            audit,
            rootGroup,
            isvAdmin: admin,
            people,
            random,
            masterKeys: deps.masterKeys,
          })
        : null;
      return {
        created: true as const,
        rootGroup,
        admin,
        generatedPassword,
        bootstrapTokenCreated: config.bootstrapToken !== null,
        demo,
      };
    });
  } catch (error) {
    // Another instance bootstrapped the same empty database a moment earlier: use its result.
    if (isUniqueViolation(error)) {
      const winner = await existingInstallation(db);
      if (winner) return winner;
    }
    throw error;
  }
};

const existingInstallation = async (db: Kysely<Database>): Promise<BootstrapResult | undefined> => {
  const rootGroup = await accounts.findRootGroup(db);
  if (!rootGroup) return undefined;
  const admins = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select('users.email')
    .where('memberships.group_id', '=', rootGroup.id)
    .where('memberships.role', '=', 'admin')
    .where('users.status', '=', 'active')
    .orderBy('users.email')
    .execute();
  return { created: false, rootGroup, adminEmails: admins.map((a) => a.email) };
};
