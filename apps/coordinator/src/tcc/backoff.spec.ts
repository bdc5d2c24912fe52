import fc from 'fast-check';
import { backoffDelayMs } from './backoff';

describe('backoffDelayMs', () => {
  it('doubles from the base with jitter in the upper half of each step', () => {
    expect(backoffDelayMs(1, 500, 60_000, () => 0)).toBe(250);
    expect(backoffDelayMs(1, 500, 60_000, () => 1)).toBe(500);
    expect(backoffDelayMs(2, 500, 60_000, () => 1)).toBe(1000);
    expect(backoffDelayMs(4, 500, 60_000, () => 0.5)).toBe(3000);
  });

  it('stays within [step/2, step] and never above the cap, for any attempt', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, base, extra, random) => {
          const max = base + extra;
          const step = Math.min(max, base * 2 ** Math.min(attempt - 1, 40));
          const delay = backoffDelayMs(attempt, base, max, () => random);
          return delay >= Math.floor(step / 2) && delay <= step && delay <= max;
        },
      ),
    );
  });

  it('keeps retrying at the cap for very old transactions', () => {
    expect(backoffDelayMs(1_000_000, 500, 60_000, () => 1)).toBe(60_000);
    expect(backoffDelayMs(1_000_000, 500, 60_000, () => 0)).toBe(30_000);
  });
});
