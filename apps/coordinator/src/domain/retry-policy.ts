/**
 * How the coordinator retries: how long one holder keeps a transaction,
 * how phase 2 backs off between attempts, when a transaction counts as
 * stuck, and how many transactions one recovery pass takes on. Built once
 * from the configuration; every retry decision reads this one value.
 */
export interface RetryPolicy {
  /** First phase-2 retry delay. */
  baseMs: number;
  /** Largest phase-2 retry delay; retries go on at this interval for ever. */
  maxMs: number;
  /**
   * How long a request or a recovery pass may hold a transaction before
   * another coordinator may take over.
   */
  leaseMs: number;
  /** Failed phase-2 attempts of one branch before its transaction is marked stuck. */
  stuckAfterAttempts: number;
  /** Transactions one recovery pass claims; each is worked on in parallel. */
  claimBatch: number;
}

/** The policy's inputs as the configuration names them. */
export interface RetrySettings {
  callTimeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  stuckAfterAttempts: number;
}

/** Transactions claimed per recovery pass. */
const CLAIM_BATCH = 50;

/** The policy the settings call for. */
export function retryPolicy(settings: RetrySettings): RetryPolicy {
  return {
    baseMs: settings.retryBaseMs,
    maxMs: settings.retryMaxMs,
    // A round of tries and a round of phase-2 calls, each bounded by the call timeout, plus room
    // for the log writes.
    leaseMs: 2 * settings.callTimeoutMs + 10_000,
    stuckAfterAttempts: settings.stuckAfterAttempts,
    claimBatch: CLAIM_BATCH,
  };
}

/**
 * Delay before phase-2 attempt number `attempt` (1-based) is retried:
 * exponential from the base, capped, with "equal jitter" (a random point
 * in the upper half) so coordinators that failed together do not retry
 * together, while the delay never drops below half the step.
 */
export function retryDelayMs(
  policy: Pick<RetryPolicy, 'baseMs' | 'maxMs'>,
  attempt: number,
  random: () => number = Math.random,
): number {
  // The exponent is clamped so 2 ** n stays finite for very old transactions.
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 40));
  const half = step / 2;
  return Math.min(policy.maxMs, Math.round(half + random() * half));
}

/**
 * Whether a branch's failed phase-2 call makes its transaction stuck: a
 * refusal breaks the protocol (no successful try, or a cancel row), so
 * retrying cannot help; otherwise after the policy's number of attempts.
 */
export function makesStuck(
  policy: Pick<RetryPolicy, 'stuckAfterAttempts'>,
  refused: boolean,
  attempts: number,
): boolean {
  return refused || attempts >= policy.stuckAfterAttempts;
}
