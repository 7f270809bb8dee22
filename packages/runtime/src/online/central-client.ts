// Talks to Central's activation gateway: JSON over HTTP(S) with a timeout, problem+json answers turned into
// TesseraErrors carrying the server's code (so the CLI maps them to exit codes like local errors), and a
// short retry when Central reports a concurrent update of the same container.

import { TesseraError } from '@tessera/core';

export interface GatewayAnswer {
  serial: string;
  update: string | null;
  updates: { firmCode: number; updateId: string; update: string }[];
  licenses: { id: string; productCode: number; firmCode: number; generation: number; state: string }[];
}

export interface CentralClientOptions {
  server: string;
  /** an API token (tsr_…) or nothing: the gateway authenticates by container signature and ticket */
  token?: string | undefined;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const RETRYABLE = new Set(['concurrent_update', 'conflict']);

export const createCentralClient = (options: CentralClientOptions) => {
  let base: URL;
  try {
    base = new URL(options.server.endsWith('/') ? options.server : `${options.server}/`);
  } catch {
    throw new TesseraError(
      'usage_error',
      `--server must be a URL like https://central.example.com (got ${options.server})`,
    );
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new TesseraError('usage_error', `--server must be an http(s) URL (got ${options.server})`);
  }
  const doFetch = options.fetch ?? fetch;

  const once = async (path: string, body: unknown): Promise<unknown> => {
    const url = new URL(path.replace(/^\//, ''), base);
    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      const reason =
        error instanceof Error
          ? error.cause instanceof Error
            ? error.cause.message
            : error.message
          : String(error);
      throw new TesseraError('server_unreachable', `cannot reach Central at ${base.origin}: ${reason}`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      throw new TesseraError(
        'server_error',
        `Central answered ${response.status} with something that is not JSON`,
      );
    }
    if (response.ok) return parsed;
    const problem = (parsed ?? {}) as { code?: string; detail?: string; updates?: unknown };
    const code =
      typeof problem.code === 'string' ? problem.code : response.status >= 500 ? 'server_error' : 'refused';
    throw new TesseraError(code, problem.detail ?? `Central answered ${response.status}`, {
      status: response.status,
      ...(Array.isArray(problem.updates) ? { updates: problem.updates } : {}),
    });
  };

  const post = async <T>(path: string, body: unknown): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await once(path, body)) as T;
      } catch (error) {
        if (!(error instanceof TesseraError) || !RETRYABLE.has(error.code) || attempt >= 4) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
  };

  return {
    activate: (body: { ticket: string; context: string; licenses?: string[] }) =>
      post<GatewayAnswer>('/api/v1/gateway/activate', { ...body, channel: 'online' }),
    deactivate: (body: { ticket: string; context: string; licenses?: string[] }) =>
      post<GatewayAnswer>('/api/v1/gateway/deactivate', { ...body, channel: 'online' }),
    receipt: (receipt: string) =>
      post<GatewayAnswer>('/api/v1/gateway/receipt', { receipt, channel: 'online' }),
    updates: (context: string) =>
      post<GatewayAnswer>('/api/v1/gateway/updates', { context, channel: 'online' }),
    reactivate: (ticket: string, body: { context: string; lostSerial: string }) =>
      post<GatewayAnswer>(`/api/v1/tickets/${encodeURIComponent(ticket)}/reactivate`, {
        ...body,
        channel: 'online',
      }),
  };
};

export type CentralClient = ReturnType<typeof createCentralClient>;
