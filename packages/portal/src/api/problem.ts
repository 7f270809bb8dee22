// Turns what Central answers on failure (RFC 9457 problem+json) into sentences a person can act on. The
// `detail` the server writes is already meant for people; this adds the field a validation error names,
// words for the few codes whose detail is technical, and a fallback when Central could not be reached.

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  field?: string;
  requestId?: string;
  errors?: { field: string; message: string }[];
}

/** A failed API call: the problem, one human sentence, and per-field messages for forms. */
export class ApiError extends Error {
  readonly problem: Problem;
  readonly status: number;
  readonly fieldErrors: Record<string, string>;
  constructor(problem: Problem, status: number) {
    super(describeProblem(problem, status));
    this.name = 'ApiError';
    this.problem = problem;
    this.status = status;
    this.fieldErrors = fieldErrorsOf(problem);
  }
  get code(): string {
    return this.problem.code ?? 'unknown';
  }
}

/** Codes whose sentence reads better than the server's detail, or that need advice added. */
const SENTENCES: Record<string, string> = {
  unauthenticated: 'Your session has expired. Sign in again.',
  invalid_credentials: 'The e-mail address or password is not correct.',
  csrf_token_invalid: 'Your session could not be verified. Reload the page and try again.',
  insufficient_scope: 'Your API token does not allow this.',
  forbidden: 'You do not have permission to do this.',
  route_not_found: 'This part of the API does not exist on this server.',
  internal_error:
    'Something went wrong on the server. Try again; if it keeps failing, tell your administrator',
  conflict: 'Someone else changed this at the same time. Reload and try again.',
  concurrent_update: 'Someone else changed this at the same time. Try again.',
  payload_too_large: 'The file or request is too large (at most 1 MiB for most requests).',
  not_ready: 'Central cannot reach its database right now. Try again in a moment.',
};

/** "items.0.quantity" → "Item 1 › quantity"; "defaultOptions.featureMap" → "Default options › feature map". */
export const humanField = (field: string): string => {
  const parts: string[] = [];
  for (const part of field.split('.')) {
    const last = parts.length - 1;
    if (/^\d+$/.test(part) && last >= 0) {
      parts[last] = `${(parts[last] ?? '').replace(/s$/, '')} ${Number(part) + 1}`;
    } else {
      parts.push(part.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase());
    }
  }
  const text = parts.join(' › ');
  return text.charAt(0).toUpperCase() + text.slice(1);
};

const sentence = (text: string): string => {
  const trimmed = text.trim();
  if (trimmed === '') return trimmed;
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?)]$/.test(capital) ? capital : `${capital}.`;
};

/** The message of a validation error without its "field: " prefix (the form shows it next to the field). */
const messageOnly = (field: string, message: string): string =>
  message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;

export const fieldErrorsOf = (problem: Problem): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const error of problem.errors ?? []) {
    out[error.field] ??= sentence(messageOnly(error.field, error.message));
  }
  if (problem.field && out[problem.field] === undefined && problem.detail) {
    out[problem.field] = sentence(messageOnly(problem.field, problem.detail));
  }
  return out;
};

/** One sentence for a person; never a stack trace or a raw JSON body. */
export const describeProblem = (problem: Problem, status: number): string => {
  const code = problem.code;
  if (code === 'validation_failed' && problem.field) {
    const message = messageOnly(problem.field, problem.detail ?? 'is not valid');
    return sentence(`${humanField(problem.field)}: ${message}`);
  }
  if (code === 'internal_error') {
    const reference = problem.requestId ? ` (reference ${problem.requestId})` : '';
    return `${SENTENCES.internal_error}${reference}.`;
  }
  if (code !== undefined && SENTENCES[code] && !(problem.detail && KEEP_DETAIL.has(code))) {
    return SENTENCES[code] ?? '';
  }
  if (problem.detail) return sentence(problem.detail);
  if (problem.title) return sentence(problem.title);
  if (status === 0) return NETWORK_SENTENCE;
  return `The request failed (HTTP ${status}).`;
};

/** Codes whose server detail carries the specific reason (e.g. how long to wait), so it wins over ours. */
const KEEP_DETAIL = new Set(['forbidden', 'payload_too_large']);

export const NETWORK_SENTENCE = 'Central could not be reached. Check your network connection and try again.';

/** Anything thrown by a call → a sentence (ApiError, network failure, or a bug). */
export const errorSentence = (error: unknown): string => {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return NETWORK_SENTENCE;
  if (error instanceof Error && error.message) return sentence(error.message);
  return 'Something went wrong. Try again.';
};
