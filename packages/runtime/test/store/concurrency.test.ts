import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lock } from 'proper-lockfile';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { machineFactorSource } from '../../src/binding/index.js';
import { createContainerStore } from '../../src/store/index.js';
import { aMachine, aTempDirectory, removeDirectory } from '../support/fixtures.js';
import { aPayloadState, type PayloadState } from '../support/payload-state.js';
import { killAllWriters, spawnWriter } from '../support/processes.js';

const INCREMENTS = 50;

let home: string;
let env: Record<string, string>;
beforeEach(async () => {
  home = await aTempDirectory();
  env = { TESSERA_MACHINE_FACTORS: join(home, 'machine.json') };
  await writeFile(join(home, 'machine.json'), JSON.stringify(aMachine()));
});
afterEach(async () => {
  killAllWriters();
  await removeDirectory(home);
});

const aStore = (waitMs?: number) =>
  createContainerStore<PayloadState>({
    home,
    factors: machineFactorSource(env),
    lock: waitMs === undefined ? {} : { waitMs },
  });

describe('processes sharing a store', () => {
  it.each(['portable', 'machine'] as const)(
    'lose no update when two of them increment the same %s container',
    async (type) => {
      const store = aStore();
      const { serial } = await store.create(type, () => aPayloadState(0));
      const started = Date.now() + 1_500;
      const writers = [0, 1].map(() =>
        spawnWriter(
          { home, serial, mode: 'increment', count: INCREMENTS, maxMs: 40_000, startAt: started },
          env,
        ),
      );
      const exits = await Promise.all(writers.map((writer) => writer.exited));
      const elapsedMs = Date.now() - started;
      expect(exits, writers.map((writer) => writer.stderr()).join('\n')).toEqual([
        { code: 0, signal: null },
        { code: 0, signal: null },
      ]);
      expect((await store.read(serial)).state.counter).toBe(2 * INCREMENTS);
      // Every value was written exactly once, by one writer or the other.
      const all = writers.flatMap((writer) => writer.written).sort((a, b) => a - b);
      expect(all).toEqual(Array.from({ length: 2 * INCREMENTS }, (_, index) => index + 1));
      // The writers really ran at the same time (each began before the other finished), so without the lock
      // their read-modify-write cycles would have overlapped. How often the lock changed hands is reported, not
      // asserted: the lock is not fair, and under load one writer may keep it for a long run.
      const [a, b] = writers;
      expect(Math.max(a?.startedAt() ?? 0, b?.startedAt() ?? 0)).toBeLessThan(
        Math.min(a?.doneAt() ?? 0, b?.doneAt() ?? 0),
      );
      const first = new Set(a?.written);
      const handovers = all.filter(
        (value, index) => index > 0 && first.has(value) !== first.has(all[index - 1] ?? 0),
      );
      console.info(
        `concurrency (${type}): ${2 * INCREMENTS} locked updates from two processes in ${elapsedMs} ms, ` +
          `${handovers.length} lock handovers between them`,
      );
    },
    60_000,
  );

  it('wait for a lock another live process holds, and give up with store_busy', async () => {
    const store = aStore(300);
    const { serial } = await store.create('portable', () => aPayloadState(0));
    const release = await lock(store.directory, { stale: 10_000 });
    try {
      const started = Date.now();
      await expect(
        store.update(serial, ({ state }) => aPayloadState(state.counter + 1)),
      ).rejects.toMatchObject({
        code: 'store_busy',
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    } finally {
      await release();
    }
    expect((await store.update(serial, ({ state }) => aPayloadState(state.counter + 1))).state.counter).toBe(
      1,
    );
  });

  it('take over a lock whose holder died long ago', async () => {
    const store = aStore(1_000);
    const { serial } = await store.create('portable', () => aPayloadState(0));
    // What a holder killed a minute ago leaves behind: the lock directory, no longer refreshed.
    await mkdir(`${store.directory}.lock`);
    const aMinuteAgo = new Date(Date.now() - 60_000);
    await utimes(`${store.directory}.lock`, aMinuteAgo, aMinuteAgo);
    expect((await store.update(serial, ({ state }) => aPayloadState(state.counter + 1))).state.counter).toBe(
      1,
    );
  });
});
