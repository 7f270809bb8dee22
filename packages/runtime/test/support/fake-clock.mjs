// Preloaded into a CLI child process by tests (`node --import`): shifts the process's clock by
// TESSERA_TEST_CLOCK_OFFSET_MS, standing in for a user who set the system clock. Test-only; never shipped.
const offset = Number(process.env.TESSERA_TEST_CLOCK_OFFSET_MS ?? 0);
if (offset !== 0) {
  const RealDate = Date;
  const shifted = () => RealDate.now() + offset;
  globalThis.Date = class extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(shifted());
      else super(...args);
    }
    static now() {
      return shifted();
    }
  };
}
