// Talks to `tessera agent` on the user's own machine (127.0.0.1): the local web-depot API that writes
// contexts and imports updates without files. The agent answers only allow-listed portal origins; a page
// from another origin (or no agent at all) gets a network failure, which the page turns into instructions.

export const DEFAULT_AGENT_URL = 'http://127.0.0.1:22350';
const STORAGE_KEY = 'tessera.agentUrl';

export interface AgentStatus {
  version: number;
  home: string | null;
  containers: number;
}

export interface AgentContainer {
  serial: string;
  type: string;
  openable: boolean;
  createdAt: string;
}

export interface AgentContext {
  serial: string;
  nonce: string;
  context: string;
}

export interface AgentImport {
  updateId: string;
  serial: string;
  firmCode: number;
  fromFuc: number;
  toFuc: number;
  changes: unknown[];
}

/** A failure of the agent: not reachable (no agent, or this origin is not allowed), or an error it reported. */
export class AgentError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'AgentError';
    this.code = code;
  }
}

/** "22350", "127.0.0.1:22350", "http://localhost:22350/" → an http origin on the loopback interface. */
export const normalizeAgentUrl = (input: string): string | null => {
  const text = input.trim();
  if (text === '') return null;
  const withScheme = /^\d+$/.test(text)
    ? `http://127.0.0.1:${text}`
    : /^https?:\/\//.test(text)
      ? text
      : `http://${text}`;
  try {
    const url = new URL(withScheme);
    if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost' && url.hostname !== '[::1]') return null;
    return url.origin;
  } catch {
    return null;
  }
};

export const savedAgentUrl = (): string => {
  try {
    return normalizeAgentUrl(localStorage.getItem(STORAGE_KEY) ?? '') ?? DEFAULT_AGENT_URL;
  } catch {
    return DEFAULT_AGENT_URL;
  }
};

export const saveAgentUrl = (url: string): void => {
  try {
    localStorage.setItem(STORAGE_KEY, url);
  } catch {
    // private mode: the URL is simply not remembered
  }
};

const request = async <T>(base: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      mode: 'cors',
      credentials: 'omit',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new AgentError(
      'agent_unreachable',
      `No tessera agent answered at ${base}, or it does not allow this portal (${window.location.origin}).`,
    );
  }
  const data: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (data as { error?: { code?: string; message?: string } } | null)?.error;
    throw new AgentError(
      error?.code ?? 'agent_error',
      error?.message ?? `The agent answered HTTP ${response.status}.`,
    );
  }
  return data as T;
};

export const agentClient = (base: string) => ({
  status: () => request<AgentStatus>(base, 'GET', '/v1/status'),
  containers: () => request<AgentContainer[]>(base, 'GET', '/v1/containers'),
  createContainer: (type: 'machine' | 'portable') =>
    request<{ serial: string; type: string }>(base, 'POST', '/v1/containers', { type }),
  context: (input: { serial: string; firmCodes?: number[]; receiptFor?: string }) =>
    request<AgentContext>(base, 'POST', '/v1/context', input),
  importUpdate: (input: { update: string; serial?: string; expectedNonce?: string }) =>
    request<AgentImport>(base, 'POST', '/v1/import', input),
});

export type AgentClient = ReturnType<typeof agentClient>;

/** The command a customer runs so this portal may use the agent. */
export const agentCommand = (origin: string, url: string): string => {
  const port = new URL(url).port;
  return `tessera agent --allow-origin ${origin}${port && port !== '22350' ? ` --port ${port}` : ''}`;
};
