// The one family of typed errors every Tessera package raises. Each carries a stable, machine-readable
// `code` (snake_case, never renamed once published): Central maps codes to problem+json, the CLI to exit
// codes and one-line messages. It is deliberately not tied to HTTP statuses — that mapping lives at the edge.

export type ErrorDetails = Readonly<Record<string, unknown>>;

export class TesseraError extends Error {
  readonly code: string;
  readonly details: ErrorDetails;

  constructor(code: string, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TesseraError';
    this.code = code;
    this.details = details;
  }
}

export const isTesseraError = (value: unknown): value is TesseraError => value instanceof TesseraError;
