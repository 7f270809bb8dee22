// `tessera context` and `tessera update import`: the file-based half of the protocol.

import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { readInput, writeOutput } from '../io.js';
import { collectUint32 } from '../parse.js';
import type { Run } from '../program.js';
import { describeChanges } from './describe.js';

export const registerDocumentCommands = (program: Command, run: Run): void => {
  program
    .command('context <serial>')
    .description('write a context file (also used as the receipt after an update)')
    .option(
      '--firm-code <n>',
      'only this firm code (repeatable); all firm items when omitted',
      collectUint32('--firm-code'),
    )
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .action(
      run(async (ctx: CommandContext, serial: string, options: { firmCode?: number[]; output?: string }) => {
        const { text, nonce } = await ctx
          .containers()
          .context(serial, options.firmCode ? { firmCodes: options.firmCode } : {});
        if (options.output) {
          await writeOutput(options.output, text);
          ctx.output.result(
            { serial, nonce, file: options.output },
            `wrote context of ${serial} to ${options.output}`,
          );
        } else if (ctx.options.json) ctx.output.result({ serial, nonce, context: text }, '');
        else process.stdout.write(text);
      }),
    );

  const update = program.command('update').description('import updates');
  update
    .command('import <file>')
    .description('apply an update file (use - for standard input) to the container it names')
    .option('--serial <serial>', 'refuse unless the update is for this container')
    .action(
      run(async (ctx: CommandContext, file: string, options: { serial?: string }) => {
        const text = await readInput(file);
        const result = await ctx
          .containers()
          .importUpdate(text, options.serial ? { serial: options.serial } : {});
        ctx.output.result(result, () => describeChanges(result));
      }),
    );
};
