import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixedClock, TesseraError } from '@tessera/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedFactorSource } from '../../src/binding/index.js';
import { createContainerStore, parseSerial } from '../../src/store/index.js';
import { aMachine, aTempDirectory, removeDirectory } from '../support/fixtures.js';

interface CounterState {
  counter: number;
  note: string;
}

let home: string;
beforeEach(async () => {
  home = await aTempDirectory();
});
afterEach(async () => {
  await removeDirectory(home);
});

const aStore = (options: Partial<Parameters<typeof createContainerStore<CounterState>>[0]> = {}) =>
  createContainerStore<CounterState>({
    home,
    factors: fixedFactorSource(aMachine()),
    clock: fixedClock('2026-03-01T08:00:00Z'),
    ...options,
  });

const codeOf = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TesseraError) return error.code;
    throw error;
  }
  throw new Error('expected a TesseraError, but the call succeeded');
};

describe.each(['machine', 'portable'] as const)('a %s container', (type) => {
  it('reads back exactly what was created, and then what was updated', async () => {
    const store = aStore();
    const created = await store.create(type, (serial) => ({ counter: 0, note: `made for ${serial}` }));
    expect(parseSerial(created.serial).type).toBe(type);
    expect(created).toMatchObject({ type, createdAt: '2026-03-01T08:00:00.000Z' });
    expect(created.state).toEqual({ counter: 0, note: `made for ${created.serial}` });
    expect(await store.read(created.serial)).toEqual(created);

    const updated = await store.update(created.serial, (record) => ({ ...record.state, counter: 41 + 1 }));
    expect(updated).toEqual({ ...created, state: { counter: 42, note: created.state.note } });
    expect(await aStore().read(created.serial)).toEqual(updated);
  });

  it('holds its own Ed25519 key pair as raw base64url keys that sign and verify', async () => {
    const { keys } = await aStore().create(type, () => ({ counter: 0, note: '' }));
    expect(Buffer.from(keys.publicKey, 'base64url')).toHaveLength(32);
    expect(Buffer.from(keys.privateKey, 'base64url')).toHaveLength(32);
    const privateKey = createPrivateKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: keys.publicKey, d: keys.privateKey },
      format: 'jwk',
    });
    const publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: keys.publicKey },
      format: 'jwk',
    });
    const message = Buffer.from('context');
    expect(verify(null, message, publicKey, sign(null, message, privateKey))).toBe(true);
  });

  it('writes its file with mode 0600 inside a 0700 directory, and keeps 0600 across updates', async () => {
    const store = aStore({ home: join(home, 'nested', 'home') });
    const { serial } = await store.create(type, () => ({ counter: 0, note: '' }));
    await store.update(serial, (record) => ({ ...record.state, counter: 1 }));
    const file = join(store.directory, `${serial}.tcnt`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(store.directory)).mode & 0o777).toBe(0o700);
    expect((await stat(store.home)).mode & 0o777).toBe(0o700);
  });

  it('writes nothing when the change throws', async () => {
    const store = aStore();
    const { serial } = await store.create(type, () => ({ counter: 5, note: '' }));
    const before = await readFile(join(store.directory, `${serial}.tcnt`), 'utf8');
    await expect(
      store.update(serial, () => {
        throw new Error('the update was refused');
      }),
    ).rejects.toThrow('the update was refused');
    expect(await readFile(join(store.directory, `${serial}.tcnt`), 'utf8')).toBe(before);
    expect((await store.read(serial)).state.counter).toBe(5);
  });

  it('removes it, after which it is not found', async () => {
    const store = aStore();
    const { serial } = await store.create(type, () => ({ counter: 0, note: '' }));
    await store.remove(serial);
    expect(await codeOf(store.read(serial))).toBe('container_not_found');
    expect(await codeOf(store.remove(serial))).toBe('container_not_found');
    expect(await store.list()).toEqual([]);
  });
});

