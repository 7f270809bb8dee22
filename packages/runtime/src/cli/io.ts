// Output and input for CLI commands: one place decides between human text and `--json`, writes files, and
// turns every error into one line and an exit code.

import { readFile, writeFile } from 'node:fs/promises';
import { isTesseraError, TesseraError } from '@tessera/core';
import { EXIT, exitCodeFor } from './exit-codes.js';

export interface GlobalOptions {
  json?: boolean;
  home?: string;
}

export interface Output {
  /** prints a result: `human` for people, `data` as one JSON document with --json */
  result(data: unknown, human: string | (() => string)): void;
}

export const createOutput = (
  options: GlobalOptions,
  stdout: NodeJS.WritableStream = process.stdout,
): Output => ({
  result(data, human) {
    if (options.json) stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    else {
      const text = typeof human === 'function' ? human() : human;
      if (text) stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    }
  },
});

export const readInput = async (file: string): Promise<string> => {
  try {
    if (file === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
      return Buffer.concat(chunks).toString('utf8');
    }
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TesseraError('file_not_found', `no such file: ${file}`);
    if (code === 'EISDIR') throw new TesseraError('invalid_input', `${file} is a directory`);
    throw new TesseraError('invalid_input', `cannot read ${file}: ${(error as Error).message}`);
  }
};

export const writeOutput = async (file: string, text: string, mode = 0o644): Promise<void> => {
  try {
    await writeFile(file, text, { mode });
  } catch (error) {
    throw new TesseraError('invalid_input', `cannot write ${file}: ${(error as Error).message}`);
  }
};

/** Reports an error as one line (or one JSON object) on stderr and returns the exit code. */
export const reportError = (
  error: unknown,
  options: GlobalOptions,
  stderr: NodeJS.WritableStream = process.stderr,
): number => {
  if (isTesseraError(error)) {
    if (options.json)
      stderr.write(
        `${JSON.stringify({ error: { code: error.code, message: error.message, details: error.details } })}\n`,
      );
    else stderr.write(`tessera: ${error.message} (${error.code})\n`);
    return exitCodeFor(error.code);
  }
  const message = error instanceof Error ? error.message : String(error);
  if (options.json) stderr.write(`${JSON.stringify({ error: { code: 'internal_error', message } })}\n`);
  else stderr.write(`tessera: unexpected error: ${message}\n`);
  return EXIT.internal;
};
