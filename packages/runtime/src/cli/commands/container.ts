// `tessera container create|list|show|delete`

import type { Command } from 'commander';
import { Option } from 'commander';
import type { CommandContext } from '../context.js';
import type { Run } from '../program.js';

export const registerContainerCommands = (program: Command, run: Run): void => {
  const container = program.command('container').description('create, list, show and delete containers');

  container
    .command('create')
    .description('create an empty container on this machine')
    .addOption(
      new Option('--type <type>', 'machine (bound to this computer) or portable (movable, like a dongle)')
        .choices(['machine', 'portable'])
        .default('machine'),
    )
    .action(
      run(async (ctx: CommandContext, options: { type: 'machine' | 'portable' }) => {
        const created = await ctx.containers().create(options.type);
        ctx.output.result(created, `created ${created.type} container ${created.serial}`);
      }),
    );

  container
    .command('list')
    .description('list the containers in the store')
    .action(
      run(async (ctx: CommandContext) => {
        const list = await ctx.containers().list();
        ctx.output.result(list, () =>
          list.length === 0
            ? 'no containers (create one with: tessera container create)'
            : list
                .map(
                  (c) =>
                    `${c.serial}\t${c.type}\t${c.openable ? 'ok' : 'cannot be opened on this machine'}\t${c.createdAt}`,
                )
                .join('\n'),
        );
      }),
    );

  container
    .command('show <serial>')
    .description('show a container’s firm items and trusted time')
    .action(
      run(async (ctx: CommandContext, serial: string) => {
        const shown = await ctx.containers().show(serial);
        ctx.output.result(shown, () =>
          [
            `serial      ${shown.serial}`,
            `type        ${shown.type}`,
            `created     ${shown.createdAt}`,
            `time        signed ${shown.trustedTime.signed ?? '—'}, local ${shown.trustedTime.local ?? '—'}`,
            ...(shown.firmItems.length === 0 ? ['firm items  none'] : []),
            ...shown.firmItems.map(
              (f) =>
                `firm ${f.firmCode}  FUC ${f.fuc}, ${f.licenses} license(s)${f.locked ? `, LOCKED (${f.lockReason ?? 'no reason'})` : ''}${f.honeypot ? ', honey-pot marker' : ''}`,
            ),
          ].join('\n'),
        );
      }),
    );

  container
    .command('delete <serial>')
    .description('delete a container and every license in it')
    .action(
      run(async (ctx: CommandContext, serial: string) => {
        await ctx.containers().remove(serial);
        ctx.output.result({ serial, deleted: true }, `deleted container ${serial}`);
      }),
    );
};
