import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { machineFactorSource } from '../../src/binding/index.js';
import { createContainerStore, isTempFileName } from '../../src/store/index.js';
import { aMachine, aTempDirectory, removeDirectory } from '../support/fixtures.js';
import { aPayloadState, checkPayloadState, type PayloadState } from '../support/payload-state.js';
import { killAllWriters, spawnWriter } from '../support/processes.js';

const ROUNDS = 5;
const PAYLOAD_BYTES = 256 * 1024; // large enough that a kill often lands inside a write
const STALE_MS = 2_000;

let home: string;
beforeEach(async () => {
  home = await aTempDirectory();
});
afterEach(async () => {
  killAllWriters();
  await removeDirectory(home);
});

describe('a container written by a process that is killed', () => {
  it('always reads as a complete old or new state, and the next writer takes over the dead writer’s lock', async () => {
    const factorsFile = join(home, 'machine.json');
    await writeFile(factorsFile, JSON.stringify(aMachine()));
    const env = { TESSERA_MACHINE_FACTORS: factorsFile };
    const store = createContainerStore<PayloadState>({
      home,
      factors: machineFactorSource(env),
      lock: { staleMs: STALE_MS },
    });
    const { serial } = await store.create('machine', () => aPayloadState(0, PAYLOAD_BYTES));

    let lastRead = 0;
    let concurrentReads = 0;
    let killsLeavingTempFile = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const writer = spawnWriter(
        { home, serial, mode: 'loop', staleMs: STALE_MS, payloadBytes: PAYLOAD_BYTES, maxMs: 20_000 },
        env,
      );
      await writer.progress(3);
      // Read alongside the writer for a while (readers take no lock), then kill it at an arbitrary moment.
      const until = Date.now() + 40 + ((round * 37) % 160);
      while (Date.now() < until) {
        const { state } = await store.read(serial);
        checkPayloadState(state);
        expect(state.counter).toBeGreaterThanOrEqual(lastRead);
        lastRead = state.counter;
        concurrentReads += 1;
      }
      writer.child.kill('SIGKILL');
      expect((await writer.exited).signal).toBe('SIGKILL');

      const { state } = await store.read(serial);
      checkPayloadState(state);
      const lastReported = writer.written.at(-1) ?? 0;
      // Killed after the rename but before it printed: the new state. Killed earlier: the old one.
      expect([lastReported, lastReported + 1]).toContain(state.counter);
      lastRead = state.counter;
      if ((await readdir(store.directory)).some(isTempFileName)) killsLeavingTempFile += 1;
    }

    const started = Date.now();
    const next = await store.update(serial, ({ state }) => aPayloadState(state.counter + 1, 64));
    const waitedMs = Date.now() - started;
    expect(next.state.counter).toBe(lastRead + 1);
    expect((await readdir(store.directory)).filter(isTempFileName)).toEqual([]);
    expect(waitedMs).toBeLessThan(STALE_MS + 3_000);
    console.info(
      `crash safety: ${ROUNDS} kills, ${lastRead} writes, ${concurrentReads} concurrent reads all complete, ` +
        `${killsLeavingTempFile} kills left a temporary file, next writer waited ${waitedMs} ms for the stale lock`,
    );
  }, 60_000);
});
