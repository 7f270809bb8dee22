// Invitations over HTTP: an admin invites an e-mail into a group, the link sets a password once.

import { describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../src/db/test-helper.js';
import { anonymous, uniqueEmail, useTestApp } from '../src/testing/test-app.js';

describeEachDatabase('invitations', (ctx) => {
  const t = useTestApp(ctx);

  const aCustomer = async () => {
    const group = await t.aGroup();
    return { group, admin: await t.anAdminOf(group), member: await t.aMemberOf(group) };
  };

  const invite = async (
    actor: Parameters<typeof t.call>[0],
    groupId: string,
    email = uniqueEmail('invitee'),
    role = 'member',
  ) => t.call(actor, 'POST', '/api/v1/invitations', { groupId, email, role });

  const login = (email: string, password: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
      remoteAddress: '10.20.0.1',
    });

  describe('POST /api/v1/invitations', () => {
    it('returns a one-time set-password link and records the invitation', async () => {
      const { group, admin } = await aCustomer();
      const email = uniqueEmail('New.Person');
      const res = await invite(admin, group.id, email, 'admin');
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body.invitation).toMatchObject({
        groupId: group.id,
        email: email.toLowerCase(),
        role: 'admin',
        status: 'pending',
      });
      expect(body.link).toBe(`http://central.test/set-password?token=${encodeURIComponent(body.token)}`);
      expect(new Date(body.invitation.expiresAt).getTime() - t.clock.now().getTime()).toBe(7 * 24 * 3600_000);
      const audit = (
        await t.call(t.isvAdmin, 'GET', `/api/v1/audit-events?subjectId=${body.invitation.id}`)
      ).json();
      expect(audit.items[0]).toMatchObject({ action: 'invitation.created', actorUserId: admin.user.id });
      expect(JSON.stringify(audit.items[0])).not.toContain(body.token);
    });

    it('refuses a malformed e-mail (400), an existing member (409), a member (403), a hidden group (404), anonymity (401)', async () => {
      const { group, admin, member } = await aCustomer();
      const bad = await invite(admin, group.id, 'not-an-email');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().field).toBe('email');
      const existing = await invite(admin, group.id, member.user.email);
      expect(existing.statusCode).toBe(409);
      expect(existing.json().code).toBe('already_member');
      expect((await invite(member, group.id)).statusCode).toBe(403);
      expect((await invite(admin, (await t.aGroup()).id)).statusCode).toBe(404);
      expect((await invite(anonymous, group.id)).statusCode).toBe(401);
    });
  });

  describe('GET /api/v1/invitations', () => {
    it('lists the pending invitations of the groups the caller administers', async () => {
      const { group, admin } = await aCustomer();
      const created = (await invite(admin, group.id)).json();
      const res = await t.call(admin, 'GET', `/api/v1/invitations?groupId=${group.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json().items).toEqual([
        expect.objectContaining({ id: created.invitation.id, status: 'pending' }),
      ]);
      const other = await aCustomer();
      expect((await t.call(other.admin, 'GET', '/api/v1/invitations')).json().items).toEqual([]);
    });

    it('refuses a bad groupId (400), a member (403), a hidden group (404), anonymity (401)', async () => {
      const { group, admin, member } = await aCustomer();
      expect((await t.call(admin, 'GET', '/api/v1/invitations?groupId=x')).json().field).toBe('groupId');
      expect((await t.call(member, 'GET', '/api/v1/invitations')).statusCode).toBe(403);
      expect(
        (await t.call(admin, 'GET', `/api/v1/invitations?groupId=${(await t.aGroup()).id}`)).statusCode,
      ).toBe(404);
      expect((await t.call(anonymous, 'GET', `/api/v1/invitations?groupId=${group.id}`)).statusCode).toBe(
        401,
      );
    });
  });

  describe('DELETE /api/v1/invitations/:id', () => {
    it('revokes a pending invitation so its link no longer works', async () => {
      const { group, admin } = await aCustomer();
      const created = (await invite(admin, group.id)).json();
      expect((await t.call(admin, 'DELETE', `/api/v1/invitations/${created.invitation.id}`)).statusCode).toBe(
        204,
      );
      const again = await t.call(admin, 'DELETE', `/api/v1/invitations/${created.invitation.id}`);
      expect(again.statusCode).toBe(409);
      const accept = await t.call(anonymous, 'POST', '/api/v1/invitations/accept', {
        token: created.token,
        password: 'a fine long password',
      });
      expect(accept.statusCode).toBe(400);
      expect(accept.json()).toMatchObject({ code: 'invitation_invalid', field: 'token' });
    });

    it('refuses a member (403), a stranger (404), a bad id (400), anonymity (401)', async () => {
      const { group, admin, member } = await aCustomer();
      const url = `/api/v1/invitations/${(await invite(admin, group.id)).json().invitation.id}`;
      expect((await t.call(member, 'DELETE', url)).statusCode).toBe(403);
      expect((await t.call((await aCustomer()).admin, 'DELETE', url)).statusCode).toBe(404);
      expect((await t.call(admin, 'DELETE', '/api/v1/invitations/x')).json().field).toBe('id');
      expect((await t.call(anonymous, 'DELETE', url)).statusCode).toBe(401);
    });
  });

  describe('POST /api/v1/invitations/accept', () => {
    it('creates the account with the chosen password and the invited role, then the link is dead', async () => {
      const { group, admin } = await aCustomer();
      const email = uniqueEmail('joiner');
      const { token } = (await invite(admin, group.id, email, 'admin')).json();
      const res = await t.call(anonymous, 'POST', '/api/v1/invitations/accept', {
        token,
        password: 'my own long password',
        name: 'Jo Iner',
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        user: { email, name: 'Jo Iner', status: 'active' },
        membership: { groupId: group.id, role: 'admin' },
      });
      expect((await login(email, 'my own long password')).statusCode).toBe(200);
      const reuse = await t.call(anonymous, 'POST', '/api/v1/invitations/accept', {
        token,
        password: 'another long password',
      });
      expect(reuse.json().code).toBe('invitation_invalid');
    });

    it('asks an existing account for its current password instead of replacing it', async () => {
      const a = await aCustomer();
      const b = await aCustomer();
      const { token } = (await invite(b.admin, b.group.id, a.member.user.email)).json();
      const takeover = await t.call(anonymous, 'POST', '/api/v1/invitations/accept', {
        token,
        password: 'attacker password',
      });
      expect(takeover.statusCode).toBe(400);
      expect(takeover.json()).toMatchObject({ code: 'wrong_password', field: 'password' });
      const joined = await t.call(anonymous, 'POST', '/api/v1/invitations/accept', {
        token,
        password: 'correct horse battery staple',
      });
      expect(joined.statusCode).toBe(200);
      expect(joined.json().user.id).toBe(a.member.user.id);
    });

    it('refuses a short password naming the rule (400) and an expired link', async () => {
      const { group, admin } = await aCustomer();
      const { token } = (await invite(admin, group.id)).json();
      const short = await t.call(anonymous, 'POST', '/api/v1/invitations/accept', {
        token,
        password: 'short',
      });
      expect(short.statusCode).toBe(400);
      expect(short.json().field).toBe('password');
      expect(short.json().detail).toContain('at least 12 characters');
      t.clock.advance(7 * 24 * 3600_000 + 1000);
      const expired = await t.call(anonymous, 'POST', '/api/v1/invitations/accept', {
        token,
        password: 'long enough password',
      });
      expect(expired.json().code).toBe('invitation_invalid');
    });

    it('refuses an unknown token', async () => {
      const res = await t.call(anonymous, 'POST', '/api/v1/invitations/accept', {
        token: 'forged',
        password: 'long enough password',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('invitation_invalid');
    });
  });
});
