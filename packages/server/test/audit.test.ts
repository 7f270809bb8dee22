// The audit log: written in the same transaction as the change, readable by admins with filters and cursors.

import { describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../src/db/test-helper.js';
import { batchedInserts, inTransaction, newId } from '../src/db/transaction.js';
import { type Principal, SCOPES } from '../src/modules/accounts/policy.js';
import { principalMemberships } from '../src/modules/accounts/repository.js';
import { systemRandom } from '../src/modules/accounts/secrets.js';
import { createAccountsService } from '../src/modules/accounts/service.js';
import { SYSTEM_ACTOR } from '../src/modules/audit/service.js';
import { anonymous, useTestApp } from '../src/testing/test-app.js';

describeEachDatabase('audit log', (ctx) => {
  const t = useTestApp(ctx);
  const count = async (table: 'audit_events' | 'groups', column: 'subject_id' | 'name', value: string) =>
    (await ctx.database.db.selectFrom(table).select('id').where(column, '=', value).execute()).length;

  describe('same transaction as the change', () => {
    it('leaves neither the change nor its entry when the transaction fails after the service ran', async () => {
      const accounts = createAccountsService({
        db: ctx.database.db,
        clock: t.clock,
        random: systemRandom,
        audit: t.audit,
        publicUrl: 'http://central.test',
      });
      const principal: Principal = {
        user: t.isvAdmin.user,
        via: 'session',
        scopes: SCOPES,
        memberships: await principalMemberships(ctx.database.db, t.isvAdmin.user.id),
      };
      let createdId = '';
      await expect(
        inTransaction(ctx.database.db, async (trx) => {
          const group = await accounts.createGroup(
            trx,
            { principal, requestId: 'r1' },
            {
              parentId: t.root.id,
              name: 'Doomed',
              kind: 'customer',
            },
          );
          createdId = group.id;
          // Inside the transaction the change exists; its audit entry is queued in the same transaction and
          // inserted with the transaction's other entries just before it commits.
          expect(
            await trx.selectFrom('groups').select('id').where('id', '=', group.id).execute(),
          ).toHaveLength(1);
          throw new Error('crash after the change');
        }),
      ).rejects.toThrow('crash after the change');
      expect(createdId).not.toBe('');
      expect(await count('groups', 'name', 'Doomed')).toBe(0);
      expect(await count('audit_events', 'subject_id', createdId)).toBe(0);
    });

    it('writes no entry for a refused change', async () => {
      const parent = await t.aGroup({ kind: 'reseller' });
      await t.aGroup({ parent, name: 'Taken' });
      const before = (
        await t.call(t.isvAdmin, 'GET', '/api/v1/audit-events?action=group.created&limit=100')
      ).json();
      const res = await t.call(t.isvAdmin, 'POST', '/api/v1/groups', { parentId: parent.id, name: 'Taken' });
      expect(res.statusCode).toBe(409);
      const after = (
        await t.call(t.isvAdmin, 'GET', '/api/v1/audit-events?action=group.created&limit=100')
      ).json();
      expect(after.items).toEqual(before.items);
    });
  });

  describe('GET /api/v1/audit-events', () => {
    it('shows the actor, token and request id of each change', async () => {
      const admin = await t.anAdminOf(await t.aGroup({ kind: 'reseller' }));
      const token = await t.tokenFor(admin.user, ['admin']);
      const [membership] = (await t.call(admin, 'GET', '/api/v1/me')).json().memberships;
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/groups',
        headers: { ...token.headers, 'x-request-id': 'trace-42' },
        payload: { parentId: membership.groupId, name: 'Audited' },
      });
      const group = res.json();
      const events = (
        await t.call(t.isvAdmin, 'GET', `/api/v1/audit-events?subjectType=group&subjectId=${group.id}`)
      ).json();
      expect(events.items).toEqual([
        {
          id: expect.any(String),
          at: t.clock.now().toISOString(),
          actorUserId: admin.user.id,
          actorTokenId: token.tokenId,
          action: 'group.created',
          subjectType: 'group',
          subjectId: group.id,
          data: { name: 'Audited', kind: 'customer', parentId: membership.groupId },
          requestId: 'trace-42',
        },
      ]);
    });

    it('filters by actor, action and time range, newest first, across pages', async () => {
      const admin = await t.anAdminOf(await t.aGroup({ kind: 'reseller' }));
      const [{ groupId }] = (await t.call(admin, 'GET', '/api/v1/me')).json().memberships;
      const from = t.clock.now().toISOString();
      const names = ['One', 'Two', 'Three'];
      for (const name of names) {
        t.clock.advance(1000);
        await t.call(admin, 'POST', '/api/v1/groups', { parentId: groupId, name });
      }
      const to = t.clock.now().toISOString();
      const base = `/api/v1/audit-events?actor=${admin.user.id}&action=group.created&from=${from}`;
      const seen: string[] = [];
      let url = `${base}&limit=2`;
      for (;;) {
        const page = (await t.call(t.isvAdmin, 'GET', url)).json();
        seen.push(...page.items.map((e: { data: { name: string } }) => e.data.name));
        if (!page.nextCursor) break;
        url = `${base}&limit=2&cursor=${page.nextCursor}`;
      }
      expect(seen).toEqual(['Three', 'Two', 'One']);
      const early = (await t.call(t.isvAdmin, 'GET', `${base}&to=${to}`)).json();
      expect(early.items.map((e: { data: { name: string } }) => e.data.name)).toEqual(['Two', 'One']);
    });

    it('shows a group admin only the events of its subtree', async () => {
      const reseller = await t.aGroup({ kind: 'reseller' });
      const resellerAdmin = await t.anAdminOf(reseller);
      const otherAdmin = await t.anAdminOf(await t.aGroup({ kind: 'reseller' }));
      const created = (
        await t.call(resellerAdmin, 'POST', '/api/v1/groups', { parentId: reseller.id, name: 'Mine' })
      ).json();
      const own = (await t.call(resellerAdmin, 'GET', `/api/v1/audit-events?subjectId=${created.id}`)).json();
      expect(own.items).toHaveLength(1);
      const foreign = (
        await t.call(otherAdmin, 'GET', `/api/v1/audit-events?subjectId=${created.id}`)
      ).json();
      expect(foreign.items).toEqual([]);
      const everything = (
        await t.call(otherAdmin, 'GET', '/api/v1/audit-events?action=system.bootstrapped')
      ).json();
      expect(everything.items).toEqual([]);
      expect(
        (await t.call(t.isvAdmin, 'GET', '/api/v1/audit-events?action=system.bootstrapped')).json().items,
      ).toHaveLength(1);
    });

    it('refuses a malformed time (400), a member (403), a token without admin scope (403), anonymity (401)', async () => {
      const group = await t.aGroup();
      const bad = await t.call(t.isvAdmin, 'GET', '/api/v1/audit-events?from=yesterday');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().field).toBe('from');
      expect((await t.call(await t.aMemberOf(group), 'GET', '/api/v1/audit-events')).statusCode).toBe(403);
      const reader = await t.tokenFor(t.isvAdmin.user, ['read', 'write']);
      expect((await t.call(reader, 'GET', '/api/v1/audit-events')).json().code).toBe('insufficient_scope');
      expect((await t.call(anonymous, 'GET', '/api/v1/audit-events')).statusCode).toBe(401);
    });
  });
});

