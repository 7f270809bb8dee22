// Machine factors: the named values a machine container is bound to, and the source that reads them
// (pluggable providers, plus the TESSERA_MACHINE_FACTORS override for tests and diagnostics).
// It deliberately knows nothing about keys or files — sealing a key to factors lives in seal.ts.

import { readFile } from 'node:fs/promises';
import { TesseraError } from '@tessera/core';

/** Factor name → value. A factor that could not be read is simply absent. */
export type MachineFactors = Readonly<Record<string, string>>;

/** Reads one factor of the current machine; `null` when it cannot be read here. Must not throw. */
export interface FactorProvider {
  readonly name: string;
  read(): Promise<string | null>;
}

/** Where a container store gets the current machine's factors from. */
export interface FactorSource {
  read(): Promise<MachineFactors>;
}

/** Environment variable naming a JSON file `{ "<factor name>": "<value>" | null, … }` that overrides providers. */
export const MACHINE_FACTORS_ENV = 'TESSERA_MACHINE_FACTORS';

const FACTOR_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export const isFactorName = (name: string): boolean => FACTOR_NAME.test(name);

const normalise = (value: string | null | undefined): string | null => {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
};

/** Runs a provider and turns every failure into "absent": reading a machine must never crash the runtime. */
export const readProvider = async (provider: FactorProvider): Promise<string | null> => {
  try {
    return normalise(await provider.read());
  } catch {
    return null;
  }
};

/**
 * Reads the override file named by TESSERA_MACHINE_FACTORS. A value of `null` removes the factor (as if its
 * provider read nothing); names not produced by any provider are added. A broken override is an error, not a
 * silent fallback to the real machine — a test that thinks it simulates another machine must not quietly
 * run on this one.
 */
export const readFactorOverride = async (path: string): Promise<Readonly<Record<string, string | null>>> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new TesseraError(
      'machine_factors_invalid',
      `cannot read the machine factor override ${MACHINE_FACTORS_ENV}=${path}`,
      { path },
      { cause: error },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new TesseraError(
      'machine_factors_invalid',
      `the machine factor override ${path} is not valid JSON`,
      { path },
      { cause: error },
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TesseraError(
      'machine_factors_invalid',
      `the machine factor override ${path} must be a JSON object of factor name to string or null`,
      { path },
    );
  }
  const result: Record<string, string | null> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (!isFactorName(name)) {
      throw new TesseraError(
        'machine_factors_invalid',
        `the machine factor override ${path} names an invalid factor "${name}" (expected lower-case letters, digits, . _ -)`,
        { path, factor: name },
      );
    }
    if (value !== null && typeof value !== 'string') {
      throw new TesseraError(
        'machine_factors_invalid',
        `the machine factor override ${path} gives factor "${name}" a value that is neither a string nor null`,
        { path, factor: name },
      );
    }
    result[name] = value;
  }
  return result;
};

export interface FactorSourceOptions {
  providers: readonly FactorProvider[];
  /** Where TESSERA_MACHINE_FACTORS is read from; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Reads every provider (an overridden one is not even asked), then lays the TESSERA_MACHINE_FACTORS override on top. */
export const factorSource = ({ providers, env = process.env }: FactorSourceOptions): FactorSource => ({
  read: async () => {
    const overridePath = normalise(env[MACHINE_FACTORS_ENV]);
    const override = overridePath === null ? {} : await readFactorOverride(overridePath);
    const asked = providers.filter((provider) => !Object.hasOwn(override, provider.name));
    const values = await Promise.all(asked.map(readProvider));
    const factors: Record<string, string> = {};
    asked.forEach((provider, index) => {
      const value = values[index];
      if (typeof value === 'string') factors[provider.name] = value;
    });
    for (const [name, value] of Object.entries(override)) {
      const normalised = normalise(value);
      if (normalised !== null) factors[name] = normalised;
    }
    return factors;
  },
});

/** A fixed set of factors — the fake machine fingerprint for tests. */
export const fixedFactorSource = (factors: MachineFactors): FactorSource => {
  const copy: Record<string, string> = {};
  for (const [name, value] of Object.entries(factors)) {
    const normalised = normalise(value);
    if (normalised !== null) copy[name] = normalised;
  }
  return { read: async () => ({ ...copy }) };
};
