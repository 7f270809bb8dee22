// `tessera activate|deactivate|reactivate` and `tessera update fetch`: the online flows against Central.

import { type Command, Option } from 'commander';
import { createCentralClient } from '../../online/central-client.js';
import {
  activateOnline,
  deactivateOnline,
  type FlowResult,
  fetchUpdates,
  reactivateOnline,
} from '../../online/flows.js';
import type { CommandContext } from '../context.js';
import type { Run } from '../program.js';
import { describeChanges } from './describe.js';

interface ServerOptions {
  server: string;
  token?: string;
}

const serverOptions = (command: Command): Command =>
  command
    .addOption(new Option('--server <url>', 'Central’s base URL').env('TESSERA_SERVER').makeOptionMandatory())
    .addOption(
      new Option('--token <token>', 'an API token, when the vendor requires one').env('TESSERA_TOKEN'),
    );

const clientFor = (options: ServerOptions) =>
  createCentralClient({ server: options.server, token: options.token });

const collect = (value: string, previous: string[] = []) => [...previous, value];

const describe = (verb: string, result: FlowResult): string =>
  [
    ...(result.createdContainer ? [`created machine container ${result.serial}`] : []),
    ...result.applied.map((a) =>
      describeChanges({
        ...a,
        serial: result.serial,
        stepsApplied: 0,
        stepsSkipped: 0,
        issuedAt: '',
        nonce: null,
        createdFirmItem: false,
      }),
    ),
    ...(result.licenses.length > 0
      ? result.licenses.map(
          (l) =>
            `${verb}: license ${l.id} (product ${l.productCode}, generation ${l.generation}) — ${l.state}`,
        )
      : [result.applied.length === 0 ? `container ${result.serial} is up to date` : '']),
  ]
    .filter(Boolean)
    .join('\n');

export const registerOnlineCommands = (program: Command, run: Run): void => {
  serverOptions(
    program
      .command('activate')
      .description(
        'activate a ticket’s licenses online (creates a machine container when --serial is not given)',
      )
      .requiredOption('--ticket <code>', 'the ticket code')
      .option('--serial <serial>', 'an existing container')
      .option('--license <id>', 'only this license of the ticket (repeatable)', collect),
  ).action(
    run(
      async (
        ctx: CommandContext,
        options: ServerOptions & { ticket: string; serial?: string; license?: string[] },
      ) => {
        const result = await activateOnline(ctx.containers(), clientFor(options), {
          ticket: options.ticket,
          serial: options.serial,
          licenses: options.license,
        });
        ctx.output.result(result, () => describe('activated', result));
      },
    ),
  );

  serverOptions(
    program
      .command('deactivate')
      .description('return a ticket’s licenses from a container to Central')
      .requiredOption('--ticket <code>', 'the ticket code')
      .requiredOption('--serial <serial>', 'the container holding them')
      .option('--license <id>', 'only this license of the ticket (repeatable)', collect),
  ).action(
    run(
      async (
        ctx: CommandContext,
        options: ServerOptions & { ticket: string; serial: string; license?: string[] },
      ) => {
        const result = await deactivateOnline(ctx.containers(), clientFor(options), {
          ticket: options.ticket,
          serial: options.serial,
          licenses: options.license,
        });
        ctx.output.result(result, () => describe('returned', result));
      },
    ),
  );

  serverOptions(
    program
      .command('reactivate')
      .description(
        'recover a lost container’s licenses of a ticket into a new container, within the vendor’s policy',
      )
      .requiredOption('--ticket <code>', 'the ticket code')
      .requiredOption('--lost <serial>', 'the container that was lost')
      .option('--serial <serial>', 'the new container (created when not given)'),
  ).action(
    run(
      async (
        ctx: CommandContext,
        options: ServerOptions & { ticket: string; lost: string; serial?: string },
      ) => {
        const result = await reactivateOnline(ctx.containers(), clientFor(options), {
          ticket: options.ticket,
          lostSerial: options.lost,
          serial: options.serial,
        });
        ctx.output.result(result, () => describe('reactivated', result));
      },
    ),
  );

  const update = program.commands.find((c) => c.name() === 'update') ?? program.command('update');
  serverOptions(
    update
      .command('fetch')
      .description(
        'fetch and import whatever Central has pending for the containers (the periodic auto update)',
      )
      .option('--serial <serial>', 'only this container'),
  ).action(
    run(async (ctx: CommandContext, options: ServerOptions & { serial?: string }) => {
      const containers = ctx.containers();
      const serials = options.serial
        ? [options.serial]
        : (await containers.list()).filter((c) => c.openable).map((c) => c.serial);
      const client = clientFor(options);
      const results: FlowResult[] = [];
      for (const serial of serials) results.push(await fetchUpdates(containers, client, serial));
      ctx.output.result(results, () =>
        results.length === 0
          ? 'no containers'
          : results
              .map((r) => (r.applied.length === 0 ? `${r.serial}: up to date` : describe('now', r)))
              .join('\n'),
      );
    }),
  );
};
