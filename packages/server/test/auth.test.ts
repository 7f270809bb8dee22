// Login, logout, sessions, CSRF, me and password change, over HTTP on both databases.

import { expect, it } from 'vitest';
import { describeEachDatabase } from '../src/db/test-helper.js';
import { SESSION_COOKIE } from '../src/http/authenticate.js';
import { anonymous, useTestApp } from '../src/testing/test-app.js';

const cookieFrom = (setCookie: string | string[] | undefined): string => {
  const header = Array.isArray(setCookie) ? setCookie.join('\n') : (setCookie ?? '');
  const match = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(header);
  if (!match?.[1]) throw new Error(`no session cookie in ${header}`);
  return `${SESSION_COOKIE}=${match[1]}`;
};

describeEachDatabase('authentication', (ctx) => {
  const t = useTestApp(ctx);

  const login = (email: string, password: string, remoteAddress = '127.0.0.1') =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, remoteAddress });

  it('logs in with e-mail and password and sets an httpOnly, SameSite=Lax session cookie', async () => {
    const group = await t.aGroup();
    const { email, password, user } = await t.aUser({ group });
    const res = await login(email.toUpperCase(), password);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.user).toMatchObject({ id: user.id, email });
    expect(body.csrfToken).toEqual(expect.any(String));
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).not.toContain('Secure'); // plain HTTP without a trusted TLS proxy

    const me = await t.call(
      { headers: { cookie: cookieFrom(res.headers['set-cookie']) } },
      'GET',
      '/api/v1/me',
    );
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ user: { id: user.id }, via: 'session', csrfToken: body.csrfToken });
  });

  it('refuses a login without a password, naming the field', async () => {
    const res = await t.call(anonymous, 'POST', '/api/v1/auth/login', { email: 'a@b.test' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({
      type: 'https://tessera.dev/problems/validation_failed',
      status: 400,
      field: 'password',
      instance: '/api/v1/auth/login',
    });
  });

  it('answers an unknown e-mail exactly like a wrong password, in comparable time', async () => {
    const { email } = await t.aUser({ group: await t.aGroup() });
    const timed = async (mail: string) => {
      const started = performance.now();
      const res = await login(mail, 'wrong password!!', `10.9.${Math.floor(Math.random() * 250)}.1`);
      return { res, ms: performance.now() - started };
    };
    const wrong = await timed(email);
    const unknown = await timed(`nobody.${Date.now()}@example.test`);
    expect(wrong.res.statusCode).toBe(401);
    expect(unknown.res.statusCode).toBe(401);
    const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
    expect(strip(unknown.res.json())).toEqual(strip(wrong.res.json()));
    expect(wrong.res.json().type).toBe('https://tessera.dev/problems/invalid_credentials');
    // Both verify an scrypt hash; neither returns early.
    expect(unknown.ms).toBeGreaterThan(wrong.ms / 3);
  });

  it('backs off after 5 failures for an e-mail with a growing Retry-After, and a success resets it', async () => {
    const { email, password } = await t.aUser({ group: await t.aGroup() });
    for (let i = 0; i < 5; i++)
      expect((await login(email, 'not the password', '10.1.0.1')).statusCode).toBe(401);

    const locked = await login(email, password, '10.1.0.2'); // even the right password, from elsewhere
    expect(locked.statusCode).toBe(429);
    expect(locked.json().code).toBe('too_many_attempts');
    expect(locked.headers['retry-after']).toBe('30');

    t.clock.advance(31_000);
    expect((await login(email, 'not the password', '10.1.0.1')).statusCode).toBe(401);
    const longer = await login(email, 'not the password', '10.1.0.1');
    expect(longer.statusCode).toBe(429);
    expect(longer.headers['retry-after']).toBe('60');

    t.clock.advance(61_000);
    expect((await login(email, password, '10.1.0.1')).statusCode).toBe(200);
    expect((await login(email, 'not the password', '10.1.0.1')).statusCode).toBe(401);
    expect((await login(email, password, '10.1.0.1')).statusCode).toBe(200); // count started afresh
  });

  it('backs off per client address after 20 failures across e-mails', async () => {
    const address = '10.2.0.1';
    for (let i = 0; i < 20; i++) {
      expect(
        (await login(`spray${i}.${Date.now()}@example.test`, 'whatever password', address)).statusCode,
      ).toBe(401);
    }
    const { email, password } = await t.aUser({ group: await t.aGroup() });
    const res = await login(email, password, address);
    expect(res.statusCode).toBe(429);
    expect((await login(email, password, '10.2.0.2')).statusCode).toBe(200);
    t.clock.advance(31_000);
  });

  it('logs out: the session ends and the cookie is cleared', async () => {
    const admin = await t.anAdminOf(await t.aGroup());
    const res = await t.call(admin, 'POST', '/api/v1/auth/logout');
    expect(res.statusCode).toBe(204);
    expect(String(res.headers['set-cookie'])).toContain(`${SESSION_COOKIE}=;`);
    expect((await t.call(admin, 'GET', '/api/v1/me')).statusCode).toBe(401);
  });

  it('refuses logout without credentials (401), without the CSRF token (403) and for an API token (400)', async () => {
    expect((await t.call(anonymous, 'POST', '/api/v1/auth/logout')).json().status).toBe(401);
    const member = await t.aMemberOf(await t.aGroup());
    const noCsrf = member.withoutCsrf?.();
    if (!noCsrf) throw new Error('session actors have a withoutCsrf variant');
    const refused = await t.call(noCsrf, 'POST', '/api/v1/auth/logout');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('csrf_token_invalid');
    const token = await t.tokenFor(member.user, ['read']);
    const viaToken = await t.call(token, 'POST', '/api/v1/auth/logout');
    expect(viaToken.statusCode).toBe(400);
    expect(viaToken.json().code).toBe('not_a_session');
  });

  it('refuses a cookie-authenticated write with a wrong CSRF token, and lets a bearer write without one', async () => {
    const admin = await t.anAdminOf(await t.aGroup({ kind: 'reseller' }));
    const [group] = (await t.call(admin, 'GET', '/api/v1/me')).json().memberships;
    const forged = { headers: { ...admin.headers, 'x-csrf-token': 'forged' } };
    const res = await t.call(forged, 'POST', '/api/v1/groups', { parentId: group.groupId, name: 'Forged' });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('csrf_token_invalid');
    const bearer = await t.tokenFor(admin.user, ['admin']);
    const ok = await t.call(bearer, 'POST', '/api/v1/groups', { parentId: group.groupId, name: 'By token' });
    expect(ok.statusCode).toBe(201);
  });

  it('reports who is calling on GET /me, for a session and for a token', async () => {
    const group = await t.aGroup();
    const member = await t.aMemberOf(group);
    const viaSession = (await t.call(member, 'GET', '/api/v1/me')).json();
    expect(viaSession).toMatchObject({
      via: 'session',
      isIsvAdmin: false,
      scopes: ['read', 'write', 'admin', 'connector'],
      memberships: [{ groupId: group.id, groupName: group.name, role: 'member' }],
    });
    const token = await t.tokenFor(member.user, ['read']);
    const viaToken = (await t.call(token, 'GET', '/api/v1/me')).json();
    expect(viaToken).toMatchObject({ via: 'token', scopes: ['read'], csrfToken: null });
    expect((await t.call(t.isvAdmin, 'GET', '/api/v1/me')).json().isIsvAdmin).toBe(true);
  });

  it('refuses GET /me without credentials, with an unknown token and with an unknown cookie', async () => {
    const res = await t.call(anonymous, 'GET', '/api/v1/me');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({
      type: 'https://tessera.dev/problems/unauthenticated',
      instance: '/api/v1/me',
    });
    const badToken = await t.call({ headers: { authorization: 'Bearer tsr_nope' } }, 'GET', '/api/v1/me');
    expect(badToken.statusCode).toBe(401);
    expect(badToken.json().detail).toContain('unknown, revoked or expired');
    const badCookie = await t.call({ headers: { cookie: `${SESSION_COOKIE}=nope` } }, 'GET', '/api/v1/me');
    expect(badCookie.statusCode).toBe(401);
  });

  it('ends a session after it has been idle longer than the TTL', async () => {
    const member = await t.aMemberOf(await t.aGroup());
    expect((await t.call(member, 'GET', '/api/v1/me')).statusCode).toBe(200);
    t.clock.advance(11 * 3600_000);
    expect((await t.call(member, 'GET', '/api/v1/me')).statusCode).toBe(200); // activity slides the idle expiry
    t.clock.advance(11 * 3600_000);
    expect((await t.call(member, 'GET', '/api/v1/me')).statusCode).toBe(200);
    t.clock.advance(12 * 3600_000 + 1000);
    expect((await t.call(member, 'GET', '/api/v1/me')).statusCode).toBe(401);
  });

  it('changes the own password: the old one stops working, the new one logs in', async () => {
    const { user, email, password } = await t.aUser({ group: await t.aGroup() });
    const session = await t.sessionFor(user);
    const res = await t.call(session, 'POST', '/api/v1/me/password', {
      currentPassword: password,
      newPassword: 'a much better passphrase',
    });
    expect(res.statusCode).toBe(204);
    expect((await login(email, password, '10.3.0.1')).statusCode).toBe(401);
    expect((await login(email, 'a much better passphrase', '10.3.0.1')).statusCode).toBe(200);
  });

  it('refuses a password change with a short new password, a wrong current one, or no credentials', async () => {
    const { user, password } = await t.aUser({ group: await t.aGroup() });
    const session = await t.sessionFor(user);
    const short = await t.call(session, 'POST', '/api/v1/me/password', {
      currentPassword: password,
      newPassword: 'short',
    });
    expect(short.statusCode).toBe(400);
    expect(short.json()).toMatchObject({ field: 'newPassword' });
    expect(short.json().detail).toContain('at least 12 characters');
    const wrong = await t.call(session, 'POST', '/api/v1/me/password', {
      currentPassword: 'not my password',
      newPassword: 'a much better passphrase',
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({ code: 'wrong_password', field: 'currentPassword' });
    const anon = await t.call(anonymous, 'POST', '/api/v1/me/password', {
      currentPassword: 'x',
      newPassword: 'y',
    });
    expect(anon.statusCode).toBe(401);
    const readOnly = await t.tokenFor(user, ['read']);
    const scoped = await t.call(readOnly, 'POST', '/api/v1/me/password', {
      currentPassword: password,
      newPassword: 'a much better passphrase',
    });
    expect(scoped.statusCode).toBe(403);
    expect(scoped.json().code).toBe('insufficient_scope');
  });

  it('refuses the session and tokens of a disabled user', async () => {
    const group = await t.aGroup();
    const admin = await t.anAdminOf(group);
    const member = await t.aMemberOf(group);
    const token = await t.tokenFor(member.user, ['read']);
    expect((await t.call(admin, 'POST', `/api/v1/users/${member.user.id}/disable`)).statusCode).toBe(200);
    expect((await t.call(member, 'GET', '/api/v1/me')).statusCode).toBe(401);
    expect((await t.call(token, 'GET', '/api/v1/me')).statusCode).toBe(401);
  });
});
