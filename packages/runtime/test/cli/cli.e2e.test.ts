// The `tessera` binary end to end: real processes, a real store, real files.

import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CliResult, runCli, tempDir } from '../support/cli.js';

const FIRM = '6000010';
const DAY = 86_400_000;

const factorsFor = (machine: string) => ({
  'machine-id': `${machine}-machine-id`,
  hostname: `${machine}-host`,
  'mac-addresses': `${machine}-macs`,
  cpu: 'Test CPU x4',
  memory: '16',
  os: 'linux-x64',
});

describe('the tessera CLI', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  let home: string;
  let factorsFile: string;
  let cli: (args: string[], extra?: { clockOffsetMs?: number; stdin?: string }) => Promise<CliResult>;

  const file = (name: string) => path.join(work.dir, name);
  const containerFile = async (serial: string) => readFile(path.join(home, 'containers', `${serial}.tcnt`));

  beforeEach(async () => {
    work = await tempDir('tessera-cli-');
    home = path.join(work.dir, 'home');
    factorsFile = file('factors.json');
    await writeFile(factorsFile, JSON.stringify(factorsFor('alpha')));
    cli = (args, extra = {}) =>
      runCli(args, { home, env: { TESSERA_MACHINE_FACTORS: factorsFile }, ...extra });
    const keygen = await cli(['vendor', 'keygen', '--firm-code', FIRM, '-o', file('firm.key')]);
    expect(keygen.code).toBe(0);
  });

  afterEach(async () => {
    await work.cleanup();
  });

  const createContainer = async (type: 'machine' | 'portable' = 'machine'): Promise<string> => {
    const created = await cli(['container', 'create', '--type', type, '--json']);
    expect(created.code, created.stderr).toBe(0);
    return created.json<{ serial: string }>().serial;
  };

  const issue = async (serial: string, name: string, extra: string[] = []) => {
    expect((await cli(['context', serial, '--firm-code', FIRM, '-o', file(`${name}.tctx`)])).code).toBe(0);
    const issued = await cli([
      'vendor',
      'issue',
      '--key',
      file('firm.key'),
      '--context',
      file(`${name}.tctx`),
      '-o',
      file(`${name}.tupd`),
      ...extra,
    ]);
    expect(issued.code, issued.stderr).toBe(0);
    return file(`${name}.tupd`);
  };

  it('activates a license through context → issue → import, then checks it against the vendor key', async () => {
    const serial = await createContainer();
    const update = await issue(serial, 'first', [
      '--product-code',
      '42',
      '--expires',
      '2099-12-31',
      '--units',
      '10',
      '--features',
      '0x5',
    ]);
    const imported = await cli(['update', 'import', update, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.json()).toMatchObject({
      serial,
      fromFuc: 0,
      toFuc: 1,
      changes: [{ op: 'add_license', productCode: 42 }],
    });

    const listed = await cli(['license', 'list', '--json']);
    expect(listed.json()).toMatchObject([
      { serial, firmCode: Number(FIRM), productCode: 42, unitsRemaining: 10, featureMap: 5 },
    ]);

    const check = await cli([
      'license',
      'check',
      '--firm-code',
      FIRM,
      '--product-code',
      '42',
      '--public-key',
      file('firm.key.pub'),
      '--feature',
      '4',
    ]);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain('usable');

    const missingFeature = await cli([
      'license',
      'check',
      '--firm-code',
      FIRM,
      '--product-code',
      '42',
      '--public-key',
      file('firm.key.pub'),
      '--feature',
      '2',
    ]);
    expect(missingFeature.code).toBe(2);
    expect(missingFeature.stderr.trim().split('\n')).toEqual([
      'tessera: the license does not include the requested features (feature_missing)',
    ]);

    const otherProduct = await cli([
      'license',
      'check',
      '--firm-code',
      FIRM,
      '--product-code',
      '43',
      '--public-key',
      file('firm.key.pub'),
    ]);
    expect(otherProduct.code).toBe(3);
  });

  it('says an update is already applied, and the container stays byte-for-byte the same', async () => {
    const serial = await createContainer();
    const update = await issue(serial, 'first', ['--product-code', '42']);
    expect((await cli(['update', 'import', update])).code).toBe(0);
    const before = await containerFile(serial);
    const replay = await cli(['update', 'import', update]);
    expect(replay.code).toBe(2);
    expect(replay.stderr).toContain('update_already_applied');
    expect(await containerFile(serial)).toEqual(before);
  });

  it('refuses an update with a gap and names the FUC it needs', async () => {
    const serial = await createContainer('portable');
    expect((await cli(['update', 'import', await issue(serial, 'one', ['--product-code', '1'])])).code).toBe(
      0,
    );
    // Keep the container as it was at FUC 1, move it on to FUC 2, issue the FUC 2 → 3 update, then go back.
    const atOne = file('at-one.tcnt');
    const live = path.join(home, 'containers', `${serial}.tcnt`);
    await copyFile(live, atOne);
    expect((await cli(['update', 'import', await issue(serial, 'two', ['--product-code', '2'])])).code).toBe(
      0,
    );
    const three = await issue(serial, 'three', ['--product-code', '3']);
    await copyFile(atOne, live);
    const gap = await cli(['update', 'import', three, '--json']);
    expect(gap.code).toBe(2);
    expect(JSON.parse(gap.stderr)).toMatchObject({
      error: { code: 'update_gap', details: { needsFuc: 2, fuc: 1 } },
    });
  });

  it('refuses an update meant for another container and a tampered update, changing nothing', async () => {
    const first = await createContainer();
    const second = await createContainer();
    const update = await issue(first, 'first', ['--product-code', '42']);
    const before = await containerFile(second);
    const foreign = await cli(['update', 'import', update, '--serial', second]);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain('foreign_serial');
    expect(await containerFile(second)).toEqual(before);

    const text = await readFile(update, 'utf8');
    const lines = text.split('\n');
    const line = lines[3] as string;
    lines[3] = (line[0] === 'A' ? 'B' : 'A') + line.slice(1);
    await writeFile(file('tampered.tupd'), lines.join('\n'));
    const untouched = await containerFile(first);
    const tampered = await cli(['update', 'import', file('tampered.tupd')]);
    expect(tampered.code).toBe(2);
    expect(tampered.stderr.trim().split('\n')).toHaveLength(1);
    expect(await containerFile(first)).toEqual(untouched);
    expect((await readdir(path.join(home, 'containers'))).sort()).toEqual(
      [`${first}.tcnt`, `${second}.tcnt`].sort(),
    );
  });

  it('opens a machine container after one factor changed, but not on a machine that differs beyond the tolerance', async () => {
    const serial = await createContainer();
    expect(
      (await cli(['update', 'import', await issue(serial, 'first', ['--product-code', '42'])])).code,
    ).toBe(0);
    const check = [
      'license',
      'check',
      '--firm-code',
      FIRM,
      '--product-code',
      '42',
      '--public-key',
      file('firm.key.pub'),
    ];

    await writeFile(factorsFile, JSON.stringify({ ...factorsFor('alpha'), hostname: 'renamed-host' }));
    expect((await cli(check)).code).toBe(0);

    await writeFile(factorsFile, JSON.stringify({ ...factorsFor('beta'), memory: '64' }));
    const moved = await cli(['container', 'show', serial]);
    expect(moved.code).toBe(4);
    expect(moved.stderr).toContain('binding_mismatch');
    const listed = await cli(['container', 'list', '--json']);
    expect(listed.json()).toMatchObject([{ serial, openable: false }]);
    expect((await cli(check)).code).toBe(3);
  });

  it('refuses time-limited licenses when the clock is set back beyond the tolerance; perpetual ones still work', async () => {
    const serial = await createContainer();
    expect(
      (
        await cli([
          'update',
          'import',
          await issue(serial, 'timed', ['--product-code', '1', '--expires', '2099-01-01']),
        ])
      ).code,
    ).toBe(0);
    expect(
      (await cli(['update', 'import', await issue(serial, 'perpetual', ['--product-code', '2'])])).code,
    ).toBe(0);
    const check = (product: string, clockOffsetMs: number) =>
      cli(
        [
          'license',
          'check',
          '--firm-code',
          FIRM,
          '--product-code',
          product,
          '--public-key',
          file('firm.key.pub'),
        ],
        { clockOffsetMs },
      );

    expect((await check('1', 0)).code).toBe(0);
    const setBack = await check('1', -2 * DAY);
    expect(setBack.code).toBe(2);
    expect(setBack.stderr).toContain('clock_set_back');
    expect((await check('2', -2 * DAY)).code).toBe(0);
    // Correcting the clock makes the time-limited license usable again.
    expect((await check('1', 0)).code).toBe(0);
  });

  it('answers every command with JSON under --json, and bad input with one line and a documented exit code', async () => {
    const serial = await createContainer('portable');
    const shown = await cli(['container', 'show', serial, '--json']);
    expect(shown.json()).toMatchObject({ serial, type: 'portable', firmItems: [] });
    const context = await cli(['context', serial, '--json']);
    expect(context.json<{ context: string }>().context).toContain('-----BEGIN TESSERA CONTEXT-----');

    const unknown = await cli(['container', 'show', '130-123456789']);
    expect(unknown.code).toBe(3);
    const badSerial = await cli(['container', 'show', 'not-a-serial']);
    expect(badSerial.code).toBe(2);
    expect(badSerial.stderr.trim().split('\n')).toHaveLength(1);
    const badOption = await cli(['vendor', 'keygen', '--firm-code', 'many', '-o', file('x.key')]);
    expect(badOption.code).toBe(1);
    expect(badOption.stderr.trim().split('\n')).toHaveLength(1);
    const notAnUpdate = await cli(['update', 'import', file('firm.key.pub')]);
    expect(notAnUpdate.code).toBe(2);
    expect(notAnUpdate.stderr).toContain('invalid_document');
    const missingFile = await cli(['update', 'import', file('nope.tupd')]);
    expect(missingFile.code).toBe(3);

    const deleted = await cli(['container', 'delete', serial, '--json']);
    expect(deleted.json()).toEqual({ serial, deleted: true });
    expect((await cli(['container', 'list', '--json'])).json()).toEqual([]);
  });
});