describeEachDatabase('batched audit entries', (ctx) => {
  const t = useTestApp(ctx);

  it('inserts every entry of a transaction just before it commits', async () => {
    const ids = Array.from({ length: 3 }, () => newId());
    await inTransaction(ctx.database.db, async (trx) => {
      for (const id of ids) {
        await t.audit.record(trx, {
          actor: SYSTEM_ACTOR,
          action: 'test.batched',
          subject: { type: 'test', id },
        });
      }
    });
    const stored = await ctx.database.db
      .selectFrom('audit_events')
      .select('subject_id')
      .where('action', '=', 'test.batched')
      .execute();
    expect(stored.map((r) => r.subject_id).sort()).toEqual([...ids].sort());
  });

  it('rolls the whole transaction back when the batched insert fails at commit time', async () => {
    const failing = batchedInserts<string>(async () => {
      throw new Error('batched insert failed');
    });
    const name = `Rolled back ${newId()}`;
    await expect(
      inTransaction(ctx.database.db, async (trx) => {
        await t.audit.record(trx, {
          actor: SYSTEM_ACTOR,
          action: 'test.rolled_back',
          subject: { type: 'test', id: name },
        });
        await trx
          .insertInto('groups')
          .values({
            id: newId(),
            parent_id: t.root.id,
            path: `${t.root.path}${newId()}/`,
            name,
            kind: 'customer',
            external_id: null,
            created_at: t.clock.now().toISOString(),
            updated_at: t.clock.now().toISOString(),
          })
          .execute();
        await failing(trx, 'row');
      }),
    ).rejects.toThrow('batched insert failed');
    expect(
      await ctx.database.db.selectFrom('groups').select('id').where('name', '=', name).execute(),
    ).toEqual([]);
    expect(
      await ctx.database.db.selectFrom('audit_events').select('id').where('subject_id', '=', name).execute(),
    ).toEqual([]);
  });
});
