// Builders shared by the runtime store and binding tests: throw-away store homes and fake machines.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MachineFactors } from '../../src/binding/index.js';

/** A fresh, empty directory under the OS temp dir; remove it with `rm(dir, { recursive: true })`. */
export const aTempDirectory = (prefix = 'tessera-store-'): Promise<string> => mkdtemp(join(tmpdir(), prefix));

export const removeDirectory = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true });

/** A fake machine with the six default factors (threshold 4: up to two may change). */
export const aMachine = (overrides: Record<string, string> = {}): MachineFactors => ({
  'machine-id': '4c4c4544004a3510804ab4c04f4e3232',
  hostname: 'build-01',
  'mac-addresses': '3c:7c:3f:1d:22:08,a4:bb:6d:55:10:0e',
  cpu: 'AMD Ryzen 7 7840U w/ Radeon 780M Graphics x16',
  memory: '32 GiB',
  os: 'linux-x64',
  ...overrides,
});

/** The same machine with the first `count` factors (in name order) given other values. */
export const withChangedFactors = (factors: MachineFactors, count: number): MachineFactors => {
  const changed: Record<string, string> = { ...factors };
  for (const name of Object.keys(factors).sort().slice(0, count))
    changed[name] = `${factors[name]}-elsewhere`;
  return changed;
};

/** A changeable fake machine fingerprint: a FactorSource whose answer the test can swap. */
export const aFakeMachine = (initial: MachineFactors = aMachine()) => {
  let current: MachineFactors = initial;
  return {
    read: async () => ({ ...current }),
    become: (factors: MachineFactors) => {
      current = factors;
    },
  };
};
