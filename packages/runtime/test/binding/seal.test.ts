import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TesseraError } from '@tessera/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bindingThreshold, matchBinding, sealKey } from '../../src/binding/index.js';
import { createContainerStore } from '../../src/store/index.js';
import {
  aFakeMachine,
  aMachine,
  aTempDirectory,
  removeDirectory,
  withChangedFactors,
} from '../support/fixtures.js';

const CONTEXT = '["tessera-container",1,"130-412345678","machine","2026-03-01T08:00:00.000Z"]';

describe('the binding threshold', () => {
  it('is a strict majority of the factors, and never fewer than two', () => {
    expect([2, 3, 4, 5, 6, 7, 8, 9].map(bindingThreshold)).toEqual([2, 2, 3, 3, 4, 4, 5, 5]);
  });
});

describe('sealing a data key to machine factors', () => {
  it('recovers the key on the same machine', async () => {
    const key = randomBytes(32);
    const binding = await sealKey(key, aMachine(), CONTEXT);
    const match = await matchBinding(binding, aMachine(), CONTEXT);
    expect(match).toMatchObject({ matched: 6, required: 4, total: 6, mismatched: [] });
    expect(Buffer.from(match.key ?? [])).toEqual(key);
  });

  it('recovers the key with up to two of six factors changed, and not with three', async () => {
    const key = randomBytes(32);
    const binding = await sealKey(key, aMachine(), CONTEXT);
    for (const changed of [1, 2]) {
      const match = await matchBinding(binding, withChangedFactors(aMachine(), changed), CONTEXT);
      expect(Buffer.from(match.key ?? []), `${changed} changed`).toEqual(key);
    }
    const refused = await matchBinding(binding, withChangedFactors(aMachine(), 3), CONTEXT);
    expect(refused).toMatchObject({ matched: 3, required: 4, total: 6, key: null });
    expect(refused.mismatched).toEqual(['cpu', 'hostname', 'mac-addresses']);
  });

  it('counts a factor this machine cannot read as a mismatch, and ignores factors it was not bound to', async () => {
    const binding = await sealKey(randomBytes(32), aMachine(), CONTEXT);
    const { 'machine-id': _gone, hostname: _alsoGone, ...rest } = aMachine();
    expect(await matchBinding(binding, rest, CONTEXT)).toMatchObject({
      matched: 4,
      mismatched: ['hostname', 'machine-id'],
    });
    const fewer = { memory: '32 GiB', os: 'linux-x64', cpu: 'x', 'gpu-0': 'extra', 'disk-0': 'extra' };
    expect(await matchBinding(binding, fewer, CONTEXT)).toMatchObject({ matched: 2, key: null });
  });

  it('does not open under another container’s context', async () => {
    const binding = await sealKey(randomBytes(32), aMachine(), CONTEXT);
    const other = CONTEXT.replace('412345678', '412345679');
    expect(await matchBinding(binding, aMachine(), other)).toMatchObject({ matched: 0, key: null });
  });

  it('refuses to seal to fewer than two factors with binding_unavailable', async () => {
    await expect(sealKey(randomBytes(32), { os: 'linux-x64' }, CONTEXT)).rejects.toMatchObject({
      code: 'binding_unavailable',
    });
  });

  it('refuses a factor name a container header could not carry, with machine_factors_invalid', async () => {
    await expect(
      sealKey(randomBytes(32), { ...aMachine(), 'GPU Model': 'x' }, CONTEXT),
    ).rejects.toMatchObject({
      code: 'machine_factors_invalid',
    });
  });

  it('writes neither a raw factor value nor a plain hash of one into the binding', async () => {
    const binding = JSON.stringify(await sealKey(randomBytes(32), aMachine(), CONTEXT));
    for (const value of Object.values(aMachine())) {
      expect(binding).not.toContain(value);
      for (const encoding of ['hex', 'base64url'] as const) {
        expect(binding).not.toContain(createHash('sha256').update(value).digest(encoding));
      }
    }
  });
});

describe('a machine container', () => {
  let home: string;
  beforeEach(async () => {
    home = await aTempDirectory();
  });
  afterEach(async () => {
    await removeDirectory(home);
  });

  it('still opens, and can be updated, on its machine with one factor changed', async () => {
    const machine = aFakeMachine();
    const store = createContainerStore<{ counter: number }>({ home, factors: machine });
    const { serial } = await store.create('machine', () => ({ counter: 0 }));
    machine.become(aMachine({ hostname: 'build-01-renamed' }));
    expect((await store.read(serial)).state).toEqual({ counter: 0 });
    expect((await store.update(serial, () => ({ counter: 1 }))).state).toEqual({ counter: 1 });
  });

  it('refuses to open with binding_mismatch when moved to a machine with more factors changed than tolerated', async () => {
    const machine = aFakeMachine();
    const store = createContainerStore<{ counter: number }>({ home, factors: machine });
    const { serial } = await store.create('machine', () => ({ counter: 0 }));
    const file = join(store.directory, `${serial}.tcnt`);
    const before = await readFile(file, 'utf8');
    const elsewhere = withChangedFactors(aMachine(), 3);
    machine.become(elsewhere);

    const error = await store.read(serial).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TesseraError);
    expect(error).toMatchObject({
      code: 'binding_mismatch',
      details: { serial, matched: 3, required: 4, total: 6 },
    });
    const reported = `${(error as TesseraError).message} ${JSON.stringify((error as TesseraError).details)}`;
    for (const value of [...Object.values(aMachine()), ...Object.values(elsewhere)]) {
      expect(reported).not.toContain(value);
    }
    await expect(store.update(serial, () => ({ counter: 1 }))).rejects.toMatchObject({
      code: 'binding_mismatch',
    });
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('keeps the binding of its creation across rewrites, so it cannot creep to another machine one change at a time', async () => {
    const machine = aFakeMachine();
    const store = createContainerStore<{ counter: number }>({ home, factors: machine });
    const { serial } = await store.create('machine', () => ({ counter: 0 }));
    machine.become(aMachine({ cpu: 'new cpu', memory: '64 GiB' }));
    await store.update(serial, () => ({ counter: 1 }));
    // Two more changes: within tolerance of the machine at the last write, but four away from the original.
    machine.become(aMachine({ cpu: 'new cpu', memory: '64 GiB', hostname: 'renamed', os: 'linux-arm64' }));
    await expect(store.read(serial)).rejects.toMatchObject({
      code: 'binding_mismatch',
      details: { matched: 2 },
    });
  });

  it('keeps no raw factor value and no per-container hash of one in its file', async () => {
    const store = createContainerStore({ home, factors: aFakeMachine() });
    const { serial } = await store.create('machine', () => ({ note: 'secret state' }));
    const text = await readFile(join(store.directory, `${serial}.tcnt`), 'utf8');
    const header = JSON.parse(text.slice(0, text.indexOf('\n'))) as { binding: { salt: string } };
    const salt = Buffer.from(header.binding.salt, 'base64url');
    expect(text).not.toContain('secret state');
    for (const [name, value] of Object.entries(aMachine())) {
      expect(text).not.toContain(value);
      const keyed = createHmac('sha256', salt).update(`${name}\u0000${value}`).digest();
      expect(text).not.toContain(keyed.toString('base64url'));
      expect(text).not.toContain(keyed.toString('hex'));
    }
  });
});
