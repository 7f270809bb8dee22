// What every command receives: the parsed global options, the output, and the local containers.

import type { Clock } from '@tessera/core';
import { systemClock } from '@tessera/core';
import { LocalContainers } from '../local/containers.js';
import { createOutput, type GlobalOptions, type Output } from './io.js';

export interface CommandContext {
  options: GlobalOptions;
  output: Output;
  containers: () => LocalContainers;
  clock: Clock;
}

export const commandContext = (options: GlobalOptions): CommandContext => ({
  options,
  output: createOutput(options),
  containers: () => new LocalContainers(options.home !== undefined ? { home: options.home } : {}),
  clock: systemClock,
});
