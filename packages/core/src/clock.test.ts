import { describe, expect, it } from 'vitest';
import { fixedClock } from './clock.js';

describe('fixedClock', () => {
  it('reports the instant it was set to until it is moved', () => {
    const clock = fixedClock('2026-01-01T00:00:00Z');
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:00.000Z');
    clock.advance(60_000);
    expect(clock.now().toISOString()).toBe('2026-01-01T00:01:00.000Z');
    clock.set('2025-12-31T00:00:00Z');
    expect(clock.now().toISOString()).toBe('2025-12-31T00:00:00.000Z');
  });
});
