import type { CoordinatorConfig } from '../config/coordinator-config';

/**
 * How long a request or a recovery pass may hold a transaction: a round of
 * tries and a round of phase-2 calls, each bounded by the call timeout,
 * plus room for the log writes. Past it, another coordinator may take over.
 */
export function leaseMs(config: Pick<CoordinatorConfig, 'callTimeoutMs'>): number {
  return 2 * config.callTimeoutMs + 10_000;
}
