// Spawns the writer child process and keeps track of every child, so afterEach can kill what is left.

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPOSITORY = fileURLToPath(new URL('../../../../', import.meta.url));
const WRITER = fileURLToPath(new URL('./writer-process.ts', import.meta.url));

export interface Writer {
  child: ChildProcess;
  /** Counter values the writer reports as written, in order. */
  written: number[];
  /** When (epoch ms) the writer began its first update and finished its last, once reported. */
  startedAt: () => number | null;
  doneAt: () => number | null;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the writer has reported `count` writes (rejects if it exits first). */
  progress(count: number): Promise<void>;
}

const running = new Set<ChildProcess>();

export const spawnWriter = (args: Record<string, unknown>, env: Record<string, string> = {}): Writer => {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, JSON.stringify(args)], {
    cwd: REPOSITORY,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const written: number[] = [];
  let errors = '';
  let startedAt: number | null = null;
  let doneAt: number | null = null;
  let buffered = '';
  const waiters: Array<{ count: number; resolve: () => void; reject: (error: Error) => void }> = [];
  const settle = () => {
    for (const waiter of [...waiters]) {
      if (written.length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const [word, value] = line.trim().split(' ');
      if (word === 'start') startedAt = Number(value);
      else if (word === 'done') doneAt = Number(value);
      else if (word !== undefined && word !== '') written.push(Number(word));
    }
    settle();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    errors += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      running.delete(child);
      for (const waiter of waiters.splice(0)) {
        waiter.reject(
          new Error(`writer exited (${code ?? signal}) after ${written.length} writes: ${errors}`),
        );
      }
      resolve({ code, signal });
    });
  });
  return {
    child,
    written,
    startedAt: () => startedAt,
    doneAt: () => doneAt,
    stderr: () => errors,
    exited,
    progress: (count) =>
      new Promise((resolve, reject) => {
        waiters.push({ count, resolve, reject });
        settle();
      }),
  };
};

export const killAllWriters = (): void => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
};
