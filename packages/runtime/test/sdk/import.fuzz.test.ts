// Mutated update files imported into a real container store: each is refused with a clear error and the
// container file is left exactly as it was (no partial write).

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fixedClock, isTesseraError } from '@tessera/core';
import { LocalContainers } from '@tessera/runtime';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedFactorSource } from '../../src/binding/index.js';
import { generateFirmKeyFiles, issueDevelopmentUpdate } from '../../src/vendor/dev-signer.js';
import { tempDir } from '../support/cli.js';

describe('importing mutated update files', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  afterAll(() => work.cleanup());
  let containers: LocalContainers;
  let serial: string;
  let update: string;

  beforeAll(async () => {
    work = await tempDir('tessera-fuzz-');
    const clock = fixedClock('2026-06-01T00:00:00.000Z');
    containers = new LocalContainers({
      home: work.dir,
      factors: fixedFactorSource({ a: '1', b: '2', c: '3' }),
      clock,
    });
    serial = (await containers.create('machine')).serial;
    const keys = generateFirmKeyFiles(6_000_010);
    const { text } = await containers.context(serial);
    update = issueDevelopmentUpdate({
      keyFile: keys.privateKeyFile,
      context: text,
      productCode: 42,
      clock,
    }).update;
  });

  it('refuses 500 random mutations and never writes the container', async () => {
    const file = path.join(work.dir, 'containers', `${serial}.tcnt`);
    const before = await readFile(file);
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.integer({ min: 33, max: 126 }),
        fc.constantFrom('replace', 'insert', 'delete'),
        async (at, code, kind) => {
          const i = at % update.length;
          const char = String.fromCharCode(code);
          const mutant =
            kind === 'replace'
              ? update.slice(0, i) + char + update.slice(i + 1)
              : kind === 'insert'
                ? update.slice(0, i) + char + update.slice(i)
                : update.slice(0, i) + update.slice(i + 1);
          fc.pre(mutant.trim() !== update.trim());
          const error = await containers.importUpdate(mutant).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(isTesseraError(error)).toBe(true);
          expect(await readFile(file)).toEqual(before);
        },
      ),
      { numRuns: 500 },
    );
    // The original still applies: the refusals did not damage the container.
    expect((await containers.importUpdate(update)).toFuc).toBe(1);
  });
});
