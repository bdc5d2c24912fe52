/**
 * Delay before phase-2 attempt number `attempt` (1-based) is retried:
 * exponential from `baseMs`, capped at `maxMs`, with "equal jitter" (a
 * random point in the upper half) so coordinators that failed together do
 * not retry together, while the delay never drops below half the step.
 */
export function backoffDelayMs(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  // The exponent is clamped so 2 ** n stays finite for very old transactions.
  const step = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 40));
  const half = step / 2;
  return Math.min(maxMs, Math.round(half + random() * half));
}
