// Users and memberships over HTTP: visibility, who may change an account, roles, the last ISV admin.

import { describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../src/db/test-helper.js';
import { anonymous, useTestApp } from '../src/testing/test-app.js';

describeEachDatabase('users and memberships', (ctx) => {
  const t = useTestApp(ctx);

  const aCustomer = async () => {
    const group = await t.aGroup();
    return { group, admin: await t.anAdminOf(group), member: await t.aMemberOf(group) };
  };

  describe('GET /api/v1/users', () => {
    it('lists the people of the groups the caller can see, and never another customer’s', async () => {
      const reseller = await t.aGroup({ kind: 'reseller' });
      const resellerAdmin = await t.anAdminOf(reseller);
      const customer = await t.aGroup({ parent: reseller });
      const customerMember = await t.aMemberOf(customer);
      const stranger = await aCustomer();
      const res = await t.call(resellerAdmin, 'GET', '/api/v1/users?limit=100');
      expect(res.statusCode).toBe(200);
      const ids = res.json().items.map((u: { id: string }) => u.id);
      expect(ids).toEqual(expect.arrayContaining([resellerAdmin.user.id, customerMember.user.id]));
      expect(ids).not.toContain(stranger.member.user.id);
      const byGroup = (await t.call(resellerAdmin, 'GET', `/api/v1/users?groupId=${customer.id}`)).json();
      expect(byGroup.items.map((u: { id: string }) => u.id)).toEqual([customerMember.user.id]);
      const peers = (await t.call(customerMember, 'GET', '/api/v1/users')).json();
      expect(peers.items.map((u: { id: string }) => u.id)).toEqual([customerMember.user.id]);
    });

    it('refuses a malformed groupId (400), a hidden group (404) and an anonymous caller (401)', async () => {
      const { admin } = await aCustomer();
      expect((await t.call(admin, 'GET', '/api/v1/users?groupId=x')).json().field).toBe('groupId');
      const other = await t.aGroup();
      expect((await t.call(admin, 'GET', `/api/v1/users?groupId=${other.id}`)).statusCode).toBe(404);
      expect((await t.call(anonymous, 'GET', '/api/v1/users')).statusCode).toBe(401);
    });
  });

  describe('GET /api/v1/users/:id', () => {
    it('shows a user in a visible group, without any password data', async () => {
      const { admin, member } = await aCustomer();
      const res = await t.call(admin, 'GET', `/api/v1/users/${member.user.id}`);
      expect(res.statusCode).toBe(200);
      expect(Object.keys(res.json()).sort()).toEqual([
        'createdAt',
        'email',
        'id',
        'name',
        'status',
        'updatedAt',
      ]);
    });

    it('answers 404 for another customer’s user, 400 for a bad id, 401 anonymously', async () => {
      const a = await aCustomer();
      const b = await aCustomer();
      const res = await t.call(a.admin, 'GET', `/api/v1/users/${b.member.user.id}`);
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('user_not_found');
      expect((await t.call(a.admin, 'GET', '/api/v1/users/x')).json().field).toBe('id');
      expect((await t.call(anonymous, 'GET', `/api/v1/users/${a.member.user.id}`)).statusCode).toBe(401);
    });
  });

  describe('PATCH /api/v1/users/:id', () => {
    it('lets an admin rename a user of its group, and anyone rename themselves', async () => {
      const { admin, member } = await aCustomer();
      const res = await t.call(admin, 'PATCH', `/api/v1/users/${member.user.id}`, { name: 'Erin E.' });
      expect(res.statusCode).toBe(200);
      expect(res.json().name).toBe('Erin E.');
      expect(
        (await t.call(member, 'PATCH', `/api/v1/users/${member.user.id}`, { name: 'Me' })).json().name,
      ).toBe('Me');
    });

    it('refuses an empty name (400), a member renaming a peer (403), a stranger (404), anonymity (401)', async () => {
      const { admin, member } = await aCustomer();
      const url = `/api/v1/users/${admin.user.id}`;
      expect((await t.call(admin, 'PATCH', url, {})).json().field).toBe('name');
      expect((await t.call(member, 'PATCH', url, { name: 'X' })).statusCode).toBe(403);
      const stranger = (await aCustomer()).admin;
      expect((await t.call(stranger, 'PATCH', url, { name: 'X' })).statusCode).toBe(404);
      expect((await t.call(anonymous, 'PATCH', url, { name: 'X' })).statusCode).toBe(401);
    });

    it('refuses an admin who manages only one of the groups a user belongs to', async () => {
      const a = await aCustomer();
      const b = await t.aGroup();
      await t.call(t.isvAdmin, 'POST', '/api/v1/memberships', {
        groupId: b.id,
        userId: a.member.user.id,
        role: 'member',
      });
      const res = await t.call(a.admin, 'PATCH', `/api/v1/users/${a.member.user.id}`, { name: 'X' });
      expect(res.statusCode).toBe(403);
      expect((await t.call(a.admin, 'POST', `/api/v1/users/${a.member.user.id}/disable`)).statusCode).toBe(
        403,
      );
    });
  });

  describe('POST /api/v1/users/:id/disable and /enable', () => {
    it('disables and re-enables an account', async () => {
      const { admin, member } = await aCustomer();
      const disabled = await t.call(admin, 'POST', `/api/v1/users/${member.user.id}/disable`);
      expect(disabled.statusCode).toBe(200);
      expect(disabled.json().status).toBe('disabled');
      const enabled = await t.call(admin, 'POST', `/api/v1/users/${member.user.id}/enable`);
      expect(enabled.json().status).toBe('active');
      const events = (
        await t.call(t.isvAdmin, 'GET', `/api/v1/audit-events?subjectId=${member.user.id}`)
      ).json();
      expect(events.items.map((e: { action: string }) => e.action)).toEqual([
        'user.enabled',
        'user.disabled',
      ]);
    });

    it('refuses disabling oneself (403), a member (403), a stranger (404), a bad id (400), anonymity (401)', async () => {
      const { admin, member } = await aCustomer();
      expect((await t.call(admin, 'POST', `/api/v1/users/${admin.user.id}/disable`)).statusCode).toBe(403);
      expect((await t.call(member, 'POST', `/api/v1/users/${admin.user.id}/disable`)).statusCode).toBe(403);
      const stranger = (await aCustomer()).admin;
      expect((await t.call(stranger, 'POST', `/api/v1/users/${member.user.id}/disable`)).statusCode).toBe(
        404,
      );
      expect((await t.call(stranger, 'POST', `/api/v1/users/${member.user.id}/enable`)).statusCode).toBe(404);
      expect((await t.call(admin, 'POST', '/api/v1/users/x/disable')).json().field).toBe('id');
      expect((await t.call(anonymous, 'POST', `/api/v1/users/${member.user.id}/enable`)).statusCode).toBe(
        401,
      );
    });
  });

  describe('memberships', () => {
    it('GET lists the memberships of a visible group; refuses bad input (400), hidden groups (404), anonymity (401)', async () => {
      const { group, admin, member } = await aCustomer();
      const res = await t.call(admin, 'GET', `/api/v1/memberships?groupId=${group.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json().items).toEqual([
        expect.objectContaining({ userId: admin.user.id, role: 'admin' }),
        expect.objectContaining({ userId: member.user.id, role: 'member' }),
      ]);
      expect((await t.call(admin, 'GET', '/api/v1/memberships?userId=1')).json().field).toBe('userId');
      const other = await t.aGroup();
      expect((await t.call(admin, 'GET', `/api/v1/memberships?groupId=${other.id}`)).statusCode).toBe(404);
      expect((await t.call(anonymous, 'GET', '/api/v1/memberships')).statusCode).toBe(401);
    });

    it('POST adds a visible user to a group the caller administers', async () => {
      const reseller = await t.aGroup({ kind: 'reseller' });
      const admin = await t.anAdminOf(reseller);
      const customer = await t.aGroup({ parent: reseller });
      const person = await t.aMemberOf(reseller);
      const res = await t.call(admin, 'POST', '/api/v1/memberships', {
        groupId: customer.id,
        userId: person.user.id,
        role: 'admin',
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ groupId: customer.id, userId: person.user.id, role: 'admin' });
      const again = await t.call(admin, 'POST', '/api/v1/memberships', {
        groupId: customer.id,
        userId: person.user.id,
        role: 'member',
      });
      expect(again.statusCode).toBe(409);
      expect(again.json().code).toBe('already_member');
    });

    it('POST refuses a bad role (400), a member (403), a hidden user or group (404), anonymity (401)', async () => {
      const { group, admin, member } = await aCustomer();
      const stranger = await aCustomer();
      const body = { groupId: group.id, userId: stranger.member.user.id, role: 'member' };
      expect(
        (await t.call(admin, 'POST', '/api/v1/memberships', { ...body, role: 'owner' })).json().field,
      ).toBe('role');
      expect((await t.call(member, 'POST', '/api/v1/memberships', body)).statusCode).toBe(403);
      const hiddenUser = await t.call(admin, 'POST', '/api/v1/memberships', body);
      expect(hiddenUser.statusCode).toBe(404);
      expect(hiddenUser.json().code).toBe('user_not_found');
      const hiddenGroup = await t.call(admin, 'POST', '/api/v1/memberships', {
        ...body,
        groupId: stranger.group.id,
      });
      expect(hiddenGroup.json().code).toBe('group_not_found');
      expect((await t.call(anonymous, 'POST', '/api/v1/memberships', body)).statusCode).toBe(401);
    });

    it('PATCH changes a role; refuses a bad role (400), a member (403), a stranger (404), anonymity (401)', async () => {
      const { group, admin, member } = await aCustomer();
      const [, membership] = (await t.call(admin, 'GET', `/api/v1/memberships?groupId=${group.id}`)).json()
        .items;
      const url = `/api/v1/memberships/${membership.id}`;
      expect(membership.userId).toBe(member.user.id);
      expect((await t.call(admin, 'PATCH', url, { role: 'god' })).json().field).toBe('role');
      expect((await t.call(member, 'PATCH', url, { role: 'admin' })).statusCode).toBe(403);
      const stranger = (await aCustomer()).admin;
      expect((await t.call(stranger, 'PATCH', url, { role: 'admin' })).statusCode).toBe(404);
      expect((await t.call(anonymous, 'PATCH', url, { role: 'admin' })).statusCode).toBe(401);
      const res = await t.call(admin, 'PATCH', url, { role: 'admin' });
      expect(res.statusCode).toBe(200);
      expect(res.json().role).toBe('admin');
    });

    it('DELETE removes a membership; refuses a member (403), a stranger (404), a bad id (400), anonymity (401)', async () => {
      const { group, admin, member } = await aCustomer();
      const [, membership] = (await t.call(admin, 'GET', `/api/v1/memberships?groupId=${group.id}`)).json()
        .items;
      const url = `/api/v1/memberships/${membership.id}`;
      expect((await t.call(member, 'DELETE', url)).statusCode).toBe(403);
      const stranger = (await aCustomer()).admin;
      expect((await t.call(stranger, 'DELETE', url)).statusCode).toBe(404);
      expect((await t.call(admin, 'DELETE', '/api/v1/memberships/x')).json().field).toBe('id');
      expect((await t.call(anonymous, 'DELETE', url)).statusCode).toBe(401);
      expect((await t.call(admin, 'DELETE', url)).statusCode).toBe(204);
      expect((await t.call(member, 'GET', `/api/v1/groups/${group.id}`)).statusCode).toBe(404);
    });

    it('never removes or demotes the last active ISV admin, but allows it once another exists', async () => {
      const rootMemberships = (
        await t.call(t.isvAdmin, 'GET', `/api/v1/memberships?groupId=${t.root.id}`)
      ).json().items;
      const own = rootMemberships.find((m: { userId: string }) => m.userId === t.isvAdmin.user.id);
      const remove = await t.call(t.isvAdmin, 'DELETE', `/api/v1/memberships/${own.id}`);
      expect(remove.statusCode).toBe(409);
      expect(remove.json().code).toBe('last_isv_admin');
      expect(
        (await t.call(t.isvAdmin, 'PATCH', `/api/v1/memberships/${own.id}`, { role: 'member' })).json().code,
      ).toBe('last_isv_admin');

      const second = await t.anAdminOf(t.root);
      const [secondMembership] = (
        await t.call(second, 'GET', `/api/v1/memberships?userId=${second.user.id}`)
      ).json().items;
      // A disabled second admin does not count.
      expect((await t.call(t.isvAdmin, 'POST', `/api/v1/users/${second.user.id}/disable`)).statusCode).toBe(
        200,
      );
      expect((await t.call(t.isvAdmin, 'DELETE', `/api/v1/memberships/${own.id}`)).statusCode).toBe(409);
      expect((await t.call(t.isvAdmin, 'POST', `/api/v1/users/${second.user.id}/enable`)).statusCode).toBe(
        200,
      );
      // The second admin may now demote the first; the first may no longer touch the second's role.
      const second2 = await t.sessionFor(second.user);
      expect(
        (await t.call(second2, 'PATCH', `/api/v1/memberships/${own.id}`, { role: 'member' })).statusCode,
      ).toBe(200);
      const last = await t.call(second2, 'DELETE', `/api/v1/memberships/${secondMembership.id}`);
      expect(last.json().code).toBe('last_isv_admin');
      // Restore the bootstrap admin for the other tests of this suite.
      expect(
        (await t.call(second2, 'PATCH', `/api/v1/memberships/${own.id}`, { role: 'admin' })).statusCode,
      ).toBe(200);
    });
  });
});
