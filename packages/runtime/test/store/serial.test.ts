import { TesseraError } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { containerTypeOfSerial, formatSerial, isSerial, parseSerial } from '../../src/store/index.js';

describe('container serials', () => {
  it('parses a machine, a portable and a cloud serial into mask, number and type', () => {
    expect(parseSerial('130-412345678')).toEqual({
      serial: '130-412345678',
      mask: 130,
      number: 412345678,
      type: 'machine',
    });
    expect(parseSerial('3-100000000')).toMatchObject({ mask: 3, number: 100000000, type: 'portable' });
    expect(parseSerial('128-999999999')).toMatchObject({ mask: 128, number: 999999999, type: 'cloud' });
    expect(containerTypeOfSerial('3-523456789')).toBe('portable');
  });

  it.each([
    ['', 'empty'],
    ['130412345678', 'no dash'],
    ['130-12345678', 'eight digits'],
    ['130-1234567890', 'ten digits'],
    ['130-012345678', 'a leading zero'],
    ['131-412345678', 'an unknown mask'],
    ['0130-412345678', 'a padded mask'],
    [' 130-412345678', 'surrounding blanks'],
    ['../130-412345678', 'a path'],
    ['130-41234567a', 'a letter'],
  ])('refuses %j (%s) with invalid_serial', (value) => {
    expect(() => parseSerial(value)).toThrow(TesseraError);
    try {
      parseSerial(value);
    } catch (error) {
      expect(error).toMatchObject({ code: 'invalid_serial' });
    }
    expect(isSerial(value)).toBe(false);
  });

  it('formats a serial from a type and a nine-digit number, and refuses other numbers', () => {
    expect(formatSerial('machine', 412345678)).toBe('130-412345678');
    expect(formatSerial('portable', 100000000)).toBe('3-100000000');
    expect(() => formatSerial('machine', 99999999)).toThrow(
      expect.objectContaining({ code: 'invalid_serial' }),
    );
    expect(() => formatSerial('machine', 1.5e8 + 0.5)).toThrow(
      expect.objectContaining({ code: 'invalid_serial' }),
    );
  });
});
