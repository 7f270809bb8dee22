// The container store: one directory of `<serial>.tcnt` files holding this machine's machine and portable
// containers. It creates, lists, reads, updates and removes them with atomic writes under the store lock.
// It does not interpret a container's protocol state (packages/core does) and does not decide policy.

import { randomBytes, randomInt } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Clock, systemClock, TesseraError } from '@tessera/core';
import {
  type FactorSource,
  type MachineFactors,
  machineFactorSource,
  matchBinding,
  sealKey,
} from '../binding/index.js';
import { fsyncDirectory, removeTempFiles, writeFileAtomic } from './atomic-file.js';
import {
  bindingContext,
  bindingMismatchError,
  CONTAINER_FILE_EXTENSION,
  type ContainerFile,
  type ContainerKeys,
  type ContainerRecord,
  containerCorrupt,
  encodeMachineContainer,
  encodePortableContainer,
  headerFieldsFor,
  type MachineHeader,
  openMachineContainer,
  openPortableContainer,
  parseContainerFile,
} from './container-file.js';
import { containersDirectory, resolveStoreHome } from './home.js';
import { generateContainerKeys } from './keys.js';
import { type StoreLockOptions, withStoreLock } from './lock.js';
import {
  type ContainerType,
  formatSerial,
  type LocalContainerType,
  parseSerial,
  SERIAL_NUMBER_MAX,
  SERIAL_NUMBER_MIN,
  type Serial,
} from './serial.js';

/** Randomness for serial numbers; injected so tests can force collisions. Keys and nonces always use the CSPRNG. */
export interface RandomSource {
  /** A uniformly random integer in [min, max]. */
  int(min: number, max: number): number;
}

export const cryptoRandom: RandomSource = { int: (min, max) => randomInt(min, max + 1) };

export type ContainerProblem = 'binding_mismatch' | 'container_corrupt';

export interface ContainerSummary {
  serial: Serial;
  type: ContainerType;
  /** Null only when the file is too damaged to tell. */
  createdAt: string | null;
  /** True when this machine can open the container (binding matches, file intact). */
  openable: boolean;
  problem: ContainerProblem | null;
}

export interface ContainerStoreOptions<TState> {
  /** The store directory; defaults to TESSERA_HOME or the OS convention (resolveStoreHome). */
  home?: string;
  /** The current machine's factors; defaults to the built-in providers plus TESSERA_MACHINE_FACTORS. */
  factors?: FactorSource;
  clock?: Clock;
  random?: RandomSource;
  lock?: StoreLockOptions;
  /** Validates a stored state on every read (e.g. a schema from packages/core); throwing marks the file corrupt. */
  parseState?: (value: unknown) => TState;
}

export type InitialState<TState> = (serial: Serial, keys: ContainerKeys) => TState | Promise<TState>;
export type StateChange<TState> = (record: ContainerRecord<TState>) => TState | Promise<TState>;

export interface ContainerStore<TState> {
  readonly home: string;
  readonly directory: string;
  create(type: LocalContainerType, initialState: InitialState<TState>): Promise<ContainerRecord<TState>>;
  list(): Promise<ContainerSummary[]>;
  /** Errors: invalid_serial, container_not_found, binding_mismatch, container_corrupt. */
  read(serial: string): Promise<ContainerRecord<TState>>;
  /** Re-reads under the lock, applies `change`, writes atomically. If `change` throws, nothing is written. */
  update(serial: string, change: StateChange<TState>): Promise<ContainerRecord<TState>>;
  remove(serial: string): Promise<void>;
}

type Opened<TState> =
  | { kind: 'portable'; record: ContainerRecord<TState> }
  | { kind: 'machine'; record: ContainerRecord<TState>; header: MachineHeader; dataKey: Uint8Array };

const SERIAL_ATTEMPTS = 1_000;
const IV_BYTES = 12;
const DATA_KEY_BYTES = 32;

