// A self-checking container state for the crash tests: the payload is derived from the counter, so a state
// stitched together from two writes (or cut short) is caught even if it somehow parsed.

export interface PayloadState {
  counter: number;
  payload: string;
}

const payloadFor = (counter: number, bytes: number): string => {
  const unit = `${counter};`;
  return unit.repeat(Math.max(1, Math.ceil(bytes / unit.length)));
};

export const aPayloadState = (counter: number, bytes = 64): PayloadState => ({
  counter,
  payload: payloadFor(counter, bytes),
});

export const checkPayloadState = (state: PayloadState): void => {
  const unit = `${state.counter};`;
  if (
    !Number.isInteger(state.counter) ||
    state.payload.length === 0 ||
    state.payload.split(unit).join('') !== ''
  ) {
    throw new Error(`inconsistent state: counter ${state.counter} with a payload of another write`);
  }
};
