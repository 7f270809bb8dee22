// Prepared queries: built with Kysely once, compiled once per dialect, then executed any number of times with
// new parameter values. Building and compiling a Kysely query costs several times what SQLite needs to run a
// short statement, so the queries of hot paths (the activation gateway) are written this way; everything else
// uses the builder directly. Same types, same SQL — only the compile step is skipped after the first call.
//
//   const byName = prepared((qb, arg: Arg<{ name: string }>) =>
//     qb.selectFrom('groups').selectAll().where('name', '=', arg('name')));
//   const rows = await byName.rows(trx, { name: 'Contoso' });
//
// A placeholder stands wherever Kysely takes a value; its name is looked up in the arguments at execution.
// Structure (which columns, how many rows, IN-list lengths) is fixed by the build: a query whose shape varies
// gets one prepared query per shape, named by a key that encodes it (see `preparedShape`).

import { type Compilable, CompiledQuery, PostgresAdapter, type QueryCreator, type QueryResult } from 'kysely';
import type { Dialect } from './database.js';
import type { Database } from './schema.js';
import type { Executor } from './transaction.js';

const PLACEHOLDER = Symbol('prepared query placeholder');

interface Placeholder {
  readonly [PLACEHOLDER]: string;
}

const isPlaceholder = (value: unknown): value is Placeholder =>
  typeof value === 'object' && value !== null && PLACEHOLDER in value;

/** A value standing for the argument `name`; typed as the value it stands for, so Kysely type-checks it. */
export type Arg<Args> = <K extends keyof Args & string>(name: K) => Args[K];

const arg = (name: string): unknown => ({ [PLACEHOLDER]: name });

type Build<Args, Row> = (qb: QueryCreator<Database>, arg: Arg<Args>, dialect: Dialect) => Compilable<Row>;

interface Template {
  sql: string;
  /** per parameter: the argument name it takes, or a constant written into the build */
  parameters: ({ name: string } | { value: unknown })[];
}

/** Runs compiled SQL on the connection a transaction holds, synchronously (SQLite's group commit). */
export type DirectExecutor = (sql: string, parameters: readonly unknown[]) => QueryResult<unknown>;

const direct = new WeakMap<Executor, DirectExecutor>();

/**
 * Lets prepared queries on `ex` — a transaction that owns its connection — skip Kysely's executor and run on
 * the driver at once. Only for transactions: a bare database object shares its connection with whatever
 * transaction holds it, and must queue behind it as Kysely makes it.
 */
export const runDirectly = (ex: Executor, executor: DirectExecutor | undefined): void => {
  if (executor) direct.set(ex, executor);
  else direct.delete(ex);
};

export const dialectOf = (ex: Executor): Dialect =>
  ex.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';

export interface PreparedQuery<Args, Row> {
  execute(ex: Executor, args: Args): Promise<QueryResult<Row>>;
  rows(ex: Executor, args: Args): Promise<Row[]>;
  first(ex: Executor, args: Args): Promise<Row | undefined>;
  /** Rows inserted, updated or deleted. */
  affected(ex: Executor, args: Args): Promise<number>;
}

const compileTemplate = <Args, Row>(ex: Executor, build: Build<Args, Row>, dialect: Dialect): Template => {
  const compiled = build(ex, arg as Arg<Args>, dialect).compile();
  return {
    sql: compiled.sql,
    parameters: compiled.parameters.map((value) =>
      isPlaceholder(value) ? { name: value[PLACEHOLDER] } : { value },
    ),
  };
};