const isNotFound = (error: unknown): boolean => (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';

export const createContainerStore = <TState = unknown>(
  options: ContainerStoreOptions<TState> = {},
): ContainerStore<TState> => {
  const home = options.home ?? resolveStoreHome();
  const directory = containersDirectory(home);
  const factorSource = options.factors ?? machineFactorSource();
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom;
  const lockOptions = options.lock ?? {};
  const parseState = options.parseState ?? ((value: unknown) => value as TState);

  const pathOf = (serial: Serial): string => join(directory, `${serial}${CONTAINER_FILE_EXTENSION}`);

  const notFound = (serial: string): TesseraError =>
    new TesseraError('container_not_found', `there is no container ${serial} in ${directory}`, { serial });

  const ensureDirectory = async (): Promise<void> => {
    const created = await mkdir(directory, { recursive: true, mode: 0o700 });
    if (created === undefined) return;
    // Every directory mkdir made (from `created` down) is ours: make it 0700 whatever the umask says.
    for (let dir = directory; ; dir = dirname(dir)) {
      await chmod(dir, 0o700);
      if (dir === created || dirname(dir) === dir) break;
    }
  };

  const directoryExists = async (): Promise<boolean> => {
    try {
      return (await stat(directory)).isDirectory();
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  };

  const serialsOnDisk = async (): Promise<Serial[]> => {
    let names: string[];
    try {
      names = await readdir(directory);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    const serials: Serial[] = [];
    for (const name of names) {
      if (!name.endsWith(CONTAINER_FILE_EXTENSION)) continue;
      try {
        serials.push(parseSerial(name.slice(0, -CONTAINER_FILE_EXTENSION.length)).serial);
      } catch {
        // not a container file (a stray file in the directory); ignored like temporary files
      }
    }
    return serials.sort();
  };

  const loadFile = async (serial: Serial): Promise<ContainerFile> => {
    let text: string;
    try {
      text = await readFile(pathOf(serial), 'utf8');
    } catch (error) {
      if (isNotFound(error)) throw notFound(serial);
      throw error;
    }
    return parseContainerFile(text, serial);
  };

  const typedRecord = (record: ContainerRecord<unknown>): ContainerRecord<TState> => {
    let state: TState;
    try {
      state = parseState(record.state);
    } catch (error) {
      throw containerCorrupt(record.serial, 'the stored state is not valid', error);
    }
    return { ...record, state };
  };

  const openFile = async (
    { header, body }: ContainerFile,
    factors: () => Promise<MachineFactors>,
  ): Promise<Opened<TState>> => {
    if (header.type === 'portable') {
      return { kind: 'portable', record: typedRecord(openPortableContainer({ header, body })) };
    }
    const match = await matchBinding(header.binding, await factors(), bindingContext(header));
    if (match.key === null) throw bindingMismatchError(header.serial, match);
    const record = typedRecord(openMachineContainer({ header, body }, match.key));
    return { kind: 'machine', record, header, dataKey: match.key };
  };

  /** Once per operation: providers may spawn system tools, and one answer keeps an operation consistent. */
  const lazyFactors = (): (() => Promise<MachineFactors>) => {
    let factors: Promise<MachineFactors> | undefined;
    return () => {
      factors ??= factorSource.read();
      return factors;
    };
  };

  /** The record as a reader will see it after the write: what JSON keeps of the state, validated. */
  const asStored = (record: ContainerRecord<TState>): ContainerRecord<TState> =>
    typedRecord({
      ...record,
      keys: { ...record.keys },
      state: JSON.parse(JSON.stringify(record.state)) as unknown,
    });

  const newSerial = async (type: LocalContainerType): Promise<Serial> => {
    // Unique by number, not only by serial, so a number never names two containers of different types.
    const taken = new Set((await serialsOnDisk()).map((serial) => parseSerial(serial).number));
    for (let attempt = 0; attempt < SERIAL_ATTEMPTS; attempt += 1) {
      const number = random.int(SERIAL_NUMBER_MIN, SERIAL_NUMBER_MAX);
      if (!taken.has(number)) return formatSerial(type, number);
    }
    throw new TesseraError(
      'serial_unavailable',
      `found no unused serial number in ${SERIAL_ATTEMPTS} attempts`,
      {
        attempts: SERIAL_ATTEMPTS,
      },
    );
  };

  const create: ContainerStore<TState>['create'] = async (type, initialState) => {
    if (type !== 'machine' && type !== 'portable') {
      throw new TesseraError(
        'invalid_container_type',
        `a local store holds machine or portable containers, not ${String(type)}`,
        {
          type: String(type),
        },
      );
    }
    // Read the factors before taking the lock: a provider may spawn a system tool.
    const factors = type === 'machine' ? await factorSource.read() : null;
    await ensureDirectory();
    return withStoreLock(directory, lockOptions, async (guard) => {
      await removeTempFiles(directory);
      const serial = await newSerial(type);
      const keys = generateContainerKeys();
      const createdAt = clock.now().toISOString();
      const record: ContainerRecord<TState> = {
        serial,
        type,
        createdAt,
        keys,
        state: await initialState(serial, keys),
      };
      let text: string;
      if (factors === null) {
        text = encodePortableContainer(record);
      } else {
        const dataKey = randomBytes(DATA_KEY_BYTES);
        const binding = await sealKey(
          dataKey,
          factors,
          bindingContext(headerFieldsFor(serial, type, createdAt)),
        );
        text = encodeMachineContainer(record, dataKey, binding, randomBytes(IV_BYTES));
      }
      await writeFileAtomic(pathOf(serial), text, { beforeCommit: guard.assertHeld });
      return asStored(record);
    });
  };

  const list: ContainerStore<TState>['list'] = async () => {
    const factors = lazyFactors();
    const summaries: ContainerSummary[] = [];
    for (const serial of await serialsOnDisk()) {
      let file: ContainerFile;
      try {
        file = await loadFile(serial);
      } catch (error) {
        if (error instanceof TesseraError && error.code === 'container_not_found') continue; // removed meanwhile
        if (error instanceof TesseraError && error.code === 'container_corrupt') {
          const type = parseSerial(serial).type;
          summaries.push({ serial, type, createdAt: null, openable: false, problem: 'container_corrupt' });
          continue;
        }
        throw error;
      }
      const { type, createdAt } = file.header;
      try {
        await openFile(file, factors);
        summaries.push({ serial, type, createdAt, openable: true, problem: null });
      } catch (error) {
        if (
          error instanceof TesseraError &&
          (error.code === 'binding_mismatch' || error.code === 'container_corrupt')
        ) {
          summaries.push({ serial, type, createdAt, openable: false, problem: error.code });
          continue;
        }
        throw error;
      }
    }
    return summaries;
  };

  const read: ContainerStore<TState>['read'] = async (input) => {
    const { serial } = parseSerial(input);
    return (await openFile(await loadFile(serial), lazyFactors())).record;
  };

  const update: ContainerStore<TState>['update'] = async (input, change) => {
    const { serial } = parseSerial(input);
    if (!(await directoryExists())) throw notFound(serial);
    return withStoreLock(directory, lockOptions, async (guard) => {
      await removeTempFiles(directory);
      const opened = await openFile(await loadFile(serial), lazyFactors());
      const next: ContainerRecord<TState> = { ...opened.record, state: await change(opened.record) };
      // A machine container keeps its data key and binding: rewriting never re-binds it to the factors of the
      // moment, so a container cannot creep to another machine one tolerated change at a time.
      const text =
        opened.kind === 'machine'
          ? encodeMachineContainer(next, opened.dataKey, opened.header.binding, randomBytes(IV_BYTES))
          : encodePortableContainer(next);
      await writeFileAtomic(pathOf(serial), text, { beforeCommit: guard.assertHeld });
      return asStored(next);
    });
  };

  const remove: ContainerStore<TState>['remove'] = async (input) => {
    const { serial } = parseSerial(input);
    if (!(await directoryExists())) throw notFound(serial);
    await withStoreLock(directory, lockOptions, async () => {
      await removeTempFiles(directory);
      try {
        await unlink(pathOf(serial));
      } catch (error) {
        if (isNotFound(error)) throw notFound(serial);
        throw error;
      }
      await fsyncDirectory(directory);
    });
  };

  return { home, directory, create, list, read, update, remove };
};
