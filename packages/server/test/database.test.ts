// The database layer below the repositories: prepared queries bind their arguments the same way on both
// dialects, and SQLite's write-ahead log stays bounded under sustained writes.

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../src/db/database.js';
import { type Arg, columnArgs, prepared, preparedRowsInsert, preparedShape } from '../src/db/prepared.js';
import { describeEachDatabase } from '../src/db/test-helper.js';
import { inTransaction, newId } from '../src/db/transaction.js';

const settingByKey = prepared((qb, arg: Arg<{ key: string }>) =>
  qb.selectFrom('settings').select(['key', 'value']).where('key', '=', arg('key')),
);
const insertSetting = prepared((qb, arg: Arg<{ key: string; value: string; updated_at: string }>) =>
  qb.insertInto('settings').values(columnArgs(['key', 'value', 'updated_at'], arg)),
);
const insertSettings = preparedRowsInsert('settings', ['key', 'value', 'updated_at']);
const setColumnsOf = preparedShape(
  (shape) => (qb, arg: Arg<{ key: string; value: string; updated_at: string }>) =>
    qb
      .updateTable('settings')
      .set(columnArgs(shape.split(',') as ('value' | 'updated_at')[], arg))
      .where('key', '=', arg('key')),
);

describeEachDatabase('prepared queries', (ctx) => {
  const db = () => ctx.database.db;
  const aKey = () => `test.${newId()}`;

  it('binds each execution’s arguments into the query compiled once', async () => {
    const [first, second] = [aKey(), aKey()];
    await insertSetting.execute(db(), { key: first, value: '"one"', updated_at: '2026-01-01T00:00:00.000Z' });
    await insertSetting.execute(db(), {
      key: second,
      value: '"two"',
      updated_at: '2026-01-01T00:00:00.000Z',
    });
    expect(await settingByKey.first(db(), { key: second })).toEqual({ key: second, value: '"two"' });
    expect(await settingByKey.first(db(), { key: first })).toEqual({ key: first, value: '"one"' });
    expect(await settingByKey.rows(db(), { key: aKey() })).toEqual([]);
  });

  it('inserts any number of rows in one statement, and more than fit a prepared shape', async () => {
    for (const count of [1, 3, 40]) {
      const rows = Array.from({ length: count }, (_, i) => ({
        key: aKey(),
        value: String(i),
        updated_at: '2026-01-01T00:00:00.000Z',
      }));
      await inTransaction(db(), (trx) => insertSettings(trx, rows));
      for (const row of rows) {
        expect(await settingByKey.first(db(), { key: row.key })).toEqual({ key: row.key, value: row.value });
      }
    }
  });

  it('prepares one update per set of columns and reports the rows it changed', async () => {
    const key = aKey();
    await insertSetting.execute(db(), { key, value: '1', updated_at: '2026-01-01T00:00:00.000Z' });
    const both = { key, value: '2', updated_at: '2026-02-02T00:00:00.000Z' };
    expect(await setColumnsOf('value,updated_at').affected(db(), both)).toBe(1);
    expect(await setColumnsOf('value').affected(db(), { ...both, value: '3' })).toBe(1);
    expect(await setColumnsOf('value').affected(db(), { ...both, key: aKey() })).toBe(0);
    const row = await db()
      .selectFrom('settings')
      .selectAll()
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ value: '3', updated_at: '2026-02-02T00:00:00.000Z' });
  });

  it('refuses to run without a value for every argument, and changes nothing', async () => {
    const key = aKey();
    await expect(
      insertSetting.execute(db(), { key, value: '1' } as { key: string; value: string; updated_at: string }),
    ).rejects.toThrow('no value for argument "updated_at"');
    expect(await settingByKey.first(db(), { key })).toBeUndefined();
  });
});

describe('SQLite group commit', () => {
  let dir = '';
  let database: DatabaseHandle;
  const db = () => database.db;
  const rows = async () =>
    (await sql<{ id: string }>`select id from group_probe order by id`.execute(db())).rows.map((r) => r.id);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-group-'));
    database = await createDatabase({ dialect: 'sqlite', file: join(dir, 'tessera.db') });
    await sql`create table group_probe (id text primary key, parent text references group_probe (id))`.execute(
      db(),
    );
  });
  afterAll(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await sql`delete from group_probe`.execute(db());
  });

  const insert = (id: string, parent: string | null = null) =>
    inTransaction(db(), async (trx) => {
      await sql`insert into group_probe (id, parent) values (${id}, ${parent})`.execute(trx);
      return id;
    });

  it('runs concurrent transactions one after another, each seeing the ones before it', async () => {
    const seen: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        inTransaction(db(), async (trx) => {
          const before = await sql<{ n: number }>`select count(*) as n from group_probe`.execute(trx);
          seen.push(Number(before.rows[0]?.n));
          await sql`insert into group_probe (id) values (${`t${String(i).padStart(2, '0')}`})`.execute(trx);
          return i;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await rows()).toHaveLength(20);
  });

  it('rolls back only the transaction that failed; the others of its group commit', async () => {
    const outcomes = await Promise.allSettled([
      insert('a'),
      inTransaction(db(), async (trx) => {
        await sql`insert into group_probe (id) values ('b')`.execute(trx);
        throw new Error('changed its mind');
      }),
      insert('a'), // unique violation: rolled back, reported to its caller
      insert('c'),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(outcomes[1]).toMatchObject({ reason: new Error('changed its mind') });
    expect(await rows()).toEqual(['a', 'c']);
  });

  it('reports a failed commit to every transaction of the group and keeps none of them', async () => {
    const outcomes = await Promise.allSettled([
      insert('p'),
      inTransaction(db(), async (trx) => {
        // A deferred foreign key is checked at COMMIT: the whole group's commit fails.
        await sql`pragma defer_foreign_keys = on`.execute(trx);
        await sql`insert into group_probe (id, parent) values ('orphan', 'missing')`.execute(trx);
        return 'orphan';
      }),
      insert('q'),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(await rows()).toEqual([]);
    // Its neighbours shared the failed commit, so they failed too; the next group starts clean.
    expect(await insert('r')).toBe('r');
    expect(await rows()).toEqual(['r']);
  });
});

describe('SQLite write-ahead log', () => {
  let dir = '';
  let database: DatabaseHandle;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-wal-'));
    database = await createDatabase({ dialect: 'sqlite', file: join(dir, 'tessera.db') });
    await sql`create table wal_probe (id text primary key, a text, b text, c text)`.execute(database.db);
    for (const column of ['a', 'b', 'c']) {
      await sql`create index ${sql.id(`wal_probe_${column}`)} on wal_probe (${sql.id(column)})`.execute(
        database.db,
      );
    }
  });
  afterAll(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts over instead of growing while commits keep arriving', async () => {
    // 4,000 transactions touching four b-trees each: ~16,000 WAL frames (64 MB) if the log never restarted.
    const random = () => Math.random().toString(36).slice(2);
    for (let i = 0; i < 4000; i++) {
      await inTransaction(database.db, (trx) =>
        sql`insert into wal_probe values (${newId()}, ${random()}, ${random()}, ${random()})`.execute(trx),
      );
    }
    const walBytes = statSync(join(dir, 'tessera.db-wal')).size;
    // The restart threshold is 4,000 frames of 4 kB (plus what commits while a checkpoint is busy); the file
    // keeps its largest size, so it must stay well below the 16,000 frames it would otherwise reach.
    expect(walBytes).toBeLessThan(8000 * 4120);
  });
});
