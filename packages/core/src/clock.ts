// Time and randomness are injected so domain code never reads the system clock or Math.random directly;
// tests control both (expiry, clock set back, leases) without sleeping or patching globals.

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export const fixedClock = (
  at: Date | string | number,
): Clock & { set(to: Date | string | number): void; advance(ms: number): void } => {
  let current = new Date(at).getTime();
  return {
    now: () => new Date(current),
    set: (to) => {
      current = new Date(to).getTime();
    },
    advance: (ms) => {
      current += ms;
    },
  };
};
