// A child process for the crash-safety and concurrency tests: updates one container through the real store,
// printing `start <epoch ms>`, each counter value it wrote, and `done <epoch ms>`. It stops by itself (count reached, or the safety timeout) so a test
// that forgets it cannot leave it running; the tests also kill it in afterEach.
//
//   node --import tsx writer-process.ts '{"home":…,"serial":…,"mode":"loop"|"increment","count":N,…}'

import { createContainerStore } from '../../src/store/index.js';
import { aPayloadState, checkPayloadState, type PayloadState } from './payload-state.js';

interface WriterArgs {
  home: string;
  serial: string;
  mode: 'loop' | 'increment';
  count?: number;
  staleMs?: number;
  payloadBytes?: number;
  maxMs?: number;
  /** Epoch ms to start at, so several writers start together instead of one after the other. */
  startAt?: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as WriterArgs;

setTimeout(() => {
  process.stderr.write(`writer ${process.pid} stopped by its safety timeout\n`);
  process.exit(124);
}, args.maxMs ?? 20_000).unref();

const store = createContainerStore<PayloadState>({
  home: args.home,
  lock: { staleMs: args.staleMs ?? 2_000 },
});

const main = async (): Promise<void> => {
  const delay = (args.startAt ?? 0) - Date.now();
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  const limit = args.mode === 'increment' ? (args.count ?? 1) : Number.POSITIVE_INFINITY;
  process.stdout.write(`start ${Date.now()}\n`);
  for (let done = 0; done < limit; done += 1) {
    const record = await store.update(args.serial, ({ state }) => {
      checkPayloadState(state);
      return aPayloadState(state.counter + 1, args.payloadBytes ?? 64);
    });
    process.stdout.write(`${record.state.counter}\n`);
  }
  process.stdout.write(`done ${Date.now()}\n`);
};

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `writer ${process.pid} failed: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  },
);