describe('the container store', () => {
  it('lists its containers with type, creation time and whether this machine can open them', async () => {
    const factors = { current: aMachine() };
    const store = aStore({ factors: { read: async () => factors.current } });
    const machine = await store.create('machine', () => ({ counter: 0, note: '' }));
    const portable = await store.create('portable', () => ({ counter: 0, note: '' }));
    const summaries = await store.list();
    expect(summaries).toHaveLength(2);
    expect(summaries).toEqual(
      expect.arrayContaining([
        {
          serial: machine.serial,
          type: 'machine',
          createdAt: machine.createdAt,
          openable: true,
          problem: null,
        },
        {
          serial: portable.serial,
          type: 'portable',
          createdAt: portable.createdAt,
          openable: true,
          problem: null,
        },
      ]),
    );

    factors.current = aMachine({ 'machine-id': 'other', hostname: 'other', 'mac-addresses': 'other' });
    expect(await store.list()).toEqual(
      expect.arrayContaining([
        {
          serial: machine.serial,
          type: 'machine',
          createdAt: machine.createdAt,
          openable: false,
          problem: 'binding_mismatch',
        },
        {
          serial: portable.serial,
          type: 'portable',
          createdAt: portable.createdAt,
          openable: true,
          problem: null,
        },
      ]),
    );
  });

  it('lists a damaged file as not openable instead of failing the whole list', async () => {
    const store = aStore();
    const { serial } = await store.create('portable', () => ({ counter: 0, note: '' }));
    await writeFile(join(store.directory, `${serial}.tcnt`), '{"format":"tessera-con');
    expect(await store.list()).toEqual([
      { serial, type: 'portable', createdAt: null, openable: false, problem: 'container_corrupt' },
    ]);
  });

  it('answers an empty list and container_not_found before anything was created, without creating directories', async () => {
    const store = aStore({ home: join(home, 'never-created') });
    expect(await store.list()).toEqual([]);
    expect(await codeOf(store.read('130-412345678'))).toBe('container_not_found');
    expect(await codeOf(store.update('130-412345678', (record) => record.state))).toBe('container_not_found');
    expect(await readdir(home)).toEqual([]);
  });

  it('refuses malformed serials with invalid_serial before touching the disk', async () => {
    const store = aStore();
    expect(await codeOf(store.read('../../etc/passwd'))).toBe('invalid_serial');
    expect(await codeOf(store.update('130-1', (record) => record.state))).toBe('invalid_serial');
    expect(await codeOf(store.remove('x'))).toBe('invalid_serial');
  });

  it('refuses to create a cloud container: Central holds those', async () => {
    const store = createContainerStore({ home, factors: fixedFactorSource(aMachine()) });
    expect(await codeOf(store.create('cloud' as 'machine', () => ({})))).toBe('invalid_container_type');
  });

  it('gives every container a nine-digit number not used by any container in the store, whatever its type', async () => {
    const draws = [412345678, 412345678, 523456789, 412345678, 523456789, 634567890];
    const store = aStore({
      random: {
        int: (min, max) => {
          const next = draws.shift();
          if (next === undefined || next < min || next > max) throw new Error('test ran out of draws');
          return next;
        },
      },
    });
    const first = await store.create('machine', () => ({ counter: 0, note: '' }));
    const second = await store.create('portable', () => ({ counter: 0, note: '' }));
    const third = await store.create('portable', () => ({ counter: 0, note: '' }));
    expect([first.serial, second.serial, third.serial]).toEqual([
      '130-412345678',
      '3-523456789',
      '3-634567890',
    ]);
  });

  it('answers serial_unavailable rather than looping forever when the random source keeps repeating a used number', async () => {
    const store = aStore({ random: { int: () => 412345678 } });
    await store.create('portable', () => ({ counter: 0, note: '' }));
    expect(await codeOf(store.create('portable', () => ({ counter: 0, note: '' })))).toBe(
      'serial_unavailable',
    );
  });

  it('returns the state as stored JSON keeps it, and refuses a state JSON cannot hold', async () => {
    const store = createContainerStore<Record<string, unknown>>({
      home,
      factors: fixedFactorSource(aMachine()),
    });
    const created = await store.create('portable', () => ({
      at: new Date('2026-01-01T00:00:00Z'),
      gone: undefined,
    }));
    expect(created.state).toEqual({ at: '2026-01-01T00:00:00.000Z' });
    expect(await codeOf(store.update(created.serial, () => ({ big: 1n })))).toBe('invalid_container_state');
    expect(
      await codeOf(store.update(created.serial, () => undefined as unknown as Record<string, unknown>)),
    ).toBe('invalid_container_state');
    expect((await store.read(created.serial)).state).toEqual({ at: '2026-01-01T00:00:00.000Z' });
  });

  it('reports a stored state that its parser rejects as container_corrupt', async () => {
    const loose = createContainerStore<unknown>({ home, factors: fixedFactorSource(aMachine()) });
    const { serial } = await loose.create('machine', () => ({ counter: 'three' }));
    const strict = createContainerStore<CounterState>({
      home,
      factors: fixedFactorSource(aMachine()),
      parseState: (value) => {
        if (typeof (value as CounterState).counter !== 'number') throw new Error('counter must be a number');
        return value as CounterState;
      },
    });
    expect(await codeOf(strict.read(serial))).toBe('container_corrupt');
  });

  it('ignores temporary files a killed writer left behind, and the next write removes them', async () => {
    const store = aStore();
    const { serial } = await store.create('portable', () => ({ counter: 0, note: '' }));
    const leftover = join(store.directory, `.${serial}.tcnt.4242.a1b2c3d4e5f6.tmp`);
    await writeFile(leftover, '{"format":"tessera-container","ver');
    await writeFile(join(store.directory, 'README.txt'), 'not a container');
    expect((await store.list()).map((summary) => summary.serial)).toEqual([serial]);
    expect((await store.read(serial)).state.counter).toBe(0);
    await store.update(serial, (record) => ({ ...record.state, counter: 1 }));
    expect((await readdir(store.directory)).sort()).toEqual([`${serial}.tcnt`, 'README.txt'].sort());
  });

  it('serialises concurrent updates within one process: none is lost', async () => {
    const store = aStore();
    const { serial } = await store.create('machine', () => ({ counter: 0, note: '' }));
    await Promise.all(
      Array.from({ length: 25 }, () =>
        store.update(serial, (record) => ({ ...record.state, counter: record.state.counter + 1 })),
      ),
    );
    expect((await store.read(serial)).state.counter).toBe(25);
  });
});
