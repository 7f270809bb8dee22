// Serves the built portal (packages/portal/dist) at `/`: hashed assets with long cache headers, index.html
// never cached, and an SPA fallback so a deep link such as /tickets/ABCDE-… loads the app. The API, health,
// readiness and metrics keep their own answers (an unknown /api/… path stays a problem+json 404). Without a
// build, `/` answers a short page saying how to make one — server-only development never crashes here.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { buildProblem, sendProblem } from './problem.js';

/** Where `npm run build -w @tessera/portal` writes the portal (the same relative path from src/ and dist/). */
export const DEFAULT_PORTAL_DIR = fileURLToPath(new URL('../../../portal/dist', import.meta.url));

/**
 * The portal talks to its own origin only, plus the `tessera agent` on the user's loopback interface (the
 * online redemption). Mantine writes CSS variables and style attributes at run time, hence inline styles;
 * scripts are never inline.
 */
export const PORTAL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self' http://127.0.0.1:* http://localhost:*",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': PORTAL_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

/** Paths that are never the portal, whatever the request accepts. */
const NOT_PORTAL = /^\/(api(\/|$)|healthz$|readyz$|metrics$)/;

const IMMUTABLE = 'public, max-age=31536000, immutable';
const NO_CACHE = 'no-cache';

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Tessera Central</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1a1b1e}code{background:#f1f3f5;padding:.1rem .3rem;border-radius:4px}</style>
</head>
<body>
<h1>Tessera Central is running</h1>
<p>The portal has not been built, so there is no web app to show here yet. Build it with
<code>npm run build</code> (or <code>npm run build -w @tessera/portal</code>) and restart Central, or run the
portal in development mode with <code>npm run dev -w @tessera/portal</code>.</p>
<p>The API is available: <a href="/api/docs">/api/docs</a>.</p>
</body>
</html>
`;

const acceptsHtml = (request: FastifyRequest): boolean =>
  (request.headers.accept ?? '').includes('text/html');

const pathOf = (request: FastifyRequest): string => request.url.split('?')[0] ?? request.url;

const withSecurityHeaders = (reply: FastifyReply): FastifyReply => reply.headers(SECURITY_HEADERS);

export interface PortalOptions {
  /** The built portal; null or a missing directory = answer the "not built" page. */
  dir: string | null;
}

export const registerPortal = async (app: FastifyInstance, { dir }: PortalOptions): Promise<void> => {
  const built = dir !== null && existsSync(join(dir, 'index.html'));

  if (built) {
    await app.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      // One route per file found at start-up, so the SPA fallback below can own every other GET.
      wildcard: false,
      index: ['index.html'],
      cacheControl: false,
      setHeaders: (reply, path) => {
        const hashed = path.startsWith(join(dir, 'assets'));
        withSecurityHeaders(reply).header('cache-control', hashed ? IMMUTABLE : NO_CACHE);
      },
    });
  } else {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      withSecurityHeaders(reply)
        .header('cache-control', NO_CACHE)
        .type('text/html; charset=utf-8')
        .send(NOT_BUILT_PAGE),
    );
  }

  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const path = pathOf(request);
    if (NOT_PORTAL.test(path) || !acceptsHtml(request)) {
      return sendProblem(
        reply,
        buildProblem(request, 404, 'route_not_found', `No route ${request.method} ${path}.`),
      );
    }
    if (!built) {
      return withSecurityHeaders(reply)
        .header('cache-control', NO_CACHE)
        .type('text/html; charset=utf-8')
        .send(NOT_BUILT_PAGE);
    }
    return reply.sendFile('index.html');
  });
};
