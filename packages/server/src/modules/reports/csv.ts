// RFC 4180 CSV for report exports: a header row, CRLF line ends, fields quoted when they hold a comma, quote,
// CR or LF (quotes doubled). Cells a spreadsheet would run as a formula (leading = + - @, tab or CR) get a
// leading apostrophe, so an exported ticket note or group name cannot execute in Excel or LibreOffice
// (OWASP "CSV injection"). Numbers are written as they are: only text can carry a formula.

import { Readable } from 'node:stream';

export type CsvValue = string | number | boolean | null | undefined;

export interface CsvColumn<Row> {
  header: string;
  value: (row: Row) => CsvValue;
}

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export const csvCell = (value: CsvValue): string => {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export const csvLine = (cells: readonly CsvValue[]): string => `${cells.map(csvCell).join(',')}\r\n`;

export const csvHeader = <Row>(columns: readonly CsvColumn<Row>[]): string =>
  csvLine(columns.map((column) => column.header));

export const csvRow = <Row>(columns: readonly CsvColumn<Row>[], row: Row): string =>
  csvLine(columns.map((column) => column.value(row)));

/**
 * A CSV document as a stream: the header, then every row the batches yield, fetched lazily so a large export
 * never sits in memory whole. Lines are grouped into chunks to keep the number of writes small.
 */
export const csvStream = <Row>(columns: readonly CsvColumn<Row>[], batches: AsyncIterable<Row[]>): Readable =>
  Readable.from(
    (async function* () {
      yield csvHeader(columns);
      for await (const batch of batches) {
        if (batch.length > 0) yield batch.map((row) => csvRow(columns, row)).join('');
      }
    })(),
    { objectMode: false },
  );
