// Groups over HTTP: the tree, who sees and manages which part of it, pagination, on both databases.

import { describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../src/db/test-helper.js';
import { groupVisibility } from '../src/modules/accounts/policy.js';
import { principalMemberships, visibleGroupIds } from '../src/modules/accounts/repository.js';
import { anonymous, useTestApp } from '../src/testing/test-app.js';

describeEachDatabase('groups', (ctx) => {
  const t = useTestApp(ctx);

  /** A reseller with one customer below it, an admin of each and a member of the customer. */
  const aResellerTree = async () => {
    const reseller = await t.aGroup({ kind: 'reseller' });
    const customer = await t.aGroup({ parent: reseller });
    return {
      reseller,
      customer,
      resellerAdmin: await t.anAdminOf(reseller),
      customerAdmin: await t.anAdminOf(customer),
      member: await t.aMemberOf(customer),
    };
  };

  const ids = (body: { items: { id: string }[] }) => body.items.map((item) => item.id);
  const listAll = async (actor: Parameters<typeof t.call>[0], url = '/api/v1/groups') => {
    const found: string[] = [];
    let cursor: string | null = null;
    do {
      const query = `${url.includes('?') ? '&' : '?'}limit=100${cursor ? `&cursor=${cursor}` : ''}`;
      const page: { items: { id: string }[]; nextCursor: string | null } = (
        await t.call(actor, 'GET', `${url}${query}`)
      ).json();
      found.push(...ids(page));
      cursor = page.nextCursor;
    } while (cursor);
    return found;
  };

  describe('GET /api/v1/groups', () => {
    it('lists the subtree an admin manages, only the own group for a member, everything for the ISV admin', async () => {
      const tree = await aResellerTree();
      const other = await t.aGroup();
      expect(await listAll(tree.resellerAdmin)).toEqual([tree.reseller.id, tree.customer.id]);
      expect(await listAll(tree.customerAdmin)).toEqual([tree.customer.id]);
      expect(await listAll(tree.member)).toEqual([tree.customer.id]);
      const all = await listAll(t.isvAdmin);
      expect(all).toEqual(expect.arrayContaining([t.root.id, tree.reseller.id, tree.customer.id, other.id]));
      expect(await listAll(t.isvAdmin, `/api/v1/groups?parentId=${tree.reseller.id}`)).toEqual([
        tree.customer.id,
      ]);
    });

    it('agrees with visibleGroupIds, the helper other modules filter by', async () => {
      const tree = await aResellerTree();
      const me = await t.call(tree.resellerAdmin, 'GET', '/api/v1/me');
      expect(me.statusCode).toBe(200);
      const principal = {
        user: tree.resellerAdmin.user,
        via: 'session' as const,
        scopes: [],
        memberships: await principalMemberships(ctx.database.db, tree.resellerAdmin.user.id),
      };
      expect(await visibleGroupIds(ctx.database.db, groupVisibility(principal))).toEqual(
        await listAll(tree.resellerAdmin),
      );
    });

    it('pages with an opaque cursor until nextCursor is null', async () => {
      const reseller = await t.aGroup({ kind: 'reseller' });
      const children = [];
      for (let i = 0; i < 5; i++) children.push((await t.aGroup({ parent: reseller })).id);
      const admin = await t.anAdminOf(reseller);
      const seen: string[] = [];
      let url = '/api/v1/groups?limit=2';
      for (;;) {
        const page = (await t.call(admin, 'GET', url)).json();
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...ids(page));
        if (!page.nextCursor) break;
        url = `/api/v1/groups?limit=2&cursor=${page.nextCursor}`;
      }
      expect(seen).toEqual([reseller.id, ...children]);
    });

    it('refuses a limit above 100 and a forged cursor, naming the field', async () => {
      const limit = await t.call(t.isvAdmin, 'GET', '/api/v1/groups?limit=101');
      expect(limit.statusCode).toBe(400);
      expect(limit.json().field).toBe('limit');
      const cursor = await t.call(t.isvAdmin, 'GET', '/api/v1/groups?cursor=not-a-cursor');
      expect(cursor.statusCode).toBe(400);
      expect(cursor.json()).toMatchObject({ code: 'validation_failed', field: 'cursor' });
    });

    it('refuses an anonymous caller', async () => {
      expect((await t.call(anonymous, 'GET', '/api/v1/groups')).statusCode).toBe(401);
    });
  });

  describe('POST /api/v1/groups', () => {
    it('lets a reseller admin create a customer group below its own, and records it in the audit log', async () => {
      const tree = await aResellerTree();
      const res = await t.call(tree.resellerAdmin, 'POST', '/api/v1/groups', {
        parentId: tree.reseller.id,
        name: 'Fabrikam',
        kind: 'customer',
      });
      expect(res.statusCode).toBe(201);
      const group = res.json();
      expect(group).toMatchObject({ parentId: tree.reseller.id, name: 'Fabrikam', kind: 'customer' });
      expect(group).not.toHaveProperty('path');
      const events = (await t.call(t.isvAdmin, 'GET', `/api/v1/audit-events?subjectId=${group.id}`)).json();
      expect(events.items).toEqual([
        expect.objectContaining({ action: 'group.created', actorUserId: tree.resellerAdmin.user.id }),
      ]);
    });

    it('refuses a missing name and an unknown kind, naming the field', async () => {
      const res = await t.call(t.isvAdmin, 'POST', '/api/v1/groups', { parentId: t.root.id });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ field: 'name', errors: [{ field: 'name' }] });
      const kind = await t.call(t.isvAdmin, 'POST', '/api/v1/groups', {
        parentId: t.root.id,
        name: 'X',
        kind: 'vendor',
      });
      expect(kind.json().field).toBe('kind');
    });

    it('refuses a second group with the same name under one parent', async () => {
      const parent = await t.aGroup({ kind: 'reseller' });
      const body = { parentId: parent.id, name: 'Twin' };
      expect((await t.call(t.isvAdmin, 'POST', '/api/v1/groups', body)).statusCode).toBe(201);
      const again = await t.call(t.isvAdmin, 'POST', '/api/v1/groups', body);
      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({ code: 'group_name_taken', field: 'name' });
    });

    it('answers 404 below a group the caller cannot see, 403 for a member, 401 anonymously', async () => {
      const tree = await aResellerTree();
      const elsewhere = await t.aGroup();
      const hidden = await t.call(tree.resellerAdmin, 'POST', '/api/v1/groups', {
        parentId: elsewhere.id,
        name: 'X',
      });
      expect(hidden.statusCode).toBe(404);
      expect(hidden.json().code).toBe('group_not_found');
      const member = await t.call(tree.member, 'POST', '/api/v1/groups', {
        parentId: tree.customer.id,
        name: 'X',
      });
      expect(member.statusCode).toBe(403);
      expect(member.json().code).toBe('forbidden');
      expect(
        (await t.call(anonymous, 'POST', '/api/v1/groups', { parentId: tree.customer.id, name: 'X' }))
          .statusCode,
      ).toBe(401);
    });

    it('refuses a token without the admin scope', async () => {
      const tree = await aResellerTree();
      const token = await t.tokenFor(tree.resellerAdmin.user, ['read', 'write']);
      const res = await t.call(token, 'POST', '/api/v1/groups', { parentId: tree.reseller.id, name: 'X' });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('insufficient_scope');
    });
  });

  describe('GET /api/v1/groups/:id', () => {
    it('shows a group in the caller’s subtree', async () => {
      const tree = await aResellerTree();
      const res = await t.call(tree.resellerAdmin, 'GET', `/api/v1/groups/${tree.customer.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: tree.customer.id, name: tree.customer.name });
    });

    it('answers 404 for another customer’s group and for the parent of the caller’s group', async () => {
      const tree = await aResellerTree();
      const other = await t.aGroup();
      expect((await t.call(tree.customerAdmin, 'GET', `/api/v1/groups/${other.id}`)).statusCode).toBe(404);
      expect((await t.call(tree.customerAdmin, 'GET', `/api/v1/groups/${tree.reseller.id}`)).statusCode).toBe(
        404,
      );
    });

    it('refuses a malformed id (400) and an anonymous caller (401)', async () => {
      const bad = await t.call(t.isvAdmin, 'GET', '/api/v1/groups/123');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().field).toBe('id');
      expect((await t.call(anonymous, 'GET', `/api/v1/groups/${t.root.id}`)).statusCode).toBe(401);
    });
  });

  describe('PATCH /api/v1/groups/:id', () => {
    it('renames a group the caller administers', async () => {
      const tree = await aResellerTree();
      const res = await t.call(tree.resellerAdmin, 'PATCH', `/api/v1/groups/${tree.customer.id}`, {
        name: 'Renamed',
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().name).toBe('Renamed');
      expect((await t.call(tree.member, 'GET', `/api/v1/groups/${tree.customer.id}`)).json().name).toBe(
        'Renamed',
      );
    });

    it('refuses an empty name (400), a member (403), a hidden group (404) and an anonymous caller (401)', async () => {
      const tree = await aResellerTree();
      const url = `/api/v1/groups/${tree.customer.id}`;
      const empty = await t.call(tree.customerAdmin, 'PATCH', url, { name: '   ' });
      expect(empty.statusCode).toBe(400);
      expect(empty.json().field).toBe('name');
      expect((await t.call(tree.member, 'PATCH', url, { name: 'X' })).statusCode).toBe(403);
      const stranger = await t.anAdminOf(await t.aGroup());
      expect((await t.call(stranger, 'PATCH', url, { name: 'X' })).statusCode).toBe(404);
      expect((await t.call(anonymous, 'PATCH', url, { name: 'X' })).statusCode).toBe(401);
    });
  });

  describe('DELETE /api/v1/groups/:id', () => {
    it('deletes an empty subgroup', async () => {
      const tree = await aResellerTree();
      const empty = await t.aGroup({ parent: tree.reseller });
      expect((await t.call(tree.resellerAdmin, 'DELETE', `/api/v1/groups/${empty.id}`)).statusCode).toBe(204);
      expect((await t.call(tree.resellerAdmin, 'GET', `/api/v1/groups/${empty.id}`)).statusCode).toBe(404);
    });

    it('refuses a group with members or subgroups (409), and the root group (403)', async () => {
      const tree = await aResellerTree();
      const withMembers = await t.call(tree.resellerAdmin, 'DELETE', `/api/v1/groups/${tree.customer.id}`);
      expect(withMembers.statusCode).toBe(409);
      expect(withMembers.json().code).toBe('group_not_empty');
      expect((await t.call(t.isvAdmin, 'DELETE', `/api/v1/groups/${tree.reseller.id}`)).statusCode).toBe(409);
      expect((await t.call(t.isvAdmin, 'DELETE', `/api/v1/groups/${t.root.id}`)).statusCode).toBe(403);
    });

    it('refuses the admin of the group itself (403), a stranger (404), a bad id (400) and anonymity (401)', async () => {
      const tree = await aResellerTree();
      const empty = await t.aGroup({ parent: tree.customer });
      const ownAdmin = await t.anAdminOf(empty);
      expect((await t.call(ownAdmin, 'DELETE', `/api/v1/groups/${empty.id}`)).statusCode).toBe(403);
      const stranger = await t.anAdminOf(await t.aGroup());
      expect((await t.call(stranger, 'DELETE', `/api/v1/groups/${empty.id}`)).statusCode).toBe(404);
      expect((await t.call(t.isvAdmin, 'DELETE', '/api/v1/groups/nope')).json().field).toBe('id');
      expect((await t.call(anonymous, 'DELETE', `/api/v1/groups/${empty.id}`)).statusCode).toBe(401);
    });
  });
});
