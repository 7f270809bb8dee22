// API tokens over HTTP: created once, stored hashed, scoped, listable, revocable, never stronger than their user.

import { describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../src/db/test-helper.js';
import { anonymous, useTestApp } from '../src/testing/test-app.js';

describeEachDatabase('api tokens', (ctx) => {
  const t = useTestApp(ctx);

  const aCustomer = async () => {
    const group = await t.aGroup();
    return { group, admin: await t.anAdminOf(group), member: await t.aMemberOf(group) };
  };
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  describe('POST /api/v1/api-tokens', () => {
    it('shows a tsr_ secret once, stores only its hash and lets it authenticate', async () => {
      const { member } = await aCustomer();
      const res = await t.call(member, 'POST', '/api/v1/api-tokens', { name: 'ERP', scopes: ['write'] });
      expect(res.statusCode).toBe(201);
      const { apiToken, token } = res.json();
      expect(token).toMatch(/^tsr_[A-Za-z0-9]{32,}$/);
      expect(apiToken).toMatchObject({
        name: 'ERP',
        scopes: ['read', 'write'],
        prefix: token.slice(0, 12),
        lastUsedAt: null,
      });
      const stored = await ctx.database.db
        .selectFrom('api_tokens')
        .selectAll()
        .where('id', '=', apiToken.id)
        .executeTakeFirstOrThrow();
      expect(JSON.stringify(stored)).not.toContain(token);
      const me = await t.call(bearer(token), 'GET', '/api/v1/me');
      expect(me.json()).toMatchObject({ via: 'token', user: { id: member.user.id } });
      const listed = (await t.call(member, 'GET', '/api/v1/api-tokens')).json();
      expect(JSON.stringify(listed)).not.toContain(token);
      expect(listed.items[0].lastUsedAt).toBe(t.clock.now().toISOString());
    });

    it('refuses an unknown scope (400), a past expiry (400) and anonymity (401)', async () => {
      const { member } = await aCustomer();
      const scope = await t.call(member, 'POST', '/api/v1/api-tokens', { name: 'x', scopes: ['root'] });
      expect(scope.statusCode).toBe(400);
      expect(scope.json().field).toBe('scopes.0');
      const past = await t.call(member, 'POST', '/api/v1/api-tokens', {
        name: 'x',
        scopes: ['read'],
        expiresAt: '2000-01-01T00:00:00Z',
      });
      expect(past.json()).toMatchObject({ status: 400, field: 'expiresAt' });
      expect(
        (await t.call(anonymous, 'POST', '/api/v1/api-tokens', { name: 'x', scopes: ['read'] })).statusCode,
      ).toBe(401);
    });

    it('never grants more than the caller has: no admin scope for a member, no write from a read token', async () => {
      const { member } = await aCustomer();
      const admin = await t.call(member, 'POST', '/api/v1/api-tokens', { name: 'x', scopes: ['admin'] });
      expect(admin.statusCode).toBe(403);
      const readOnly = await t.tokenFor(member.user, ['read']);
      const escalate = await t.call(readOnly, 'POST', '/api/v1/api-tokens', { name: 'x', scopes: ['read'] });
      expect(escalate.statusCode).toBe(403);
      expect(escalate.json().code).toBe('insufficient_scope');
      const writer = await t.tokenFor(member.user, ['write']);
      const wider = await t.call(writer, 'POST', '/api/v1/api-tokens', { name: 'x', scopes: ['admin'] });
      expect(wider.json().code).toBe('insufficient_scope');
    });

    it('stops accepting a token once it has expired', async () => {
      const { member } = await aCustomer();
      const expiresAt = new Date(t.clock.now().getTime() + 3600_000).toISOString();
      const { token } = (
        await t.call(member, 'POST', '/api/v1/api-tokens', {
          name: 'short-lived',
          scopes: ['read'],
          expiresAt,
        })
      ).json();
      expect((await t.call(bearer(token), 'GET', '/api/v1/me')).statusCode).toBe(200);
      t.clock.advance(3600_000);
      expect((await t.call(bearer(token), 'GET', '/api/v1/me')).statusCode).toBe(401);
    });
  });

  describe('GET /api/v1/api-tokens', () => {
    it('lists the caller’s tokens, and an admin may list those of a user it manages', async () => {
      const { admin, member } = await aCustomer();
      const own = await t.tokenFor(member.user, ['read']);
      const mine = (await t.call(member, 'GET', '/api/v1/api-tokens')).json();
      expect(mine.items.map((i: { id: string }) => i.id)).toEqual([own.tokenId]);
      const managed = await t.call(admin, 'GET', `/api/v1/api-tokens?userId=${member.user.id}`);
      expect(managed.statusCode).toBe(200);
      expect(managed.json().items.map((i: { id: string }) => i.id)).toEqual([own.tokenId]);
    });

    it('refuses a bad userId (400), a peer’s tokens for a member (403), a stranger (404), anonymity (401)', async () => {
      const { admin, member } = await aCustomer();
      expect((await t.call(admin, 'GET', '/api/v1/api-tokens?userId=x')).json().field).toBe('userId');
      expect((await t.call(member, 'GET', `/api/v1/api-tokens?userId=${admin.user.id}`)).statusCode).toBe(
        403,
      );
      const stranger = (await aCustomer()).admin;
      expect((await t.call(stranger, 'GET', `/api/v1/api-tokens?userId=${member.user.id}`)).statusCode).toBe(
        404,
      );
      expect((await t.call(anonymous, 'GET', '/api/v1/api-tokens')).statusCode).toBe(401);
      const adminRead = await t.tokenFor(admin.user, ['write']);
      expect(
        (await t.call(adminRead, 'GET', `/api/v1/api-tokens?userId=${member.user.id}`)).json().code,
      ).toBe('insufficient_scope');
    });
  });

  describe('DELETE /api/v1/api-tokens/:id', () => {
    it('revokes the own token; a revoked token is refused and listed only on request', async () => {
      const { member } = await aCustomer();
      const token = await t.tokenFor(member.user, ['read', 'write']);
      const res = await t.call(member, 'DELETE', `/api/v1/api-tokens/${token.tokenId}`);
      expect(res.statusCode).toBe(200);
      expect(res.json().revokedAt).toBe(t.clock.now().toISOString());
      const refused = await t.call(token, 'GET', '/api/v1/me');
      expect(refused.statusCode).toBe(401);
      expect((await t.call(member, 'GET', '/api/v1/api-tokens')).json().items).toEqual([]);
      expect(
        (await t.call(member, 'GET', '/api/v1/api-tokens?includeRevoked=true')).json().items,
      ).toHaveLength(1);
    });

    it('lets an admin revoke a token of a user it manages, with an audit entry', async () => {
      const { admin, member } = await aCustomer();
      const token = await t.tokenFor(member.user, ['read']);
      expect((await t.call(admin, 'DELETE', `/api/v1/api-tokens/${token.tokenId}`)).statusCode).toBe(200);
      const events = (
        await t.call(t.isvAdmin, 'GET', `/api/v1/audit-events?subjectId=${token.tokenId}`)
      ).json();
      expect(events.items.map((e: { action: string }) => e.action)).toEqual([
        'api_token.revoked',
        'api_token.created',
      ]);
    });

    it('refuses a stranger (404), a member revoking a peer’s token (404), a bad id (400), anonymity (401)', async () => {
      const { admin, member } = await aCustomer();
      const token = await t.tokenFor(admin.user, ['read']);
      const url = `/api/v1/api-tokens/${token.tokenId}`;
      expect((await t.call((await aCustomer()).admin, 'DELETE', url)).statusCode).toBe(404);
      expect((await t.call(member, 'DELETE', url)).statusCode).toBe(404);
      expect((await t.call(member, 'DELETE', '/api/v1/api-tokens/x')).json().field).toBe('id');
      expect((await t.call(anonymous, 'DELETE', url)).statusCode).toBe(401);
      expect((await t.call(token, 'GET', '/api/v1/me')).statusCode).toBe(200);
    });
  });
});
