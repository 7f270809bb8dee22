// Entry point of the `tessera` binary.

import { main } from './program.js';

process.exitCode = await main(process.argv.slice(2));