/** A query built once; `Args` names the placeholders the build uses. */
export const prepared = <Args extends object, Row = unknown>(
  build: Build<Args, Row>,
): PreparedQuery<Args, Row> => {
  const templates: Partial<Record<Dialect, Template>> = {};
  const execute = async (ex: Executor, args: Args): Promise<QueryResult<Row>> => {
    const onConnection = direct.get(ex);
    const dialect = onConnection ? 'sqlite' : dialectOf(ex);
    let template = templates[dialect];
    if (template === undefined) {
      template = compileTemplate(ex, build, dialect);
      templates[dialect] = template;
    }
    const values = template.parameters.map((p) => {
      if (!('name' in p)) return p.value;
      const value = (args as Record<string, unknown>)[p.name];
      if (value === undefined) throw new Error(`prepared query: no value for argument "${p.name}"`);
      return value;
    });
    if (onConnection) return onConnection(template.sql, values) as QueryResult<Row>;
    return ex.executeQuery(CompiledQuery.raw(template.sql, values) as CompiledQuery<Row>);
  };
  return {
    execute,
    rows: async (ex, args) => (await execute(ex, args)).rows,
    first: async (ex, args) => (await execute(ex, args)).rows[0],
    affected: async (ex, args) => Number((await execute(ex, args)).numAffectedRows ?? 0n),
  };
};

const MAX_SHAPES = 500;

/**
 * Prepared queries for a family whose structure varies (the columns an update sets, the rows of a multi-row
 * insert): one per shape key, made on first use. Callers keep the number of shapes small and bounded — past
 * MAX_SHAPES the oldest is dropped (and rebuilt when used again), so a mistake costs speed, not memory.
 */
export const preparedShape = <Args extends object, Row = unknown>(
  buildFor: (shape: string) => Build<Args, Row>,
) => {
  const shapes = new Map<string, PreparedQuery<Args, Row>>();
  return (shape: string): PreparedQuery<Args, Row> => {
    let query = shapes.get(shape);
    if (query === undefined) {
      if (shapes.size >= MAX_SHAPES) {
        const oldest = shapes.keys().next().value;
        if (oldest !== undefined) shapes.delete(oldest);
      }
      query = prepared<Args, Row>(buildFor(shape));
      shapes.set(shape, query);
    }
    return query;
  };
};

/** The columns an update or insert sets, as arguments named like the columns. */
export const columnArgs = <Row>(columns: readonly (keyof Row & string)[], arg: Arg<Row>): Row =>
  Object.fromEntries(columns.map((column) => [column, arg(column)])) as Row;

/**
 * The defined entries of `changes` under their column names (via `columnOf`), and the shape key naming that
 * set of columns — for `preparedShape` updates that set only what changed.
 */
export const columnChanges = <Row>(
  changes: object,
  columnOf: Record<string, keyof Row & string>,
): { shape: string; values: Partial<Row> } => {
  const values: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(columnOf)) {
    const value = (changes as Record<string, unknown>)[key];
    if (value !== undefined) values[column] = value;
  }
  return { shape: Object.keys(values).join(','), values: values as Partial<Row> };
};

/** Multi-row inserts up to this many rows get a prepared query per row count; longer ones are built each time. */
const PREPARED_ROWS_MAX = 16;

/**
 * An insert of any number of rows into `table`, every row with the same `columns`: prepared per row count
 * (arguments `<column>.<row>`), so the one or few append-only rows of a transaction cost no query building.
 */
export const preparedRowsInsert = <T extends keyof Database & string>(
  table: T,
  columns: readonly (keyof Database[T] & string)[],
) => {
  type Row = Database[T];
  const byCount = preparedShape<Record<string, unknown>>(
    (shape) => (qb, arg) =>
      qb
        .insertInto(table)
        .values(
          Array.from({ length: Number(shape) }, (_, row) =>
            Object.fromEntries(columns.map((column) => [column, arg(`${column}.${row}`)])),
          ) as never,
        ),
  );
  return async (ex: Executor, rows: readonly Row[]): Promise<void> => {
    if (rows.length === 0) return;
    if (rows.length > PREPARED_ROWS_MAX) {
      await ex
        .insertInto(table)
        .values(rows as never)
        .execute();
      return;
    }
    const args: Record<string, unknown> = {};
    rows.forEach((row, index) => {
      for (const column of columns)
        args[`${column}.${index}`] = (row as unknown as Record<string, unknown>)[column];
    });
    await byCount(String(rows.length)).execute(ex, args);
  };
};
