// The `tessera` command tree. Each command family registers itself; `run` gives every action the same
// context, output and error handling (one line, documented exit code).

import { Command, CommanderError } from 'commander';
import { registerAgentCommand } from './commands/agent.js';
import { registerContainerCommands } from './commands/container.js';
import { registerDocumentCommands } from './commands/documents.js';
import { registerLicenseCommands } from './commands/license.js';
import { registerOnlineCommands } from './commands/online.js';
import { registerVendorCommands } from './commands/vendor.js';
import { type CommandContext, commandContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { type GlobalOptions, reportError } from './io.js';

// biome-ignore lint/suspicious/noExplicitAny: commander passes positional arguments of any shape to actions
type Action = (ctx: CommandContext, ...args: any[]) => Promise<void>;
export type Run = (action: Action) => (...args: unknown[]) => Promise<void>;

export const buildProgram = (): Command => {
  const program = new Command('tessera')
    .description('Tessera runtime: license containers, contexts, updates and license checks')
    .option('--json', 'print results (and errors, on stderr) as JSON')
    .option('--home <dir>', 'container store directory (default: $TESSERA_HOME or the OS data directory)')
    .exitOverride();

  const run: Run =
    (action) =>
    async (...args) => {
      const command = args[args.length - 1] as Command;
      const globals = command.optsWithGlobals() as GlobalOptions;
      try {
        await action(commandContext(globals), ...args.slice(0, -1));
      } catch (error) {
        process.exitCode = reportError(error, globals);
      }
    };

  registerContainerCommands(program, run);
  registerDocumentCommands(program, run);
  registerLicenseCommands(program, run);
  registerVendorCommands(program, run);
  registerOnlineCommands(program, run);
  registerAgentCommand(program, run);
  const exitOverride = (command: Command) => {
    command.exitOverride();
    command.commands.forEach(exitOverride);
  };
  exitOverride(program);
  return program;
};

export const main = async (argv: string[]): Promise<number> => {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its one-line message; help and version are not errors.
      return error.exitCode === 0 ||
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.help'
        ? EXIT.ok
        : EXIT.usage;
    }
    return reportError(error, {});
  }
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
};
