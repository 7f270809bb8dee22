import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TesseraError } from '@tessera/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedFactorSource } from '../../src/binding/index.js';
import { type ContainerStore, createContainerStore, type LocalContainerType } from '../../src/store/index.js';
import { aMachine, aTempDirectory, removeDirectory } from '../support/fixtures.js';

// Every damaged file must come back as a TesseraError with one of these codes — never a JSON crash, a
// Shamir exception or, worst of all, a successful read of content that is not what was written.
const ACCEPTABLE: Record<LocalContainerType, readonly string[]> = {
  portable: ['container_corrupt'],
  machine: ['container_corrupt', 'binding_mismatch'],
};

let home: string;
let store: ContainerStore<{ counter: number; licences: string[] }>;
beforeEach(async () => {
  home = await aTempDirectory();
  store = createContainerStore({ home, factors: fixedFactorSource(aMachine()) });
});
afterEach(async () => {
  await removeDirectory(home);
});

const outcomeOf = async (serial: string): Promise<string> => {
  try {
    await store.read(serial);
    return 'opened';
  } catch (error) {
    if (error instanceof TesseraError) return error.code;
    return `crash: ${String(error)}`;
  }
};

const fileOf = (serial: string) => join(store.directory, `${serial}.tcnt`);

const aContainer = async (type: LocalContainerType) =>
  store.create(type, () => ({ counter: 7, licences: ['product 10', 'product 11'] }));

describe.each(['portable', 'machine'] as const)('a damaged %s container file', (type) => {
  it('is reported, not crashed on, when truncated at any length', async () => {
    const { serial } = await aContainer(type);
    const original = await readFile(fileOf(serial));
    const outcomes = new Map<string, number>();
    for (let length = 0; length < original.length; length += 1) {
      await writeFile(fileOf(serial), original.subarray(0, length));
      const outcome = await outcomeOf(serial);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    expect(
      [...outcomes.keys()].every((outcome) => ACCEPTABLE[type].includes(outcome)),
      [...outcomes].join(),
    ).toBe(true);
  });

  it('is reported, not crashed on or silently accepted, when any single bit of it flips', async () => {
    const { serial } = await aContainer(type);
    const original = await readFile(fileOf(serial));
    const outcomes = new Map<string, number>();
    for (let index = 0; index < original.length; index += 1) {
      const damaged = Buffer.from(original);
      damaged[index] = (damaged[index] ?? 0) ^ (1 << (index % 8));
      await writeFile(fileOf(serial), damaged);
      const outcome = await outcomeOf(serial);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    expect(
      [...outcomes.keys()].every((outcome) => ACCEPTABLE[type].includes(outcome)),
      [...outcomes].join(),
    ).toBe(true);
  });

  it('is container_corrupt when its header is swapped with another container’s', async () => {
    const first = await aContainer(type);
    const second = await aContainer(type);
    const [firstHeader, firstBody] = splitFile(await readFile(fileOf(first.serial), 'utf8'));
    const [secondHeader, secondBody] = splitFile(await readFile(fileOf(second.serial), 'utf8'));
    // The other header under this file name: it names another serial.
    await writeFile(fileOf(first.serial), `${secondHeader}\n${firstBody}\n`);
    expect(await outcomeOf(first.serial)).toBe('container_corrupt');
    // The header rewritten to this serial, over the other container's body.
    await writeFile(fileOf(first.serial), `${firstHeader}\n${secondBody}\n`);
    expect(await outcomeOf(first.serial)).toBe('container_corrupt');
    // The whole of the other file copied under this name.
    await writeFile(fileOf(first.serial), `${secondHeader}\n${secondBody}\n`);
    expect(await outcomeOf(first.serial)).toBe('container_corrupt');
  });
});

const splitFile = (text: string): [string, string] => {
  const newline = text.indexOf('\n');
  return [text.slice(0, newline), text.slice(newline + 1, -1)];
};

describe('a machine container whose binding was tampered with', () => {
  it('does not open with the binding of another container on the same machine', async () => {
    const first = await aContainer('machine');
    const second = await aContainer('machine');
    const [firstHeader, firstBody] = splitFile(await readFile(fileOf(first.serial), 'utf8'));
    const [secondHeader] = splitFile(await readFile(fileOf(second.serial), 'utf8'));
    const header = JSON.parse(firstHeader) as Record<string, unknown>;
    header['binding'] = (JSON.parse(secondHeader) as Record<string, unknown>)['binding'];
    await writeFile(fileOf(first.serial), `${JSON.stringify(header)}\n${firstBody}\n`);
    // The other container's shares are sealed to its own serial, so none of them decrypts here.
    expect(await outcomeOf(first.serial)).toBe('binding_mismatch');
  });

  it('is container_corrupt when its threshold is lowered', async () => {
    const { serial } = await aContainer('machine');
    const [headerLine, body] = splitFile(await readFile(fileOf(serial), 'utf8'));
    const header = JSON.parse(headerLine) as { binding: { threshold: number } };
    header.binding.threshold = 2;
    await writeFile(fileOf(serial), `${JSON.stringify(header)}\n${body}\n`);
    expect(await outcomeOf(serial)).toBe('container_corrupt');
  });

  it('is container_corrupt when shares are dropped and the threshold lowered to match', async () => {
    const { serial } = await aContainer('machine');
    const [headerLine, body] = splitFile(await readFile(fileOf(serial), 'utf8'));
    const header = JSON.parse(headerLine) as { binding: { threshold: number; shares: unknown[] } };
    header.binding.shares = header.binding.shares.slice(0, 4);
    header.binding.threshold = 3;
    await writeFile(fileOf(serial), `${JSON.stringify(header)}\n${body}\n`);
    expect(await outcomeOf(serial)).toBe('container_corrupt');
  });
});
