// Trusted time in a container (DESIGN.md §3 invariant 5): a high-water mark of Central's signed time and of
// local time observed. A local clock behind the mark by more than the tolerance is "set back"; a local clock
// that ran ahead is pulled back by the next signed time, because Central is the time authority.

import type { ContainerState } from './state.js';

export const DEFAULT_CLOCK_TOLERANCE_MS = 60 * 60 * 1000;

const later = (a: string | null, b: string | null): string | null => {
  if (a === null) return b;
  if (b === null) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
};

export const timeHighWater = (state: ContainerState): Date | null => {
  const mark = later(state.time.signed, state.time.local);
  return mark === null ? null : new Date(mark);
};

/** Records the local time seen now; returns the same object when nothing changes (no write needed). */
export const observeLocalTime = (state: ContainerState, now: Date): ContainerState => {
  const seen = now.toISOString();
  if (state.time.local !== null && Date.parse(state.time.local) >= now.getTime()) return state;
  return { ...state, time: { ...state.time, local: seen } };
};

/** Records Central's signed time from an applied update. */
export const observeSignedTime = (
  state: ContainerState,
  issuedAt: string,
  toleranceMs: number,
): ContainerState => {
  const newest = state.time.signed === null || Date.parse(issuedAt) >= Date.parse(state.time.signed);
  const signed = later(state.time.signed, issuedAt);
  let local = state.time.local;
  // Only the newest signed time may correct a local clock that ran ahead: an old update file must not
  // be a way to wind the mark back.
  if (newest && local !== null && Date.parse(local) > Date.parse(issuedAt) + toleranceMs) local = issuedAt;
  return { ...state, time: { signed, local } };
};

export const isClockSetBack = (state: ContainerState, now: Date, toleranceMs: number): boolean => {
  const mark = timeHighWater(state);
  return mark !== null && now.getTime() < mark.getTime() - toleranceMs;
};
