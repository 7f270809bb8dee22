// Runs the real `tessera` binary (built output) in a child process with its own store.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const TESSERA_BIN = path.resolve(here, '../../bin/tessera.js');
const FAKE_CLOCK = path.resolve(here, 'fake-clock.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: <T = unknown>() => T;
}

export interface CliEnv {
  home: string;
  env?: Record<string, string>;
  clockOffsetMs?: number;
  stdin?: string;
}

export const runCli = (args: string[], options: CliEnv): Promise<CliResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', FAKE_CLOCK, TESSERA_BIN, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        TESSERA_HOME: options.home,
        TESSERA_TEST_CLOCK_OFFSET_MS: String(options.clockOffsetMs ?? 0),
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? -1, stdout, stderr, json: <T>() => JSON.parse(stdout) as T }),
    );
    child.stdin.end(options.stdin ?? '');
  });

export const tempDir = async (prefix: string) => {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
};
