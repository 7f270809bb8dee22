// Cursor pagination shared by every list: `?limit=&cursor=` in, `{ items, nextCursor }` out. A cursor is
// opaque to clients (base64url JSON holding the last key seen); keys are UUIDv7 ids, which sort by
// creation, so "after this id" is a stable position even while rows are added.

import { TesseraError } from '@tessera/core';
import { z } from 'zod';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 50;

export const paginationQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(DEFAULT_PAGE_SIZE)
    .describe(`Page size, 1–${MAX_PAGE_SIZE}.`),
  cursor: z.string().max(500).optional().describe('The nextCursor of the previous page.'),
});

export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z
      .string()
      .nullable()
      .describe('Pass as ?cursor= to get the next page; null on the last page.'),
  });

export interface PageRequest {
  /** Key after which the page starts (exclusive), from the decoded cursor. */
  after: string | undefined;
  limit: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const encodeCursor = (key: string): string =>
  Buffer.from(JSON.stringify({ k: key })).toString('base64url');

export const decodeCursor = (cursor: string | undefined): string | undefined => {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && 'k' in value && typeof value.k === 'string')
      return value.k;
  } catch {
    // fall through to the validation error
  }
  throw new TesseraError('validation_failed', 'The cursor is not one this server issued.', {
    field: 'cursor',
  });
};

export const pageRequest = (query: { limit: number; cursor?: string | undefined }): PageRequest => ({
  after: decodeCursor(query.cursor),
  limit: query.limit,
});

/** Turns `limit + 1` fetched rows into a page: the extra row only tells that another page exists. */
export const toPage = <T>(rows: T[], request: PageRequest, keyOf: (row: T) => string): Page<T> => {
  const items = rows.slice(0, request.limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > request.limit && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
};
