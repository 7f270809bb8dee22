// `tessera agent`: serves the local web-depot API for portal pages (see agent/server.ts).

import type { Command } from 'commander';
import { DEFAULT_AGENT_PORT, parseAllowedOrigins, startAgent } from '../../agent/server.js';
import type { CommandContext } from '../context.js';
import { parseNonNegativeInt } from '../parse.js';
import type { Run } from '../program.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export const registerAgentCommand = (program: Command, run: Run): void => {
  program
    .command('agent')
    .description(
      'serve a local API on 127.0.0.1 so an allow-listed portal page can use this machine’s containers',
    )
    .option(
      '--port <port>',
      `port on 127.0.0.1 (0 = any free port; default ${DEFAULT_AGENT_PORT})`,
      parseNonNegativeInt('--port'),
    )
    .option(
      '--allow-origin <origin>',
      'a portal origin allowed to use the agent (repeatable; or TESSERA_AGENT_ORIGINS, comma-separated)',
      collect,
    )
    .action(
      run(async (ctx: CommandContext, options: { port?: number; allowOrigin?: string[] }) => {
        const given = [
          ...(options.allowOrigin ?? []),
          ...(process.env.TESSERA_AGENT_ORIGINS ?? '')
            .split(',')
            .map((o) => o.trim())
            .filter(Boolean),
        ];
        const origins = parseAllowedOrigins(
          given.length > 0 ? given : ['http://localhost:8080', 'http://127.0.0.1:8080'],
        );
        const agent = await startAgent({
          containers: ctx.containers(),
          allowedOrigins: origins,
          port: options.port ?? DEFAULT_AGENT_PORT,
          ...(ctx.options.home !== undefined ? { home: ctx.options.home } : {}),
        });
        ctx.output.result(
          { url: agent.url, allowedOrigins: origins },
          `tessera agent listening on ${agent.url} for ${origins.join(', ')} (Ctrl+C to stop)`,
        );
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await agent.close();
      }),
    );
};
