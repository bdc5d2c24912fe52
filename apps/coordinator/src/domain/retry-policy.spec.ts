import fc from 'fast-check';
import { makesStuck, retryDelayMs, retryPolicy } from './retry-policy';

const policy = { baseMs: 500, maxMs: 60_000 };

describe('retryDelayMs', () => {
  it('doubles from the base with jitter in the upper half of each step', () => {
    expect(retryDelayMs(policy, 1, () => 0)).toBe(250);
    expect(retryDelayMs(policy, 1, () => 1)).toBe(500);
    expect(retryDelayMs(policy, 2, () => 1)).toBe(1000);
    expect(retryDelayMs(policy, 4, () => 0.5)).toBe(3000);
  });

  it('stays within [step/2, step] and never above the cap, for any attempt', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, baseMs, extra, random) => {
          const maxMs = baseMs + extra;
          const step = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 40));
          const delay = retryDelayMs({ baseMs, maxMs }, attempt, () => random);
          return delay >= Math.floor(step / 2) && delay <= step && delay <= maxMs;
        },
      ),
    );
  });

  it('keeps retrying at the cap for very old transactions', () => {
    expect(retryDelayMs(policy, 1_000_000, () => 1)).toBe(60_000);
    expect(retryDelayMs(policy, 1_000_000, () => 0)).toBe(30_000);
  });
});

describe('retryPolicy', () => {
  it('gives a holder two call timeouts and ten seconds, and keeps the configured limits', () => {
    expect(
      retryPolicy({
        callTimeoutMs: 5000,
        retryBaseMs: 500,
        retryMaxMs: 60_000,
        stuckAfterAttempts: 10,
      }),
    ).toEqual({
      baseMs: 500,
      maxMs: 60_000,
      leaseMs: 20_000,
      stuckAfterAttempts: 10,
      claimBatch: 50,
    });
  });
});

describe('makesStuck', () => {
  it('marks a refusal stuck at once, a failure only at the threshold', () => {
    expect(makesStuck({ stuckAfterAttempts: 3 }, true, 1)).toBe(true);
    expect(makesStuck({ stuckAfterAttempts: 3 }, false, 2)).toBe(false);
    expect(makesStuck({ stuckAfterAttempts: 3 }, false, 3)).toBe(true);
  });
});
