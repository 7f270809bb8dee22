// The one way the portal talks to Central: a typed openapi-fetch client over the generated schema. It sends
// the session's CSRF token on every write, turns a 401 on a signed-in session into "your session expired"
// (back to sign-in), and turns every failure into an ApiError carrying a human sentence and the per-field
// messages forms show next to their inputs. Feature code never calls fetch itself.

import createClient, { type Middleware } from 'openapi-fetch';
import { ApiError, NETWORK_SENTENCE, type Problem } from './problem.js';
import type { paths } from './schema.js';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const CSRF_HEADER = 'x-csrf-token';

let csrfToken: string | null = null;
let onSessionExpired: (() => void) | null = null;

/** Called with the token from POST /auth/login or GET /me; null after sign-out. */
export const setCsrfToken = (token: string | null): void => {
  csrfToken = token;
};

/** The signed-in shell registers what a 401 should do (sign-in page with a message); null when signed out. */
export const setSessionExpiredHandler = (handler: (() => void) | null): void => {
  onSessionExpired = handler;
};

const sessionMiddleware: Middleware = {
  onRequest({ request }) {
    if (csrfToken !== null && UNSAFE.has(request.method)) request.headers.set(CSRF_HEADER, csrfToken);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && !new URL(request.url).pathname.endsWith('/auth/login'))
      onSessionExpired?.();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
api.use(sessionMiddleware);

const asProblem = (body: unknown, status: number): Problem =>
  typeof body === 'object' && body !== null
    ? (body as Problem)
    : { status, detail: typeof body === 'string' && body.length < 300 ? body : undefined };

/**
 * Awaits an openapi-fetch call and returns its data, or throws ApiError (also for a network failure, with
 * status 0). Use it in every query and mutation function.
 */
export const call = async <T>(
  request: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> => {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await request;
  } catch {
    throw new ApiError({ code: 'network_error', detail: NETWORK_SENTENCE }, 0);
  }
  if (!result.response.ok || result.error !== undefined) {
    throw new ApiError(asProblem(result.error, result.response.status), result.response.status);
  }
  // openapi-fetch leaves data undefined for 204 answers; callers of those ignore it.
  return result.data as T;
};

// ——— uploads with progress (the gateway calls carry whole protocol documents) ———

type PostPath = {
  [P in keyof paths]: paths[P] extends {
    post: { requestBody?: { content: { 'application/json': unknown } } };
  }
    ? P
    : never;
}[keyof paths];
type PostBody<P extends PostPath> = paths[P] extends {
  post: { requestBody?: { content: { 'application/json': infer B } } };
}
  ? B
  : never;
type PostOk<P extends PostPath> = paths[P] extends {
  post: { responses: { 200: { content: { 'application/json': infer R } } } };
}
  ? R
  : paths[P] extends { post: { responses: { 201: { content: { 'application/json': infer R } } } } }
    ? R
    : never;
type PathParams<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? Record<Name, string> & PathParams<Rest>
  : Record<never, never>;

/** Fraction 0…1 of the request body sent so far. */
export type Progress = (fraction: number) => void;

/**
 * POSTs JSON like `api.POST`, but through XMLHttpRequest so the page can show upload progress (fetch cannot
 * report it). Same CSRF header, same 401 handling, same ApiError.
 */
export const postWithProgress = <P extends PostPath>(
  path: P,
  options: { params?: PathParams<P>; body: PostBody<P>; onProgress?: Progress },
): Promise<PostOk<P>> =>
  new Promise((resolve, reject) => {
    const url = String(path).replace(/\{(\w+)\}/g, (_match, name: string) =>
      encodeURIComponent((options.params as Record<string, string> | undefined)?.[name] ?? ''),
    );
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('content-type', 'application/json');
    xhr.setRequestHeader('accept', 'application/json');
    if (csrfToken !== null) xhr.setRequestHeader(CSRF_HEADER, csrfToken);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) options.onProgress?.(event.loaded / event.total);
    };
    xhr.onerror = () => reject(new ApiError({ code: 'network_error', detail: NETWORK_SENTENCE }, 0));
    xhr.onload = () => {
      options.onProgress?.(1);
      let body: unknown = xhr.responseText;
      try {
        body = xhr.responseText === '' ? undefined : JSON.parse(xhr.responseText);
      } catch {
        // not JSON: keep the text for the error below
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body as PostOk<P>);
        return;
      }
      if (xhr.status === 401) onSessionExpired?.();
      reject(new ApiError(asProblem(body, xhr.status), xhr.status));
    };
    xhr.send(JSON.stringify(options.body));
  });
