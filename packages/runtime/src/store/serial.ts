// Container serials: `<mask>-<number>`, where the mask tells the container type and the number is a random
// nine-digit number. Parsing and formatting only; choosing a number that is unused in a store is the store's job.

import { TesseraError } from '@tessera/core';

/** A container serial that has been validated; never build one by casting, use parseSerial or formatSerial. */
export type Serial = string & { __brand: 'Serial' };

export type ContainerType = 'machine' | 'portable' | 'cloud';
/** The container types a local store holds; cloud containers live in Central. */
export type LocalContainerType = Exclude<ContainerType, 'cloud'>;

export const SERIAL_MASKS: Readonly<Record<ContainerType, number>> = {
  machine: 130,
  portable: 3,
  cloud: 128,
};

const TYPE_OF_MASK: ReadonlyMap<number, ContainerType> = new Map(
  Object.entries(SERIAL_MASKS).map(([type, mask]) => [mask, type as ContainerType]),
);

export const SERIAL_NUMBER_MIN = 100_000_000;
export const SERIAL_NUMBER_MAX = 999_999_999;

const SERIAL = /^(0|[1-9][0-9]{0,2})-([1-9][0-9]{8})$/;

export interface ParsedSerial {
  mask: number;
  number: number;
  type: ContainerType;
}

const invalid = (value: unknown, reason: string): TesseraError =>
  new TesseraError('invalid_serial', `"${String(value)}" is not a container serial: ${reason}`, {
    serial: String(value),
  });

export const parseSerial = (value: string): ParsedSerial & { serial: Serial } => {
  const match = typeof value === 'string' ? SERIAL.exec(value) : null;
  if (match === null) throw invalid(value, 'expected <mask>-<nine-digit number>, e.g. 130-412345678');
  const mask = Number(match[1]);
  const type = TYPE_OF_MASK.get(mask);
  if (type === undefined) throw invalid(value, `unknown mask ${mask} (130 machine, 3 portable, 128 cloud)`);
  return { serial: value as Serial, mask, number: Number(match[2]), type };
};

export const isSerial = (value: unknown): value is Serial => {
  if (typeof value !== 'string') return false;
  try {
    parseSerial(value);
    return true;
  } catch {
    return false;
  }
};

export const containerTypeOfSerial = (serial: Serial | string): ContainerType => parseSerial(serial).type;

export const formatSerial = (type: ContainerType, number: number): Serial => {
  if (!Number.isInteger(number) || number < SERIAL_NUMBER_MIN || number > SERIAL_NUMBER_MAX) {
    throw invalid(`${SERIAL_MASKS[type]}-${number}`, 'the number must have nine digits, the first not zero');
  }
  return `${SERIAL_MASKS[type]}-${number}` as Serial;
};
